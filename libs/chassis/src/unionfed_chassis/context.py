"""Per-request / per-message context that outgoing events inherit (correlation, causation,
trace, and the actor: who is acting)."""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import random
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who caused a state change: a token's subject and role, a branch system, the service."""

    subject: str
    role: str


# Roles of actors that are not people with a token.
PUBLIC = Actor("anonymous", "public")  # an unauthenticated caller of a public route
SERVICE_ROLE = "service"  # the service on its own account (its consumers, the seed)


@dataclass(frozen=True)
class MessageContext:
    correlation_id: str | None = None
    causation_id: str | None = None
    traceparent: str | None = None
    actor: Actor | None = None


current: contextvars.ContextVar[MessageContext] = contextvars.ContextVar(
    "unionfed_ctx",
    default=MessageContext(),  # noqa: B039 (frozen, so sharing it is safe)
)


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    """Everything staged inside the block is recorded as done by `actor`."""
    token = current.set(dataclasses.replace(current.get(), actor=actor))
    try:
        yield
    finally:
        current.reset(token)


def act_for_this_request(actor: Actor) -> None:
    """Record everything the current request stages as done by `actor`. No undo needed: the
    app's request-context middleware resets the whole context when the request ends. (A
    dependency that yields to undo it costs FastAPI an exit stack and a shielded cancel scope
    per request, ~5 % of a cheap one.)"""
    current.set(dataclasses.replace(current.get(), actor=actor))


def _nonzero_hex(bits: int) -> str:
    # Trace and span ids must be random and not all zero; they need not be secret, and the
    # random module (reseeded in forked children) is several times cheaper than os.urandom.
    return f"{random.getrandbits(bits) or 1:0{bits // 4}x}"


def new_traceparent() -> str:
    """A fresh W3C traceparent (version 00, sampled)."""
    return f"00-{_nonzero_hex(128)}-{_nonzero_hex(64)}-01"


def child_traceparent(parent: str | None) -> str:
    """Same trace id, new span id; a malformed parent starts a new trace."""
    parts = (parent or "").split("-")
    if len(parts) == 4 and len(parts[1]) == 32 and len(parts[2]) == 16:
        return f"00-{parts[1]}-{_nonzero_hex(64)}-{parts[3]}"
    return new_traceparent()
