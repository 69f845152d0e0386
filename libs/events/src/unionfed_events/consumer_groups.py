"""Every consumer group of the platform, by service. Each group has its own dead-letter and retry
topics (`topics.platform_topics`), so whoever creates the topics needs this list: the dev stack,
the deployment's topic-creation job (which has no devstack) and the deploy manifests' checks."""

from __future__ import annotations

CONSUMER_GROUPS: dict[str, tuple[str, ...]] = {
    "membership": ("membership-registrations",),
    "assistance": ("assistance-members", "assistance-campaigns"),
    "campaigns": ("campaigns-members", "campaigns-hardship", "campaigns-notified"),
    "notifications": (
        "notifications-members",
        "notifications-contacts",
        "notifications-events",
        "notifications-audience",
    ),
}


def all_consumer_groups() -> list[str]:
    """Every group of every service, in the services' order."""
    return [group for groups in CONSUMER_GROUPS.values() for group in groups]
