"""unionfed event contracts: CloudEvents envelope, topic registry, versioned event models."""

from . import assistance, campaigns, membership, notifications, topics
from .base import Event
from .envelope import Envelope, EnvelopeError
from .ids import uuid7
from .registry import InvalidPayload, UnknownEventType, decode, event_class

__all__ = [
    "Envelope",
    "EnvelopeError",
    "Event",
    "InvalidPayload",
    "UnknownEventType",
    "assistance",
    "campaigns",
    "decode",
    "event_class",
    "membership",
    "notifications",
    "topics",
    "uuid7",
]
