"""Prometheus metrics every service exposes on /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_STAGED = Counter("unionfed_events_staged_total", "Events written to the outbox", ["type"])
EVENTS_PUBLISHED = Counter("unionfed_events_published_total", "Events the relay published", ["topic"])
EVENTS_CONSUMED = Counter(
    "unionfed_events_consumed_total", "Events applied by a consumer", ["consumer", "type"]
)
EVENTS_SKIPPED = Counter(
    "unionfed_events_skipped_total", "Events of a type the consumer has no handler for", ["consumer", "type"]
)
EVENTS_DUPLICATE = Counter("unionfed_events_duplicate_total", "Redelivered events skipped", ["consumer"])
EVENTS_FAILED = Counter("unionfed_events_failed_total", "Event processing failures", ["consumer", "reason"])
EVENTS_DEAD_LETTERED = Counter("unionfed_events_dead_lettered_total", "Events sent to a DLQ", ["consumer"])
HANDLER_SECONDS = Histogram(
    "unionfed_handler_seconds",
    "Time to apply one batch of events",
    ["consumer"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
OUTBOX_BACKLOG = Gauge("unionfed_outbox_backlog", "Outbox rows not yet published (last seen by the relay)")
RELAY_LEADER = Gauge("unionfed_outbox_relay_leader", "1 while this process holds the relay lock")
OUTBOX_PARKED = Gauge(
    "unionfed_outbox_parked", "Outbox rows the broker refused for good, waiting in outbox_parked (last seen)"
)
