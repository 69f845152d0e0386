"""The dispatcher: due e-mail, SMS and webhook messages leave through their channel's sender.

A round has three steps, and no database lock is held while anything is sent:
1. **claim** (one transaction): up to a batch of due rows, most urgent first, `FOR UPDATE SKIP
   LOCKED`, their `next_attempt_at` moved to a lease's end; contacts are opened and messages
   rendered. Once committed, no other replica takes them until the lease runs out.
2. **send**, concurrently (bounded), each channel behind its rate limit (a token bucket per
   replica).
3. **record** (one transaction): per message the attempt log row, the row's new state (delivered,
   retry at a backoff, or failed for good) and `NotificationDelivered` / `NotificationFailed`
   through the outbox. A row is updated only if its `next_attempt_at` is still this round's lease
   (a fencing token): a round that outlived its lease records nothing for that row.

A crash between send and record leaves the row pending until the lease ends; then it is sent
again: at-least-once at the edge. The retry carries the same `Message-ID` (e-mail), `reference`
(SMS) or `webhook-id`, so the receiver can drop the duplicate. Holding a row lock through the send
instead would keep a transaction and a connection open per message for a provider's timeout.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from unionfed_chassis.contact_seal import ContactKeyring, ContactPoints, UnknownContactKey
from unionfed_chassis.db import UnitOfWork
from unionfed_chassis.periodic import UnitOfWorkFactory, every
from unionfed_chassis.runtime import Runtime

from notifications.adapters import dispatch_store as store
from notifications.adapters.channels import build_senders
from notifications.adapters.templates import Renderer
from notifications.domain.delivery import (
    CONTACT_NOT_YET_KNOWN,
    UNREACHABLE,
    Decision,
    RetryPolicy,
    TokenBucket,
    Verdict,
)
from notifications.domain.model import Channel, ChannelSender, Outgoing, RecipientKind, Rendered, SendResult
from notifications.handlers.dispatch_outcome import (
    ATTEMPT_SECONDS,
    Attempted,
    RoundResult,
    attempt_row,
    count,
    emit,
    failure_values,
    utcnow,
)
from notifications.settings import NotificationsSettings

log = logging.getLogger("unionfed.notifications.dispatch")


@dataclass(frozen=True)
class Prepared:
    """A claimed message ready to go (`outgoing`), or one that cannot be sent (`result`)."""

    claimed: store.Claimed
    outgoing: Outgoing | None = None
    result: SendResult | None = None


class Dispatcher:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        keyring: ContactKeyring,
        senders: Mapping[Channel, ChannelSender],
        policy: RetryPolicy,
        rates: Mapping[Channel, float],
        *,
        batch_size: int,
        concurrency: int,
        lease: timedelta,
        poll_seconds: float,
        renderer: Renderer | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.unit_of_work = unit_of_work
        self.keyring = keyring
        self.senders = dict(senders)
        self.policy = policy
        self.batch_size = batch_size
        self.lease = lease
        self.poll_seconds = poll_seconds
        self.renderer = renderer or Renderer()
        self._clock = clock
        self._buckets = {ch: TokenBucket(rate, max(rate, 1.0), clock()) for ch, rate in rates.items()}
        self._in_flight = asyncio.Semaphore(concurrency)

    async def run(self) -> None:
        """A round every `poll_seconds` (at once again after a full batch) until cancelled; the
        senders' connections are closed on the way out."""

        async def round_() -> bool:
            return (await self.run_round()).full

        try:
            await every(self.poll_seconds, round_, log, "dispatch")
        finally:
            await self.close()

    async def close(self) -> None:
        """Close the senders' connections (SMTP pools, HTTP clients)."""
        for sender in self.senders.values():
            close = getattr(sender, "close", None) or getattr(sender, "aclose", None)
            if close is not None:
                await close()

    async def run_round(self, now: datetime | None = None) -> RoundResult:
        """One round as of `now` (default: the clock): what is due by then is sent."""
        now = now or utcnow()
        # No send starts after half the lease: the other half is for sends under way to finish
        # (a provider's timeout, failover) before another replica may take their rows over.
        start_by = self._clock() + self.lease.total_seconds() / 2
        prepared = await self._claim(now)
        if not prepared:
            return RoundResult()
        tried = await asyncio.gather(*(self._attempt(p, start_by) for p in prepared))
        attempted = [a for a in tried if a is not None]
        result = await self._record(attempted, now)
        result.deferred = len(tried) - len(attempted)
        result.full = len(prepared) == self.batch_size
        return result

    async def _claim(self, now: datetime) -> list[Prepared]:
        async with self.unit_of_work() as uow:
            claimed = await store.claim_due(
                uow.session, [c.value for c in self.senders], now, now + self.lease, self.batch_size
            )
            if not claimed:
                return []
            prepared = await self._prepare(uow, claimed)
            await uow.commit()
        return prepared

    async def _prepare(self, uow: UnitOfWork, claimed: list[store.Claimed]) -> list[Prepared]:
        """Each claimed message rendered for its recipient, or why it cannot go; what rendering
        needs is read for the whole batch at once (names, languages, sealed contact points)."""
        people = [c for c in claimed if c.recipient_kind != RecipientKind.SUBSCRIPTION]
        member_ids = [
            m for c in people if c.recipient_kind == RecipientKind.MEMBER and (m := _uuid(c.recipient_id))
        ]
        officer_ids = [c.recipient_id for c in people if c.recipient_kind == RecipientKind.OFFICER]
        languages = await store.languages(uow.session, (c.recipient_id for c in people))
        names = await store.member_names(uow.session, member_ids)
        sealed = await store.sealed_contacts(uow.session, member_ids, officer_ids)
        prepared = []
        for c in claimed:
            try:
                prepared.append(self._prepare_one(c, sealed, names, languages))
            except Exception as exc:  # one bad row must not hold up the batch (it would, round after round)
                error = f"cannot prepare the message: {type(exc).__name__}"
                prepared.append(Prepared(c, result=SendResult(False, error=error, retryable=False)))
        return prepared

    def _prepare_one(
        self,
        c: store.Claimed,
        sealed: dict[str, tuple[str, str]],
        names: dict[UUID, str | None],
        languages: dict[str, str],
    ) -> Prepared:
        if c.recipient_kind == RecipientKind.SUBSCRIPTION:
            return _webhook(c)
        try:
            contact = self._open(sealed.get(c.recipient_id))
        except UnknownContactKey:  # retryable: the key may yet be configured
            return Prepared(c, result=SendResult(False, error="contact sealed to a key not held"))
        is_member = c.recipient_kind == RecipientKind.MEMBER
        name = names.get(UUID(c.recipient_id)) if is_member else None  # as the inbox greets: ""
        return self._render(c, contact, languages.get(c.recipient_id), name or "")

    def _open(self, sealed: tuple[str, str] | None) -> ContactPoints | None:
        return None if sealed is None else self.keyring.unseal(*sealed)

    def _render(
        self, c: store.Claimed, contact: ContactPoints | None, language: str | None, name: str
    ) -> Prepared:
        if contact is None and c.recipient_kind == RecipientKind.MEMBER:
            return Prepared(c, result=SendResult(False, error=CONTACT_NOT_YET_KNOWN, retryable=True))
        address = (
            None if contact is None else (contact.email if c.channel == Channel.EMAIL else contact.phone)
        )
        if not address:
            return Prepared(c, result=SendResult(False, error=UNREACHABLE, retryable=False))
        try:
            rendered = self.renderer.render(c.template, language or "zh", {**c.params, "name": name})
        except Exception as exc:  # a template that cannot render with these params will never render
            error = f"template {c.template} failed: {type(exc).__name__}"
            return Prepared(c, result=SendResult(False, error=error, retryable=False))
        return Prepared(c, Outgoing(c.notification_id, Channel(c.channel), address, rendered, c.attempts + 1))

    async def _attempt(self, p: Prepared, start_by: float) -> Attempted | None:
        """The send's outcome; None when it was not started in time (the row stays leased and
        goes in a round after the lease)."""
        if p.outgoing is None:
            assert p.result is not None
            return Attempted(p.claimed, p.result, 0)
        channel = p.outgoing.channel
        async with self._in_flight:
            bucket = self._buckets.get(channel)
            if bucket is not None:
                await asyncio.sleep(bucket.take(self._clock()))
            if self._clock() > start_by:
                return None
            started = time.monotonic()
            try:
                result = await self.senders[channel].send(p.outgoing)
            except Exception as exc:  # a sender must not raise; if one does, the attempt failed
                log.warning("%s sender raised %s", channel.value, type(exc).__name__)
                result = SendResult(False, error=f"sender raised {type(exc).__name__}")
            elapsed = time.monotonic() - started
        ATTEMPT_SECONDS.labels(channel=channel.value).observe(elapsed)
        return Attempted(p.claimed, result, int(elapsed * 1000))

    async def _record(self, attempted: list[Attempted], now: datetime) -> RoundResult:
        """Every outcome of the round in one transaction: delivered rows in one statement per
        provider, failures one by one (few), the attempt log in one statement, the events."""
        outcome = RoundResult()
        decided = [(a, self.policy.decide(a.result, a.claimed.attempts, now)) for a in attempted]
        async with self.unit_of_work() as uow:
            recorded = await self._record_delivered(
                uow, [(a, d) for a, d in decided if d.verdict == Verdict.DELIVERED]
            )
            for a, d in decided:
                if d.verdict != Verdict.DELIVERED and await store.record_failure(
                    uow.session, a.claimed, failure_values(d, a.result)
                ):
                    recorded.add(a.claimed.notification_id)
            kept = [(a, d) for a, d in decided if a.claimed.notification_id in recorded]
            await store.log_attempts(uow.session, [attempt_row(a, d) for a, d in kept])
            for a, d in kept:
                emit(uow, a, d)
                count(outcome, a, d)
            await uow.commit()
        outcome.lost = len(decided) - len(kept)
        if outcome.lost:
            log.warning("dispatch: %d outcome(s) not recorded, their lease ran out first", outcome.lost)
        return outcome

    async def _record_delivered(
        self, uow: UnitOfWork, delivered: list[tuple[Attempted, Decision]]
    ) -> set[UUID]:
        by_provider: dict[str | None, list[UUID]] = {}
        for a, _ in delivered:
            by_provider.setdefault(a.result.provider, []).append(a.claimed.notification_id)
        recorded: set[UUID] = set()
        for provider, ids in by_provider.items():
            lease = delivered[0][0].claimed.lease_until  # one lease for the whole round
            recorded |= await store.record_delivered(uow.session, ids, lease, provider, utcnow())
        return recorded


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


