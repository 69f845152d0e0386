"""Strimzi KafkaTopic and KafkaUser resources, from the topic registry (`unionfed_events.topics`).

Users and what they may do (Strimzi simple authorization, Kafka ACLs):
- `svc-<service>`: read what its consumer groups read, write its domain's events, its groups'
  dead letters; its groups by literal name. The console: read every topic but the private ones,
  describe every group (lag), write retry topics and replay records (dead-letter replay).
- `district-<d>`: a district's own readers: read everything under `district_prefix(d)` except
  the branch systems' topics (`unionfed.d.<d>.sys.`, which carry full national IDs), denied.
- `sys-<d>-<s>`: one branch system: its own `system_prefix(d, s)` only (its request and answer
  topics), consumer groups prefixed `sys-<d>-<s>.` — the commands of docs/architecture.md.
- `ops-dead-letters`: `unionfed dlq` (read dead letters, write retry topics and replay records).
"""

from __future__ import annotations

from typing import Any

from unionfed_events import topics

from .apps import PART_OF, Manifest
from .config import ClusterConfig
from .workloads import Source, Workload

READ = ["Read", "Describe"]
WRITE = ["Write", "Describe"]
FED_PREFIX = f"{topics.PREFIX}.fed."
PRIVATE_PREFIX = f"{topics.PREFIX}.private."
# Cluster policy on top of the registry's per-topic configs (three brokers, acks=all).
CLUSTER_TOPIC_CONFIGS = {"min.insync.replicas": "2"}


def topic_specs(cfg: ClusterConfig, groups: list[str]) -> list[topics.TopicSpec]:
    """Every topic of the configured districts, groups and registered branch systems."""
    specs = topics.platform_topics(list(cfg.districts), groups)
    for bs in cfg.branch_systems:
        specs.extend(topics.system_topics("membership", bs.district, bs.system))
    return specs


def kafka_topic(spec: topics.TopicSpec, cfg: ClusterConfig) -> Manifest:
    # A topic name of the registry is a valid resource name (lowercase, digits, '.', '-').
    return {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaTopic",
        "metadata": {"name": spec.name, "namespace": cfg.namespace, "labels": _labels(cfg)},
        "spec": {
            "partitions": spec.partitions,
            "replicas": cfg.topic_replicas,
            "config": {**CLUSTER_TOPIC_CONFIGS, **dict(spec.configs)},
        },
    }


def _labels(cfg: ClusterConfig) -> dict[str, str]:
    return {"strimzi.io/cluster": cfg.kafka_cluster, "app.kubernetes.io/part-of": PART_OF}


def acl(
    kind: str, name: str, operations: list[str], *, prefix: bool = False, deny: bool = False
) -> dict[str, Any]:
    return {
        "type": "deny" if deny else "allow",
        "resource": {"type": kind, "name": name, "patternType": "prefix" if prefix else "literal"},
        "operations": operations,
    }


def kafka_user(name: str, cfg: ClusterConfig, acls: list[dict[str, Any]]) -> Manifest:
    return {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaUser",
        "metadata": {"name": name, "namespace": cfg.namespace, "labels": _labels(cfg)},
        "spec": {
            "authentication": {"type": "scram-sha-512"},
            "authorization": {"type": "simple", "acls": acls},
        },
    }


def _read_acls(source: Source, cfg: ClusterConfig) -> list[dict[str, Any]]:
    kind, what = source
    if kind == "events":
        return [acl("topic", topics.district_events(what, d), READ) for d in cfg.districts] + [
            acl("topic", topics.federation_events(what), READ)
        ]
    if kind == "inbound":  # every system's, present and future, of every configured district
        return [acl("topic", f"{topics.district_prefix(d)}sys.", READ, prefix=True) for d in cfg.districts]
    if kind == "topic":
        return [acl("topic", what, READ)]
    return [  # "all": the console
        acl("topic", f"{topics.PREFIX}.", READ, prefix=True),
        acl("topic", PRIVATE_PREFIX, ["Read"], prefix=True, deny=True),
    ]


def _write_acls(w: Workload, cfg: ClusterConfig) -> list[dict[str, Any]]:
    domain = w.writes_domain
    if domain is None:
        return []
    rules = [acl("topic", topics.district_events(domain, d), WRITE) for d in cfg.districts]
    rules.append(acl("topic", topics.federation_events(domain), WRITE))
    if domain == "membership":
        # Answers to branch systems, and their topic pair created when one is registered.
        rules += [
            acl("topic", f"{topics.district_prefix(d)}sys.", ["Write", "Create"], prefix=True)
            for d in cfg.districts
        ]
        rules.append(acl("topic", topics.CONTACT_POINTS, WRITE))
    return rules


def service_user(w: Workload, cfg: ClusterConfig, groups: list[str]) -> Manifest:
    """`groups`: every platform consumer group (the console samples their lag)."""
    rules: list[dict[str, Any]] = []
    for group, sources in w.reads.items():
        rules.append(acl("group", group, ["Read"]))
        if group in w.dead_letter_groups:
            rules.append(acl("topic", topics.retry(group), READ))
            rules.append(acl("topic", topics.dead_letter(group), WRITE))
        for source in sources:
            rules.extend(_read_acls(source, cfg))
    rules.extend(_write_acls(w, cfg))
    if ("all", "") in (s for sources in w.reads.values() for s in sources):
        rules.extend(_console_acls(groups))
    return kafka_user(f"svc-{w.name}", cfg, _unique(rules))


def _console_acls(groups: list[str]) -> list[dict[str, Any]]:
    """The console samples every group's lag and replays dead letters (as `unionfed dlq`)."""
    return [
        *(acl("group", g, ["Describe"]) for g in groups),
        acl("topic", topics.retry(""), WRITE, prefix=True),
        acl("topic", topics.DLQ_REPLAYS, ["Read", "Write", "Describe"]),
    ]


def _unique(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    for rule in rules:
        if rule not in seen:
            seen.append(rule)
    return seen


def district_user(district: str, cfg: ClusterConfig) -> Manifest:
    prefix = topics.district_prefix(district)
    name = f"district-{district}"
    return kafka_user(
        name,
        cfg,
        [
            acl("topic", prefix, READ, prefix=True),
            acl("topic", f"{prefix}sys.", READ, prefix=True, deny=True),  # not even their names
            acl("group", f"{name}.", ["Read"], prefix=True),
        ],
    )


def branch_system_user(district: str, system: str, cfg: ClusterConfig) -> Manifest:
    name = f"sys-{district}-{system}"
    return kafka_user(
        name,
        cfg,
        [
            acl("topic", topics.system_prefix(district, system), ["Read", "Write", "Describe"], prefix=True),
            acl("group", f"{name}.", ["Read"], prefix=True),
        ],
    )


def dead_letter_operator_user(cfg: ClusterConfig) -> Manifest:
    return kafka_user(
        "ops-dead-letters",
        cfg,
        [
            acl("topic", topics.dead_letter(""), READ, prefix=True),
            acl("topic", topics.retry(""), WRITE, prefix=True),
            acl("topic", topics.DLQ_REPLAYS, ["Read", "Write", "Describe"]),
        ],
    )
