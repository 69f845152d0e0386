"""Base class of every event payload: versioned, frozen, strict about unknown fields.

Strict is for building events (producers). Consumers read through `reader.reader_class`, which
accepts the compatible changes a newer producer may make."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

TYPE_PREFIX = "org.unionfed"


class Event(BaseModel):
    """An integration event payload. Subclasses set `domain`, `name` and `version`.

    The CloudEvents `type` is derived from them: `org.unionfed.<domain>.<event_name>.v<version>`.
    A change that breaks consumers (field removed, type changed, new required field) needs a new
    class with `version` + 1; the contracts check refuses it otherwise.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    domain: ClassVar[str]
    event_name: ClassVar[str]
    version: ClassVar[int] = 1

    @classmethod
    def ce_type(cls) -> str:
        return f"{TYPE_PREFIX}.{cls.domain}.{cls.event_name}.v{cls.version}"

    def subject(self) -> str | None:
        """The aggregate this event is about; it becomes the Kafka key (per-subject ordering)."""
        return None
