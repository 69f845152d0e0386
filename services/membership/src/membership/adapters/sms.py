"""Sending one-time codes to a phone. The real sender (an SMS gateway) will come with the
notifications service; until then development uses `LoggingCodeSender` and production has none,
so auto-approving branches fall back to officer approval there (fail closed)."""

from __future__ import annotations

import logging
from typing import Protocol
from uuid import UUID

from membership.domain.phone import mask_phone

log = logging.getLogger("membership.sms")


class CodeSender(Protocol):
    async def send_code(self, phone: str, code: str, application_id: UUID, valid_minutes: int) -> None:
        """Deliver `code` to `phone`; raise if it could not be handed over."""


class LoggingCodeSender:
    """Development: the "SMS" is a line of the service log (phone masked), e.g.
    `grep membership.sms .data/logs/membership.log`. Never used in production (see settings)."""

    async def send_code(self, phone: str, code: str, application_id: UUID, valid_minutes: int) -> None:
        # WARNING so it shows at any development log level; the phone appears masked only.
        log.warning(
            "development SMS to %s: your unionfed code is %s (valid %d minutes)",
            mask_phone(phone),
            code,
            valid_minutes,
            extra={"application_id": str(application_id), "code": code, "sms_to": mask_phone(phone)},
        )
