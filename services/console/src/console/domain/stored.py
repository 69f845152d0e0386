"""An indexed record as read back: the index's row id (the keyset cursor of pages and of the
live stream) on top of what was indexed."""

from __future__ import annotations

from dataclasses import dataclass, field

from console.domain.indexed import IndexedEvent


@dataclass(frozen=True)
class StoredEvent(IndexedEvent):
    id: int = field(kw_only=True)
