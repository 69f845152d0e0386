"""The one registry of topic names. Services never spell a topic name as a literal.

Layout (reasons in docs/architecture.md):
  unionfed.d.<district>.<domain>.events    a district's events of one domain, key = subject
  unionfed.d.<district>.sys.<system>.<domain>.inbound   requests of one branch system
  unionfed.d.<district>.sys.<system>.<domain>.replies   answers to them, correlated by correlationid
  unionfed.fed.<domain>.events             federation-level events (no single district)
  unionfed.dlq.<consumer-group>            dead letters of one consumer group
  unionfed.retry.<consumer-group>          dead letters replayed to that group alone
  unionfed.dlq-replays                     which dead letters were replayed, by whom, why, when (compacted)
  unionfed.private.membership.contact-points   members' sealed contact points, for notifications only
                                           (compacted, key = member id; outside every district prefix)

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


def retry(group: str) -> str:
    """Where a dead-letter replay (CLI or console) sends a group's letters; only that group reads it."""
    return f"{PREFIX}.retry.{group}"


CONTACT_POINTS = f"{PREFIX}.private.membership.contact-points"
"""Members' contact points sealed to the notifications service's key (`MemberContactPoints`), keyed
by member id and compacted: the latest record per member is the truth, a tombstone removes them.
Not under any district prefix, so no branch system's ACL reaches it; only membership writes and
only notifications reads it."""

DLQ_REPLAYS = f"{PREFIX}.dlq-replays"
"""Replay records, keyed by group and dead letter (`unionfed_chassis.dead_letter_replay`); compacted."""


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


# Inbound registration requests carry full national IDs, and so do the dead letters that keep a
# refused record for replay: the broker keeps them as long as an operator needs to fix and replay
# (7 days), set on the topic so that it never follows a longer cluster default.
PERSONAL_DATA_RETENTION_MS = 7 * 24 * 3600 * 1000
PERSONAL_DATA_CONFIGS = (("retention.ms", str(PERSONAL_DATA_RETENTION_MS)),)
_KAFKA_TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")


def platform_topics(districts: list[str], consumer_groups: list[str] = ()) -> list[TopicSpec]:  # type: ignore[assignment]
    """Every topic the platform needs for the given districts (for `unionfed topics create`)."""
    specs = [TopicSpec(federation_events(d)) for d in DOMAINS]
    for district in districts:
        for domain in DOMAINS:
            specs.append(TopicSpec(district_events(domain, district)))
    specs.append(_CONTACT_POINTS_SPEC)
    specs.extend(_dead_letter_spec(dead_letter(g)) for g in consumer_groups)
    specs.extend(replay_topics(consumer_groups))
    return specs


def _dead_letter_spec(name: str) -> TopicSpec:
    return TopicSpec(name, partitions=1, configs=PERSONAL_DATA_CONFIGS)


def replay_topics(consumer_groups: list[str]) -> list[TopicSpec]:
    """The groups' retry topics and the replay records, which a dead-letter replay writes to. A
    retry topic carries what its dead-letter topic does (full IDs for registrations): same retention."""
    if not consumer_groups:
        return []
    return [*(_dead_letter_spec(retry(g)) for g in consumer_groups), _DLQ_REPLAYS_SPEC]


_DLQ_REPLAYS_SPEC = TopicSpec(DLQ_REPLAYS, partitions=1, configs=(("cleanup.policy", "compact"),))
# Compacted, and a tombstone is kept one day (delete.retention.ms) so a reader that is behind
# still sees the removal; then the broker forgets the member altogether.
_CONTACT_POINTS_SPEC = TopicSpec(
    CONTACT_POINTS, configs=(("cleanup.policy", "compact"), ("delete.retention.ms", str(24 * 3600 * 1000)))
)


def spec_for(name: str) -> TopicSpec | None:
    """The spec `platform_topics` gives topic `name`, for any district or consumer group; None for
    a name the registry does not describe (the outbox relay creates only what this returns)."""
    if name == DLQ_REPLAYS:
        return _DLQ_REPLAYS_SPEC
    if name == CONTACT_POINTS:
        return _CONTACT_POINTS_SPEC
    parts = name.split(".")
    if not _KAFKA_TOPIC_NAME.match(name) or len(parts) < 3 or parts[0] != PREFIX or not all(parts):
        return None
    if parts[1] in ("dlq", "retry"):
        return _dead_letter_spec(name)
    if parts[1] == "fed" and len(parts) == 4 and parts[2] in DOMAINS and parts[3] == "events":
        return TopicSpec(name)
    if parts[1] == "d" and len(parts) == 5 and DISTRICT_CODE.match(parts[2]) and parts[3] in DOMAINS:
        return TopicSpec(name) if parts[4] == "events" else None
    if parts[1] == "d" and len(parts) == 7 and parts[3] == "sys" and parts[5] == "membership":
        system = parse_system(name)
        if system is not None and DISTRICT_CODE.match(system[0]) and SYSTEM_CODE.match(system[1]):
            specs = {s.name: s for s in system_topics("membership", *system)}
            return specs.get(name)
    return None


def parse_district(topic: str) -> str | None:
    """The district a topic belongs to, or None for federation-level and DLQ topics."""
    parts = topic.split(".")
    return parts[2] if len(parts) >= 4 and parts[0] == PREFIX and parts[1] == "d" else None


# Branch systems: each has its own request and answer topics under its own prefix, so a Kafka
# prefixed ACL on `system_prefix(...)` lets it write its requests and read its answers only.


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
    return [
        TopicSpec(system_inbound(domain, district, system), configs=PERSONAL_DATA_CONFIGS),
        TopicSpec(system_replies(domain, district, system)),
    ]
