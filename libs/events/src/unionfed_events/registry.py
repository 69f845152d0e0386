"""Every event class of every domain, by CloudEvents type, and decoding of envelopes into them."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError

from .base import Event
from .envelope import Envelope
from .reader import reader_class


class UnknownEventType(LookupError):
    """The envelope's type (or its version) is not one this contracts package knows."""


class InvalidPayload(ValueError):
    """The data does not match the event's schema; the message names the fields."""


def all_event_classes() -> list[type[Event]]:
    from . import assistance, campaigns, membership, notifications

    classes: list[type[Event]] = []
    for module in (membership, assistance, campaigns, notifications):
        classes.extend(module.EVENTS)
    return classes


def event_types() -> dict[str, type[Event]]:
    return {cls.ce_type(): cls for cls in all_event_classes()}


_BY_TYPE: dict[str, type[Event]] | None = None


def event_class(ce_type: str) -> type[Event]:
    global _BY_TYPE
    if _BY_TYPE is None:
        _BY_TYPE = event_types()
    try:
        return _BY_TYPE[ce_type]
    except KeyError:
        raise UnknownEventType(f"unknown event type {ce_type!r}") from None


def decode(envelope: Envelope) -> Event:
    """Validate the envelope's data strictly against its event class (what a producer sent must
    match the contract exactly; consumers use `read`)."""
    cls = event_class(envelope.type)
    return _validate(cls, cls, envelope.data)


def read(envelope: Envelope, cls: type[Event]) -> Event:
    """Validate the envelope's data as a consumer built against `cls` does: a tolerant reader
    (unknown fields ignored, unknown enum values kept; see `unionfed_events.reader`)."""
    return _validate(cls, reader_class(cls), envelope.data)


def reader(cls: type[Event]) -> Callable[[bytes], Event]:
    """`read` of `cls` bound once, for a consumer that reads many payloads of one type: the
    tolerant reader's validator, called without a lookup or a wrapper per payload."""
    validate = reader_class(cls).__pydantic_validator__.validate_json

    def read_data(data: bytes) -> Event:
        try:
            return validate(data)
        except ValidationError as exc:
            raise _invalid(cls, exc) from exc

    return read_data


def _validate(cls: type[Event], model: type[Event], data: bytes) -> Event:
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        raise _invalid(cls, exc) from exc


def _invalid(cls: type[Event], exc: ValidationError) -> InvalidPayload:
    # The field and the rule, never the value: payloads may carry personal data.
    fields = "; ".join(f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in exc.errors())
    return InvalidPayload(f"{cls.event_name} v{cls.version}: {fields}")
