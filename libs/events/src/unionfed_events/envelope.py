"""One envelope for every event: CloudEvents 1.0, Kafka protocol binding, binary content mode.

Attributes travel as `ce_*` headers, the payload as the JSON record value, the subject as the key.
Extension attributes (lowercase alphanumerics, per the spec):
  correlationid, causationid  — who started the conversation / which event or command caused this
  district, branch            — the organisation path, so consumers can scope without a lookup
  traceparent                 — W3C trace context (CloudEvents distributed-tracing extension)
  sequence                    — the subject's version after this event; orders a subject's events
                                even when a cross-district transfer spreads them over two topics
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from .base import Event
from .ids import uuid7

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"

_REQUIRED = ("id", "source", "type", "specversion", "time")
_OPTIONAL = ("subject", "correlationid", "causationid", "district", "branch", "traceparent", "sequence")
_KNOWN = frozenset(_REQUIRED + _OPTIONAL)


class EnvelopeError(ValueError):
    """A record that is not a valid unionfed CloudEvent; the reason says which attribute."""


class Envelope(BaseModel):
    """Context attributes of one event plus its JSON data (already serialised)."""

    model_config = ConfigDict(frozen=True)

    id: UUID = Field(default_factory=uuid7)
    source: str
    type: str
    specversion: str = SPECVERSION
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str | None = None
    correlationid: str | None = None
    causationid: str | None = None
    district: str | None = None
    branch: str | None = None
    traceparent: str | None = None
    sequence: int | None = None
    data: bytes = b"{}"

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        source: str,
        district: str | None = None,
        branch: str | None = None,
        correlationid: str | None = None,
        causationid: str | None = None,
        traceparent: str | None = None,
        sequence: int | None = None,
    ) -> Self:
        """Build the envelope for `event`; the correlation id defaults to the event's own id."""
        event_id = uuid7()
        return cls(
            id=event_id,
            source=source,
            type=event.ce_type(),
            subject=event.subject(),
            correlationid=correlationid or str(event_id),
            causationid=causationid,
            district=district,
            branch=branch,
            traceparent=traceparent,
            sequence=sequence,
            data=event.model_dump_json().encode(),
        )

    @property
    def key(self) -> bytes | None:
        return self.subject.encode() if self.subject else None

    def headers(self) -> list[tuple[str, bytes]]:
        """Kafka headers of the binary content mode."""
        out = [("content-type", CONTENT_TYPE.encode())]
        for name in _REQUIRED + _OPTIONAL:
            value = getattr(self, name)
            if value is None:
                continue
            text = value.isoformat() if isinstance(value, datetime) else str(value)
            out.append((f"ce_{name}", text.encode()))
        return out

    def headers_dict(self) -> dict[str, str]:
        return {k: v.decode() for k, v in self.headers()}

    @classmethod
    def from_headers(cls, headers: Any, value: bytes | None) -> Self:
        """Parse a Kafka record (headers as a sequence of pairs or a mapping) into an envelope."""
        pairs = headers.items() if hasattr(headers, "items") else headers
        attrs: dict[str, Any] = {}
        for raw_name, raw_value in pairs or ():
            name = raw_name.decode() if isinstance(raw_name, bytes) else raw_name
            text = raw_value.decode() if isinstance(raw_value, bytes) else str(raw_value)
            if name.startswith("ce_"):
                attrs[name[3:]] = text
        missing = [a for a in _REQUIRED if a not in attrs]
        if missing:
            raise EnvelopeError(
                f"not a CloudEvent: header(s) {', '.join('ce_' + m for m in missing)} missing"
            )
        if attrs["specversion"] != SPECVERSION:
            raise EnvelopeError(
                f"unsupported ce_specversion {attrs['specversion']!r}; expected {SPECVERSION}"
            )
        # Hot path of every consumer: convert the three typed attributes by hand and skip a
        # full pydantic validation (the rest are plain strings).
        known = {k: v for k, v in attrs.items() if k in _KNOWN}
        try:
            known["id"] = UUID(known["id"])
            known["time"] = datetime.fromisoformat(known["time"].replace("Z", "+00:00"))
            if "sequence" in known:
                known["sequence"] = int(known["sequence"])
        except ValueError as exc:
            raise EnvelopeError(f"invalid CloudEvent attribute: {exc}") from exc
        return cls.model_construct(**known, data=value or b"{}")  # type: ignore[return-value]

    def with_data(self, data: bytes) -> Self:
        return self.model_copy(update={"data": data})
