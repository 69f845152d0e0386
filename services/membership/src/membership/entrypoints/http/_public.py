"""What the public joining routes need beside the database: rate limits, one-time codes and
the sender of those codes, built once from settings (`build_public_joining`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from limits import RateLimitItem
from unionfed_chassis.rate_limit import RateLimiter, client_key, parse_limits

from membership.adapters.sms import CodeSender, LoggingCodeSender
from membership.adapters.vault import NationalIdVault
from membership.domain.errors import InvalidPhone
from membership.domain.phone import validate_mobile
from membership.domain.verification import CodeBook
from membership.settings import MembershipSettings


@dataclass(frozen=True)
class PublicJoining:
    limiter: RateLimiter
    per_client: list[RateLimitItem]
    per_person: list[RateLimitItem]
    vault: NationalIdVault
    codes: CodeBook | None  # None: no sender configured, so officers approve every application
    sender: CodeSender | None

    async def limit_person(self, national_id: str, phone: str) -> None:
        """Count an application of this person and to this phone (so nobody floods one phone with
        codes using many IDs); keyed by keyed hashes, never the ID or number itself."""
        await self.limiter.hit("public-person", self.vault.lookup_hash(national_id), self.per_person)
        try:
            number = validate_mobile(phone)
        except InvalidPhone:
            return  # refused as a 422 by the handler; nothing will be sent to it
        await self.limiter.hit("public-phone", self.vault.lookup_hash(number), self.per_person)


def build_public_joining(settings: MembershipSettings) -> PublicJoining:
    sender = LoggingCodeSender() if settings.code_sender_kind() == "log" else None
    codes = None
    if sender is not None:
        ttl = timedelta(seconds=settings.verification_code_ttl_seconds)
        codes = CodeBook(bytes.fromhex(settings.national_id_key), ttl, settings.verification_code_attempts)
    return PublicJoining(
        RateLimiter(settings.rate_limit_storage),
        parse_limits(settings.public_limit_per_client),
        parse_limits(settings.public_limit_per_person),
        settings.vault(),
        codes,
        sender,
    )


async def limit_client(request: Request) -> PublicJoining:
    """Dependency of every public route: counts the request against the client's limit."""
    public: PublicJoining = request.app.state.public_joining
    await public.limiter.hit("public-client", client_key(request), public.per_client)
    return public


PublicJoiningDep = Annotated[PublicJoining, Depends(limit_client)]
