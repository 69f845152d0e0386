"""One-time codes: random 6 digits, stored as a keyed hash bound to the application, expiring,
a few attempts; and the sender setting that keeps codes out of production logs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from membership.domain.verification import CodeBook, InvalidCode
from membership.settings import MembershipSettings
from unionfed_chassis import contact_seal

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def book(secret: bytes = b"k" * 32, attempts: int = 3) -> CodeBook:
    return CodeBook(secret, timedelta(minutes=10), attempts)


def test_codes_are_six_random_digits() -> None:
    codes = {book().new_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 150  # random, not a counter or a constant


def test_the_stored_hash_is_keyed_and_bound_to_the_application() -> None:
    app_id = uuid.uuid4()
    code, stored = book().issue(app_id, NOW)
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    assert stored.code_hash == book().hash(app_id, code)
    assert stored.code_hash != book(b"x" * 32).hash(app_id, code)  # another key
    assert stored.code_hash != book().hash(uuid.uuid4(), code)  # another application
    assert stored.expires_at == NOW + timedelta(minutes=10) and stored.attempts_left == 3


def test_right_code_in_time_passes_and_a_wrong_one_uses_an_attempt() -> None:
    codes = book()
    app_id = uuid.uuid4()
    code, stored = codes.issue(app_id, NOW)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(InvalidCode, match="2 attempts left") as refused:
        stored.check(codes.hash(app_id, wrong), NOW)
    assert refused.value.field == "code"
    stored.check(codes.hash(app_id, code), NOW + timedelta(minutes=9))
    assert stored.attempts_left == 2


def test_expired_or_exhausted_codes_are_refused_even_when_right() -> None:
    codes = book(attempts=1)
    app_id = uuid.uuid4()
    code, stored = codes.issue(app_id, NOW)
    with pytest.raises(InvalidCode, match="expired"):
        stored.check(codes.hash(app_id, code), NOW + timedelta(minutes=10))
    with pytest.raises(InvalidCode, match="apply again"):
        stored.check(codes.hash(app_id, "000000" if code != "000000" else "111111"), NOW)
    with pytest.raises(InvalidCode, match="too many"):
        stored.check(codes.hash(app_id, code), NOW)


def test_code_sender_logs_only_in_development() -> None:
    production = {
        "environment": "production",
        "national_id_key": "ab" * 32,
        "jwt_jwks_url": "https://idp.example/jwks",
        "contact_public_key": contact_seal.public_key_of(contact_seal.new_private_key()),
    }
    assert MembershipSettings(environment="development").code_sender_kind() == "log"
    assert MembershipSettings(**production).code_sender_kind() == "none"
    with pytest.raises(ValueError, match="CODE_SENDER=log"):
        MembershipSettings(**production, code_sender="log")


def test_malformed_rate_limits_are_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="public_limit_per_person"):
        MembershipSettings(environment="development", public_limit_per_person="lots")
