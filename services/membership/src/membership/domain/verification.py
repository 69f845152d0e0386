"""One-time codes that prove an applicant holds the phone they typed.

A code is 6 random digits, kept only as a keyed hash (6 digits are a million guesses: a plain
hash of a stolen table would be reversed in a second), valid for minutes and for a few wrong
tries; a right code is used once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from membership.domain.errors import DomainError

CODE_DIGITS = 6


class InvalidCode(DomainError):
    field = "code"


class CodeBook:
    """Makes codes and their keyed hashes; the hash binds a code to its application."""

    def __init__(self, secret: bytes, ttl: timedelta, attempts: int) -> None:
        self._key = hmac.new(secret, b"unionfed/membership/verification_code", hashlib.sha256).digest()
        self.ttl = ttl
        self.attempts = attempts

    def new_code(self) -> str:
        return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"

    def hash(self, application_id: UUID, code: str) -> str:
        data = f"{application_id}:{code.strip()}".encode()
        return hmac.new(self._key, data, hashlib.sha256).hexdigest()

    def issue(self, application_id: UUID, now: datetime) -> tuple[str, VerificationCode]:
        """A fresh code (to send) and what is stored of it."""
        code = self.new_code()
        return code, VerificationCode(
            application_id, self.hash(application_id, code), now + self.ttl, self.attempts
        )


@dataclass
class VerificationCode:
    application_id: UUID
    code_hash: str
    expires_at: datetime
    attempts_left: int

    def check(self, attempt_hash: str, now: datetime) -> None:
        """Accept the right code in time; otherwise use up one attempt and say why it failed."""
        if now >= self.expires_at:
            raise InvalidCode("the code has expired; apply again to get a new one")
        if self.attempts_left <= 0:
            raise InvalidCode("too many wrong codes; apply again to get a new one")
        if not hmac.compare_digest(attempt_hash, self.code_hash):
            self.attempts_left -= 1
            left = (
                f"{self.attempts_left} attempts left" if self.attempts_left else "apply again for a new one"
            )
            raise InvalidCode(f"the code does not match; {left}")
