"""Kafka consumers, each its own group so one never waits for another: the member view; the
sealed contact points; the events that notify one member or officer; campaign audiences (fan-out)."""

from __future__ import annotations

from unionfed_chassis.consumer import EventConsumer
from unionfed_chassis.member_view import member_view_consumer as view_consumer

from notifications.adapters.orm import member_view


def member_view_consumer(group: str, source: str) -> EventConsumer:
    return view_consumer(group, source, "notifications", member_view, on_left=None)
