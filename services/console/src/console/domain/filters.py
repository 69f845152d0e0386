"""What an operator asks of the stream: event types, organisation unit, subject, correlation id,
header values and a jq expression over the payload.

Everything but the jq expression is answered by SQL (indexed columns; headers by containment);
the expression runs on the rows SQL returns (`matches_payload`). Scope (a district officer sees
their district only) is applied by the caller before it builds the filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from unionfed_events.display import short_type
from unionfed_events.registry import event_types

from console.domain.jq_filter import InvalidJq, JqFilter, compile_jq

MAX_TYPES = 20
MAX_HEADERS = 5
_TYPE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,199}$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


class InvalidFilter(ValueError):
    """A filter that cannot be applied; `field` names the query parameter at fault."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class TypeMatch:
    """Requested types as SQL can use them: exact CloudEvents types (the `type` index) and, for
    a short name the contracts do not know (a producer newer than this console), a LIKE pattern."""

    exact: frozenset[str]
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class EventFilter:
    types: tuple[str, ...] = ()
    district: str | None = None
    branch: str | None = None
    subject: str | None = None
    correlation: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    jq: JqFilter | None = None

    @property
    def type_match(self) -> TypeMatch | None:
        return resolve_types(self.types) if self.types else None

    def matches_payload(self, payload: Any) -> bool:
        return self.jq is None or self.jq.matches(payload)

    def query_items(self) -> list[tuple[str, str]]:
        """The filter as query parameters (links: export, JSON page, live stream)."""
        items = [("type", t) for t in self.types]
        for name, value in (
            ("district", self.district),
            ("branch", self.branch),
            ("subject", self.subject),
            ("correlation", self.correlation),
            ("jq", self.jq.source if self.jq else None),
        ):
            if value:
                items.append((name, value))
        items.extend(("header", f"{n}={v}") for n, v in self.headers)
        return items


def build_filter(
    *,
    types: Iterable[str] = (),
    district: str | None = None,
    branch: str | None = None,
    subject: str | None = None,
    correlation: str | None = None,
    headers: Iterable[str] = (),
    jq: str | None = None,
) -> EventFilter:
    """A filter from the query's text; raises InvalidFilter naming the parameter at fault.
    Types and headers may come repeated or comma-separated (the form's single text box)."""
    return EventFilter(
        types=parse_types(types),
        district=district or None,
        branch=branch or None,
        subject=subject or None,
        correlation=correlation or None,
        headers=parse_headers(headers),
        jq=_compiled(jq),
    )


def parse_types(values: Iterable[str]) -> tuple[str, ...]:
    names = [n for v in values for n in re.split(r"[,\s]+", v) if n]
    if len(names) > MAX_TYPES:
        raise InvalidFilter("type", f"at most {MAX_TYPES} types")
    for name in names:
        if not _TYPE_NAME.match(name):
            raise InvalidFilter("type", "a type is a name like MemberJoined or a full CloudEvents type")
    return tuple(dict.fromkeys(names))


def parse_headers(values: Iterable[str]) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for text in (p.strip() for v in values for p in v.split(",")):
        if not text:
            continue
        name, equals, value = text.partition("=")
        if not equals or not _HEADER_NAME.match(name.strip()):
            raise InvalidFilter("header", "write a header filter as name=value (e.g. ce_actor=op-1)")
        pairs.append((name.strip(), value.strip()))
    if len(pairs) > MAX_HEADERS:
        raise InvalidFilter("header", f"at most {MAX_HEADERS} header filters")
    return tuple(pairs)


def _compiled(source: str | None) -> JqFilter | None:
    if source is None or not source.strip():
        return None
    try:
        return compile_jq(source)
    except InvalidJq as exc:
        raise InvalidFilter("jq", str(exc)) from None


def resolve_types(names: Iterable[str]) -> TypeMatch:
    """Short names match case-insensitively, with or without version ('memberjoined' and
    'MemberJoined.v1' both match org.unionfed.membership.MemberJoined.v1); a dotted name
    that is not a short name is taken as a full type."""
    known = _known_types()
    exact: set[str] = set()
    patterns: list[str] = []
    for name in names:
        wanted = name.lower()
        found = {full for short, fulls in known.items() if wanted in short for full in fulls}
        if found:
            exact |= found
        elif name.count(".") >= 2:
            exact.add(name)
        else:
            patterns.append(f"%.{_like_escape(name)}.v%" if "." not in name else f"%.{_like_escape(name)}")
    return TypeMatch(frozenset(exact), tuple(patterns))


@lru_cache(maxsize=1)
def _known_types() -> dict[tuple[str, str], frozenset[str]]:
    """(short name with version, without) lowercased -> full types, from the contracts."""
    by_short: dict[tuple[str, str], set[str]] = {}
    for full in event_types():
        short = short_type(full).lower()
        by_short.setdefault((short, short.rsplit(".", 1)[0]), set()).add(full)
    return {k: frozenset(v) for k, v in by_short.items()}


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
