"""One envelope for every event: CloudEvents 1.0, Kafka protocol binding, binary content mode.

Attributes travel as `ce_*` headers, the payload as the JSON record value, the subject as the key.
Extension attributes (lowercase alphanumerics, per the spec):
  correlationid, causationid  — who started the conversation / which event or command caused this
  district, branch            — the organisation path, so consumers can scope without a lookup
  traceparent                 — W3C trace context (CloudEvents distributed-tracing extension)
  sequence                    — the subject's version after this event; orders a subject's events
                                even when a cross-district transfer spreads them over two topics
  actor, actorrole            — who caused it (audit): a token's subject and role, a branch system,
                                or the service itself (role `service`)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Self

from .base import Event
from .ids import uuid7

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"

_REQUIRED = ("id", "source", "type", "specversion", "time")
_OPTIONAL = (
    "subject",
    "correlationid",
    "causationid",
    "district",
    "branch",
    "traceparent",
    "sequence",
    "actor",
    "actorrole",
)
_REQUIRED_SET = frozenset(_REQUIRED)
_HEADER_NAMES = tuple((name, f"ce_{name}") for name in _REQUIRED + _OPTIONAL)
_CONTENT_TYPE_HEADER = ("content-type", CONTENT_TYPE.encode())
# Header name (str, or bytes as some clients give) -> attribute, for the one pass of `header_attrs`.
_ATTR_OF_HEADER: dict[str | bytes, str] = {
    **{header: name for name, header in _HEADER_NAMES},
    **{header.encode(): name for name, header in _HEADER_NAMES},
}


class EnvelopeError(ValueError):
    """A record that is not a valid unionfed CloudEvent; the reason says which attribute."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    """Context attributes of one event plus its JSON data (already serialised).

    A plain dataclass, not a pydantic model: it is built for every event published and parsed
    for every event consumed, and its few typed attributes are converted explicitly."""

    # Any non-empty string, as CloudEvents allows (branch systems choose their own ids); the
    # events unionfed itself emits carry UUIDv7 strings, which the outbox stores as uuid.
    id: str = field(default_factory=lambda: str(uuid7()))
    source: str
    type: str
    specversion: str = SPECVERSION
    time: datetime = field(default_factory=_now)
    subject: str | None = None
    correlationid: str | None = None
    causationid: str | None = None
    district: str | None = None
    branch: str | None = None
    traceparent: str | None = None
    sequence: int | None = None
    actor: str | None = None
    actorrole: str | None = None
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
        actor: str | None = None,
        actorrole: str | None = None,
    ) -> Self:
        """Build the envelope for `event`; the correlation id defaults to the event's own id."""
        event_id = str(uuid7())
        return cls(
            id=event_id,
            time=datetime.now(UTC),
            source=source,
            type=event.ce_type(),
            subject=event.subject(),
            correlationid=correlationid or event_id,
            causationid=causationid,
            district=district,
            branch=branch,
            traceparent=traceparent,
            sequence=sequence,
            actor=actor,
            actorrole=actorrole,
            data=event.model_dump_json().encode(),
        )

    @property
    def key(self) -> bytes | None:
        return self.subject.encode() if self.subject else None

    def headers(self) -> list[tuple[str, bytes]]:
        """Kafka headers of the binary content mode."""
        out = [_CONTENT_TYPE_HEADER]
        for name, header in _HEADER_NAMES:
            value = getattr(self, name)
            if value is None:
                continue
            if value.__class__ is str:
                out.append((header, value.encode()))
            else:
                text = value.isoformat() if isinstance(value, datetime) else str(value)
                out.append((header, text.encode()))
        return out

    def headers_dict(self) -> dict[str, str]:
        return {k: v.decode() for k, v in self.headers()}

    @classmethod
    def from_headers(cls, headers: Any, value: bytes | None) -> Self:
        """Parse a Kafka record (headers as a sequence of pairs or a mapping) into an envelope."""
        return cls.from_attrs(header_attrs(headers), value)

    @classmethod
    def from_attrs(cls, attrs: dict[str, Any], value: bytes | None) -> Self:
        """The envelope of the attributes `header_attrs` read, checked: the required ones
        present, the spec version ours, the id not empty, the time and sequence well-formed."""
        if not attrs.keys() >= _REQUIRED_SET:
            missing = [a for a in _REQUIRED if a not in attrs]
            raise EnvelopeError(
                f"not a CloudEvent: header(s) {', '.join('ce_' + m for m in missing)} missing"
            )
        if attrs["specversion"] != SPECVERSION:
            raise EnvelopeError(
                f"unsupported ce_specversion {attrs['specversion']!r}; expected {SPECVERSION}"
            )
        if not attrs["id"]:
            raise EnvelopeError("invalid CloudEvent attribute: ce_id is empty")
        try:
            time = datetime.fromisoformat(attrs["time"].replace("Z", "+00:00"))
            if "sequence" in attrs:
                return cls(**{**attrs, "time": time, "sequence": int(attrs["sequence"])}, data=value or b"{}")
            return cls(**{**attrs, "time": time}, data=value or b"{}")
        except (ValueError, TypeError) as exc:
            raise EnvelopeError(f"invalid CloudEvent attribute: {exc}") from exc

    def with_data(self, data: bytes) -> Self:
        return replace(self, data=data)


def header_attrs(headers: Any) -> dict[str, str]:
    """The CloudEvents attributes unionfed knows, read from Kafka headers in one pass (a sequence
    of pairs or a mapping; names str or bytes), values decoded as UTF-8, nothing else checked.

    Hot path of every consumer, which reads `type` from it first and parses nothing more of a
    record it does not handle. Other headers (unknown `ce_` extensions, tracing, content-type)
    are not decoded: their bytes are none of the envelope's business, so a binary or null value
    there spoils nothing. A null value of a known attribute counts as absent. Raises
    UnicodeDecodeError for a known attribute whose value is not UTF-8."""
    pairs = headers.items() if hasattr(headers, "items") else headers
    attr_of = _ATTR_OF_HEADER.get
    try:  # values as Kafka gives them: bytes
        return {
            attr: value.decode()
            for name, value in pairs or ()
            if (attr := attr_of(name)) is not None and value is not None
        }
    except AttributeError:  # str values (a mapping built by hand, headers_dict())
        return {
            attr: value.decode() if isinstance(value, bytes) else str(value)
            for name, value in pairs or ()
            if (attr := attr_of(name)) is not None and value is not None
        }
