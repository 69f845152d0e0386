"""The services as deployed: port, consumer groups, what each group reads, Secret keys.

Consumer groups come from `unionfed_devstack.services` (the console, built apart, is added
here); what a group reads is declared here and checked against the services' real consumers by
`tests/test_deploy_k8s.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from unionfed_events import topics

from ..services import SERVICES

# What one consumer group reads: ("events", domain) = that domain's district and federation
# topics; ("inbound", domain) = every branch system's requests of the domain; ("topic", name) =
# one named topic; ("all", "") = every unionfed topic but the private ones (the console).
Source = tuple[str, str]


@dataclass(frozen=True)
class SecretKey:
    name: str
    required: bool = True


@dataclass(frozen=True)
class Workload:
    name: str
    port: int
    reads: dict[str, tuple[Source, ...]]  # consumer group -> what it reads
    secret_keys: tuple[SecretKey, ...]
    district_scaled: bool = True  # whether its consumers can run per district
    dead_letters: bool = True  # its groups have dead-letter and retry topics (the chassis consumer)

    @property
    def writes_domain(self) -> str | None:
        return self.name if self.name in topics.DOMAINS else None

    @property
    def dead_letter_groups(self) -> list[str]:
        return list(self.reads) if self.dead_letters else []

    @property
    def secret_name(self) -> str:
        return f"{self.name}-secrets"


def _events(*domains: str) -> tuple[Source, ...]:
    return tuple(("events", d) for d in domains)


# Every service's DATABASE_URL holds its login's password; JWT settings are configuration
# (the identity provider's issuer and public keys), in the shared ConfigMap.
_DATABASE = SecretKey("DATABASE_URL")

READS: dict[str, tuple[Source, ...]] = {
    "membership-registrations": (("inbound", "membership"),),
    "assistance-members": _events("membership"),
    "assistance-campaigns": _events("campaigns"),
    "campaigns-members": _events("membership"),
    "campaigns-hardship": _events("assistance"),
    "campaigns-notified": _events("notifications"),
    "notifications-members": _events("membership"),
    "notifications-contacts": (("topic", topics.CONTACT_POINTS),),
    "notifications-events": _events("membership", "assistance", "campaigns"),
    "notifications-audience": _events("campaigns"),
    "console-index": (("all", ""),),
}

SECRET_KEYS: dict[str, tuple[SecretKey, ...]] = {
    "membership": (
        _DATABASE,
        SecretKey("NATIONAL_ID_KEY"),
        SecretKey("CONTACT_PUBLIC_KEY"),
        SecretKey("CONTACT_KEY_ID"),
    ),
    "assistance": (_DATABASE,),
    "campaigns": (_DATABASE,),
    "notifications": (
        _DATABASE,
        SecretKey("CONTACT_PRIVATE_KEY"),
        SecretKey("CONTACT_KEY_ID"),
        SecretKey("CONTACT_PREVIOUS_KEYS", required=False),
        SecretKey("EMAIL_PROVIDERS", required=False),
        SecretKey("SMS_PROVIDERS", required=False),
        SecretKey("SMS_API_KEYS", required=False),
    ),
    "console": (_DATABASE,),
}

# The port each image listens on: the services' HTTP_PORT defaults (checked by the tests), not
# `unionfed_devstack.services`' ports, which a developer's environment may override.
PORTS = {"membership": 8101, "assistance": 8102, "campaigns": 8103, "notifications": 8104, "console": 8105}
CONSOLE_GROUPS = ("console-index",)


def workloads() -> list[Workload]:
    """The services of `unionfed run`, then the operator console: its index reads every topic as
    one group that never dead-letters (a record it cannot decode is indexed as such) and never
    runs per district."""
    found = [
        Workload(s.name, PORTS[s.name], _reads(s.consumer_groups), SECRET_KEYS[s.name])
        for s in SERVICES
        if s.name != "console"
    ]
    return [
        *found,
        Workload("console", PORTS["console"], _reads(CONSOLE_GROUPS), SECRET_KEYS["console"], False, False),
    ]


def _reads(groups: tuple[str, ...]) -> dict[str, tuple[Source, ...]]:
    missing = [g for g in groups if g not in READS]
    if missing:
        raise KeyError(f"say what consumer group(s) {missing} read in unionfed_devstack.k8s.workloads.READS")
    return {g: READS[g] for g in groups}
