"""Prometheus metrics of the assistance service (exposed on the chassis' /metrics)."""

from __future__ import annotations

from prometheus_client import Histogram

from assistance.domain.case import Step

# Hours to days: a decision normally takes hours, an escalation starts at `escalate_after_hours`.
DECISION_SECONDS = Histogram(
    "unionfed_aid_decision_seconds",
    "Time an aid case waited at an approval level before its decision there",
    ["level", "decision"],
    buckets=(60, 600, 3600, 4 * 3600, 8 * 3600, 24 * 3600, 72 * 3600, 7 * 86400, 30 * 86400),
)


def observe_decision(step: Step) -> None:
    """Record a decision step's waiting time (approve, reject or return at a level)."""
    if step.level is not None and step.waited_seconds is not None:
        DECISION_SECONDS.labels(level=step.level.value, decision=step.decision.value).observe(
            step.waited_seconds
        )
