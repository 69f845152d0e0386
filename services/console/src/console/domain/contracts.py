"""Who produces and who consumes each event type, read from the services' AsyncAPI documents as
the chassis writes them: a `send` operation per published type (its channel titled by the type,
addressed to the topic), a `receive` operation per consumer group (its channel titled
`<group>:consume`, described "Handles: <type>, <type>…", addressed to the topics or pattern)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

HANDLES = "Handles: "


@dataclass(frozen=True, order=True)
class Producer:
    service: str
    topic: str


@dataclass(frozen=True, order=True)
class Consumer:
    service: str
    group: str
    topic: str  # a topic, or the pattern the group subscribes to


@dataclass
class Parties:
    producers: dict[str, set[Producer]]
    consumers: dict[str, set[Consumer]]


def parties(documents: dict[str, dict[str, Any]]) -> Parties:
    """Producers and consumers by CloudEvents type, over every service's document."""
    producers: dict[str, set[Producer]] = defaultdict(set)
    consumers: dict[str, set[Consumer]] = defaultdict(set)
    for service, document in documents.items():
        channels = document.get("channels") or {}
        for operation in (document.get("operations") or {}).values():
            name = _channel_name(operation)
            channel = channels.get(name) if name else None
            if name is None or not isinstance(channel, dict):
                continue
            address = str(channel.get("address", ""))
            if operation.get("action") == "send":
                producers[name].add(Producer(service, address))
            elif operation.get("action") == "receive":
                group = name.split(":", 1)[0]
                for ce_type in _handled(channel.get("description")):
                    consumers[ce_type].add(Consumer(service, group, address))
    return Parties(dict(producers), dict(consumers))


def _channel_name(operation: Any) -> str | None:
    channel = operation.get("channel") if isinstance(operation, dict) else None
    ref = channel.get("$ref") if isinstance(channel, dict) else None
    return (ref.removeprefix("#/channels/") or None) if isinstance(ref, str) else None


def _handled(description: Any) -> list[str]:
    if not isinstance(description, str) or not description.startswith(HANDLES):
        return []
    return [t.strip() for t in description.removeprefix(HANDLES).split(",") if t.strip()]
