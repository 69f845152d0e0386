"""Webhook rules without I/O: which URLs and addresses are allowed, what a status code means,
which secrets sign, and that the signatures verify with the Standard Webhooks library."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime, timedelta

import pytest
from notifications.adapters.webhooks import signed_headers
from notifications.domain.errors import DomainError
from notifications.domain.webhooks import Signing, address_allowed, check_url, new_secret, redacted, verdict
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from unionfed_chassis import contact_seal


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/hook",
        "file:///etc/passwd",
        "https://user:pw@example.org/hook",
        "https://user@example.org/hook",
        "https:///no-host",
        "https://example.org:99999/",
        "http://169.254.169.254/latest/meta-data",
        "http://[fe80::1]/hook",
        "http://0.0.0.0/hook",
        "http://[::ffff:169.254.169.254]/hook",
        "https://example.org/hook#part",
        "not a url",
        "http://exa mple.org/hook",
        "http://example.org/\x00hook",
        "http://example.org/\ud800",
    ],
)
def test_refused_urls_name_the_url_field(url: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_url(url, allow_private=True)
    assert refused.value.field == "url"
    assert url not in refused.value.reason


def test_private_addresses_only_where_allowed() -> None:
    assert check_url("http://127.0.0.1:8850/hook", allow_private=True)
    with pytest.raises(DomainError):
        check_url("http://127.0.0.1:8850/hook", allow_private=False)
    with pytest.raises(DomainError):
        check_url("http://10.1.2.3/hook", allow_private=False)
    assert check_url("https://hr.branch.example/hooks?token=x", allow_private=False)


@pytest.mark.parametrize(
    ("address", "private_ok", "allowed"),
    [
        ("169.254.169.254", True, False),
        ("fe80::1", True, False),
        ("224.0.0.1", True, False),
        ("127.0.0.1", True, True),
        ("127.0.0.1", False, False),
        ("192.168.1.5", False, False),
        ("100.64.0.1", False, False),
        ("fd00:ec2::254", False, False),
        ("8.8.8.8", False, True),
        ("2001:4860:4860::8888", False, True),
    ],
)
def test_address_allowed(address: str, private_ok: bool, allowed: bool) -> None:
    assert address_allowed(ipaddress.ip_address(address), allow_private=private_ok) is allowed


@pytest.mark.parametrize(
    ("status", "delivered", "retryable", "gone"),
    [
        (200, True, False, False),
        (204, True, False, False),
        (301, False, False, False),
        (400, False, False, False),
        (404, False, False, False),
        (408, False, True, False),
        (410, False, False, True),
        (429, False, True, False),
        (500, False, True, False),
        (503, False, True, False),
    ],
)
def test_status_verdicts(status: int, delivered: bool, retryable: bool, gone: bool) -> None:
    outcome = verdict(status)
    assert (outcome.delivered, outcome.retryable, outcome.gone) == (delivered, retryable, gone)


def test_secrets_look_like_the_specification_says() -> None:
    first, second = new_secret(), new_secret()
    assert first.startswith("whsec_") and first != second
    assert len(Webhook(first)._whsecret) >= 24


def test_both_secrets_sign_during_the_overlap_and_only_the_new_one_after() -> None:
    old, new = new_secret(), new_secret()
    now = datetime.now(UTC)
    body = json.dumps({"type": "unionfed.webhook.test"})
    overlapping = Signing(new, old, now + timedelta(hours=1))
    headers = signed_headers(overlapping, "msg-1", body, now)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(new).verify(body, headers) == {"type": "unionfed.webhook.test"}
    assert Webhook(old).verify(body, headers)

    ended = Signing(new, old, now - timedelta(seconds=1))
    headers = signed_headers(ended, "msg-1", body, now)
    assert Webhook(new).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body + " ", headers)


def test_redacted_drops_the_query() -> None:
    assert redacted("https://h.example:8443/p/q?token=secret") == "https://h.example:8443/p/q"


def test_secrets_are_sealed_to_the_service_key_and_open_only_with_it() -> None:
    secret = new_secret()
    keyring = contact_seal.ContactKeyring({"k1": contact_seal.dev_private_key()})
    sealed = contact_seal.seal_text(contact_seal.dev_public_key(), secret)
    assert secret.removeprefix("whsec_") not in sealed
    assert keyring.unseal_text("k1", sealed) == secret
    other = contact_seal.ContactKeyring({"k1": contact_seal.new_private_key()})
    with pytest.raises(contact_seal.UnknownContactKey):
        other.unseal_text("k1", sealed)
    with pytest.raises(contact_seal.UnknownContactKey):
        keyring.unseal_text("k2", sealed)
    points = contact_seal.ContactPoints(phone="13900000000", email="a@example.org")
    assert keyring.unseal("k1", contact_seal.seal(contact_seal.dev_public_key(), points)) == points
