"""Development stack for unionfed: embedded PostgreSQL and Kafka-protocol broker, the `unionfed` CLI,
and pytest fixtures (plugin `unionfed`).

Imports are lazy: pytest loads this package for every test run in the workspace (plugin entry
point), which must stay cheap and must not break when an unrelated library is mid-edit.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DevStack": ".stack",
    "EmbeddedBroker": ".broker",
    "EmbeddedPostgres": ".postgres",
    "SERVICES": ".services",
    "ServiceSpec": ".services",
    "ensure_database": ".postgres",
    "ensure_topics": ".broker",
    "list_topics": ".broker",
    "sqlalchemy_url": ".postgres",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
