"""unionfed event contracts: CloudEvents envelope, topic registry, versioned event models."""

from . import assistance, campaigns, membership, notifications, topics
from .base import Event
from .envelope import Envelope, EnvelopeError, header_attrs
from .ids import uuid7
from .reader import is_known
from .registry import InvalidPayload, UnknownEventType, decode, event_class, read, reader

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
    "header_attrs",
    "is_known",
    "membership",
    "notifications",
    "read",
    "reader",
    "topics",
    "uuid7",
]
