"""The one registry of topic names. Services never spell a topic name as a literal.

Layout (reasons in docs/architecture.md):
  unionfed.d.<district>.<domain>.events    a district's events of one domain, key = subject
  unionfed.d.<district>.sys.<system>.<domain>.inbound   requests of one branch system
  unionfed.d.<district>.sys.<system>.<domain>.replies   answers to them, correlated by correlationid
  unionfed.fed.<domain>.events             federation-level events (no single district)
  unionfed.dlq.<consumer-group>            dead letters of one consumer group

Everything a district owns starts with `unionfed.d.<district>.`, and everything one branch system
may read or write with `unionfed.d.<district>.sys.<system>.`: one Kafka prefixed ACL each grants
exactly that; each district topic scales on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "unionfed"
DOMAINS = ("membership", "assistance", "campaigns", "notifications")
DISTRICT_CODE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
SYSTEM_CODE = DISTRICT_CODE  # same alphabet: both are topic-name segments
DEFAULT_PARTITIONS = 3


def _check_district(district: str) -> str:
    if not DISTRICT_CODE.match(district):
        raise ValueError(f"invalid district code {district!r}: use 2-32 lowercase letters, digits or '-'")
    return district


def _check_domain(domain: str) -> str:
    if domain not in DOMAINS:
        raise ValueError(f"unknown domain {domain!r}; known: {', '.join(DOMAINS)}")
    return domain


def district_events(domain: str, district: str) -> str:
    return f"{PREFIX}.d.{_check_district(district)}.{_check_domain(domain)}.events"


def federation_events(domain: str) -> str:
    return f"{PREFIX}.fed.{_check_domain(domain)}.events"


def dead_letter(group: str) -> str:
    return f"{PREFIX}.dlq.{group}"


def district_template(domain: str, kind: str = "events") -> str:
    """A district topic with a `{district}` placeholder, for documents such as AsyncAPI."""
    if kind != "events":
        raise ValueError(f"unknown district topic kind {kind!r}")
    return f"{PREFIX}.d.{{district}}.{_check_domain(domain)}.{kind}"


def district_prefix(district: str) -> str:
    """The prefix a district's branch systems are granted (Kafka prefixed ACL)."""
    return f"{PREFIX}.d.{_check_district(district)}."


def events_pattern(domain: str) -> str:
    """Regex matching every events topic of a domain, district and federation level alike."""
    d = re.escape(_check_domain(domain))
    return rf"^{PREFIX}\.(d\.[a-z][a-z0-9-]*|fed)\.{d}\.events$"


def events_topic(domain: str, district: str | None) -> str:
    """Where an event of `domain` goes: its district's topic, or the federation topic."""
    return district_events(domain, district) if district else federation_events(domain)


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int = DEFAULT_PARTITIONS
    # Topic configs set at creation, e.g. a short retention.ms for topics carrying full ID numbers.
    configs: tuple[tuple[str, str], ...] = ()


def platform_topics(districts: list[str], consumer_groups: list[str] = ()) -> list[TopicSpec]:  # type: ignore[assignment]
    """Every topic the platform needs for the given districts (for `unionfed topics create`)."""
    specs = [TopicSpec(federation_events(d)) for d in DOMAINS]
    for district in districts:
        for domain in DOMAINS:
            specs.append(TopicSpec(district_events(domain, district)))
    specs.extend(TopicSpec(dead_letter(g), partitions=1) for g in consumer_groups)
    return specs


def parse_district(topic: str) -> str | None:
    """The district a topic belongs to, or None for federation-level and DLQ topics."""
    parts = topic.split(".")
    return parts[2] if len(parts) >= 4 and parts[0] == PREFIX and parts[1] == "d" else None


# Branch systems: each has its own request and answer topics under its own prefix, so a Kafka
# prefixed ACL on `system_prefix(...)` lets it write its requests and read its answers only.

# Requests carry full ID numbers and phones: keep them no longer than a retry needs.
SYSTEM_INBOUND_RETENTION_MS = 7 * 24 * 3600 * 1000


def _check_system(system: str) -> str:
    if not SYSTEM_CODE.match(system):
        raise ValueError(f"invalid branch system id {system!r}: use 2-32 lowercase letters, digits or '-'")
    return system


def system_prefix(district: str, system: str) -> str:
    """The prefix one branch system is granted (Kafka prefixed ACL)."""
    return f"{PREFIX}.d.{_check_district(district)}.sys.{_check_system(system)}."


def system_inbound(domain: str, district: str, system: str) -> str:
    return f"{system_prefix(district, system)}{_check_domain(domain)}.inbound"


def system_replies(domain: str, district: str, system: str) -> str:
    return f"{system_prefix(district, system)}{_check_domain(domain)}.replies"


def system_template(domain: str, kind: str) -> str:
    """A branch-system topic with `{district}` and `{system}` placeholders (AsyncAPI)."""
    if kind not in ("inbound", "replies"):
        raise ValueError(f"unknown branch-system topic kind {kind!r}")
    return f"{PREFIX}.d.{{district}}.sys.{{system}}.{_check_domain(domain)}.{kind}"


def system_inbound_pattern(domain: str) -> str:
    """Regex matching every branch system's inbound topic of a domain."""
    d = re.escape(_check_domain(domain))
    return rf"^{PREFIX}\.d\.[a-z][a-z0-9-]*\.sys\.[a-z][a-z0-9-]*\.{d}\.inbound$"


def parse_system(topic: str) -> tuple[str, str] | None:
    """(district, system) of a branch-system topic, or None for any other topic."""
    parts = topic.split(".")
    if len(parts) == 7 and parts[0] == PREFIX and parts[1] == "d" and parts[3] == "sys":
        return parts[2], parts[4]
    return None


def system_topics(domain: str, district: str, system: str) -> list[TopicSpec]:
    """The topics registering a branch system creates."""
    retention = (("retention.ms", str(SYSTEM_INBOUND_RETENTION_MS)),)
    return [
        TopicSpec(system_inbound(domain, district, system), configs=retention),
        TopicSpec(system_replies(domain, district, system)),
    ]
