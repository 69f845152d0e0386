"""Provider settings are checked when the service starts, and never echo a URL (it may carry a password)."""

from __future__ import annotations

import pytest
from notifications.settings import NotificationsSettings
from pydantic import ValidationError


def settings(**kw: object) -> NotificationsSettings:
    return NotificationsSettings(environment="development", **kw)


def test_provider_lists_are_read_in_order() -> None:
    s = settings(
        email_providers=["smtp://a:25", "smtps://user:pw@b:465"],
        sms_providers=["https://gw.example/send"],
    )
    assert s.email_providers == ["smtp://a:25", "smtps://user:pw@b:465"]
    assert s.sms_providers == ["https://gw.example/send"]


@pytest.mark.parametrize(
    ("field", "url", "message"),
    [
        ("email_providers", "http://user:secret@mail:25", "EMAIL_PROVIDERS[1] must be smtp://host:port"),
        ("email_providers", "smtp://user:secret@mail:notaport", "EMAIL_PROVIDERS[1] has an invalid port"),
        ("sms_providers", "smtp://user:secret@gw", "SMS_PROVIDERS[1] must be http://host:port"),
    ],
)
def test_a_bad_provider_url_is_refused_by_position_without_echoing_it(
    field: str, url: str, message: str
) -> None:
    good = "smtp://ok:25" if field == "email_providers" else "https://ok/send"
    with pytest.raises(ValidationError) as refused:
        settings(**{field: [good, url]})
    text = str(refused.value)
    assert message in text
    assert "secret" not in text
