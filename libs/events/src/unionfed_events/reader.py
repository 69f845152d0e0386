"""Tolerant readers: how a consumer validates an event built against a newer compatible contract.

Producers validate strictly (`Event` forbids unknown fields and unknown enum values). A consumer
must accept whatever the contract check (`unionfed_events.schemas`) calls compatible with the
version it was built against, so it reads through a *reader class* of the event class:

- unknown fields are ignored;
- an unknown value of an enum field (the only kind of enum unionfed has is `StrEnum`) is kept as
  an *unknown member* of that enum: `isinstance(v, TheEnum)` holds, `v.value` is the raw string,
  `v.name` is `"UNKNOWN"`, and it equals no known member. `is_known(v)` tells them apart. One rule
  for every enum field, because most enums have no value that could honestly stand in for a new
  one (what would an unknown `RegistrationOutcome` fall back to?); a handler that must decide
  treats an unknown member like any other value it has no rule for.

Everything else is validated as the class declares it (types, required fields, constraints): a
payload that fails is invalid for that type, which is what a dead letter is for. Known limits: a
constraint loosened within a version is still enforced by older readers, and only top-level
fields are covered (no event has nested models today; one that does needs readers for them too). The reader class
is a subclass, so `isinstance(event, MemberJoined)` holds for what it returns.
"""

from __future__ import annotations

import functools
import types
import typing
from copy import copy
from enum import Enum
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, ConfigDict

from .base import Event

E = TypeVar("E", bound=Event)
UNKNOWN_NAME = "UNKNOWN"

_unknown_members: dict[tuple[type[Enum], str], Enum] = {}


def unknown_member(enum_cls: type[Enum], value: str) -> Enum:
    """The stand-in for a value `enum_cls` does not know (one object per enum and value).

    Kept out of the enum's own lookup tables: producers must still refuse the value."""
    member = _unknown_members.get((enum_cls, value))
    if member is None:
        member = str.__new__(enum_cls, value)  # type: ignore[type-var]
        member._name_ = UNKNOWN_NAME
        member._value_ = value
        _unknown_members[(enum_cls, value)] = member
    return member


def is_known(value: Enum) -> bool:
    """False for the stand-in of an enum value this contracts package does not know."""
    return value._name_ in type(value).__members__


@functools.cache
def reader_class(cls: type[E]) -> type[E]:
    """`cls` as a tolerant reader: unknown fields ignored, unknown enum values kept (module doc)."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {
        "model_config": ConfigDict(**{**cls.model_config, "extra": "ignore"}),
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
        "__annotations__": annotations,
    }
    for name, info in cls.model_fields.items():
        enum_cls = _enum_in(info.annotation)
        if enum_cls is not None:
            annotations[name] = Annotated[info.annotation, BeforeValidator(_tolerate(enum_cls))]
            namespace[name] = copy(info)  # description, default and constraints as declared
    return typing.cast(type[E], type(cls.__name__, (cls,), namespace))


def _tolerate(enum_cls: type[Enum]) -> Any:
    known = enum_cls._value2member_map_

    def keep_unknown(value: Any) -> Any:
        if isinstance(value, str) and value not in known:
            return unknown_member(enum_cls, value)
        return value

    return keep_unknown


def _enum_in(annotation: Any) -> type[Enum] | None:
    """The enum of a field typed `SomeEnum` or `SomeEnum | None`."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _enum_in(arg)
            if found is not None:
                return found
    return None
