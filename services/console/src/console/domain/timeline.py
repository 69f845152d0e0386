"""A member's events as a thread: each event under the event that caused it (its causation id is
that event's id), roots and siblings in time order. Joined → aid requested → approved → granted
→ notified reads top to bottom, each step indented under its cause."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from console.domain.stored import StoredEvent


@dataclass(frozen=True)
class TimelineEntry:
    event: StoredEvent
    depth: int
    # The event id of its cause when that event is in the timeline too, else None.
    caused_by: str | None


def thread(events: Sequence[StoredEvent]) -> list[TimelineEntry]:
    ordered = sorted(events, key=_when)
    by_event_id = {e.event_id: e for e in ordered if e.event_id}
    children: dict[str, list[StoredEvent]] = {}
    roots: list[StoredEvent] = []
    for event in ordered:
        cause = event.causation_id
        if cause and cause in by_event_id and cause != event.event_id:
            children.setdefault(cause, []).append(event)
        else:
            roots.append(event)
    out: list[TimelineEntry] = []
    seen: set[int] = set()
    # Roots first; then whatever a causation cycle (bad data) left unreached, as roots too.
    for start in [*roots, *ordered]:
        if start.id not in seen:
            _walk(start, children, seen, out)
    return out


def _walk(
    start: StoredEvent, children: dict[str, list[StoredEvent]], seen: set[int], out: list[TimelineEntry]
) -> None:
    stack: list[tuple[StoredEvent, int, str | None]] = [(start, 0, None)]
    while stack:  # depth first, iterative: a causation chain may be long
        event, depth, cause_id = stack.pop()
        if event.id in seen:
            continue
        seen.add(event.id)
        out.append(TimelineEntry(event, depth, cause_id))
        for child in reversed(children.get(event.event_id or "", [])):
            stack.append((child, depth + 1, event.event_id))


def _when(event: StoredEvent) -> tuple[float, int]:
    return (event.time.timestamp() if event.time else 0.0, event.id)
