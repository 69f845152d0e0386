"""The listener's routing of NOTIFY payloads to waiting streams (no database: payloads are fed
to it as asyncpg would)."""

from __future__ import annotations

import json

from notifications.adapters.inbox_listener import InboxListener


def notify(listener: InboxListener, payload: str) -> None:
    listener._on_notify(None, 0, "inbox", payload)


async def test_a_notification_wakes_only_its_recipients_streams() -> None:
    listener = InboxListener("postgresql://unused")
    with listener.subscribe("a") as a1, listener.subscribe("a") as a2, listener.subscribe("b") as b:
        notify(listener, json.dumps(["a", "c"]))
        assert a1.is_set() and a2.is_set() and not b.is_set()


async def test_everyone_and_unreadable_payloads_wake_every_stream() -> None:
    listener = InboxListener("postgresql://unused")
    for payload in ("*", "not json"):
        with listener.subscribe("a") as a, listener.subscribe("b") as b:
            notify(listener, payload)
            assert a.is_set() and b.is_set()


async def test_a_closed_stream_is_forgotten() -> None:
    listener = InboxListener("postgresql://unused")
    with listener.subscribe("a"), listener.subscribe("a"):
        assert listener.streams == 2
    assert listener.streams == 0
    notify(listener, json.dumps(["a"]))  # nobody waits: nothing to do, nothing fails