def _webhook(c: store.Claimed) -> Prepared:
    """A branch system's message: no template, the body is the event as planned."""
    body = c.params.get("body")
    if not isinstance(body, str):
        return Prepared(c, result=SendResult(False, error="webhook content has no body", retryable=False))
    rendered = Rendered(subject=c.caused_type, text=body, html="")
    return Prepared(c, Outgoing(c.notification_id, Channel.WEBHOOK, c.recipient_id, rendered, c.attempts + 1))


def build_dispatcher(
    settings: NotificationsSettings, runtime: Runtime, keyring: ContactKeyring
) -> Dispatcher:
    """The dispatcher of a running service, from its settings."""
    s = settings
    policy = RetryPolicy(
        s.delivery_attempts,
        timedelta(seconds=s.delivery_backoff_seconds),
        timedelta(seconds=s.delivery_max_backoff_seconds),
    )
    rates = {
        Channel.EMAIL: s.email_rate_per_second,
        Channel.SMS: s.sms_rate_per_second,
        Channel.WEBHOOK: s.webhook_rate_per_second,
    }
    return Dispatcher(
        runtime.unit_of_work,
        keyring,
        build_senders(s, runtime.session_factory, keyring),
        policy,
        rates,
        batch_size=s.dispatch_batch_size,
        concurrency=s.dispatch_concurrency,
        lease=timedelta(seconds=s.dispatch_lease_seconds),
        poll_seconds=s.dispatch_poll_seconds,
    )
