"""A busy district's own consumer Deployments, scaled by KEDA on its consumer-group lag.

Per scaled district `d` and service: a Deployment `<service>-consumers-<d>` with
`CONSUMER_DISTRICTS=d` (the chassis narrows every pattern subscription to d's topics), in the
same consumer groups as the service's main Deployment, which gets `CONSUMER_EXCLUDED_DISTRICTS`
(every scaled district) by a patch, so it reads the other districts and the federation topics.
A ScaledObject has one Kafka trigger per (group, topic of d the group reads): KEDA takes the
largest wanted replica count, so the district scales on whichever of its groups lags most.
"""

from __future__ import annotations

from unionfed_events import topics

from . import apps
from .apps import Manifest
from .config import ClusterConfig
from .workloads import Workload

DISTRICT_LABEL = "unionfed.org/district"
LAG_THRESHOLD = "500"  # events behind per replica before KEDA adds one


def district_topics(w: Workload, group: str, district: str, cfg: ClusterConfig) -> list[str]:
    """The topics of `district` that `group` reads (what its lag is measured on)."""
    found: list[str] = []
    for kind, what in w.reads[group]:
        if kind == "events":
            found.append(topics.district_events(what, district))
        elif kind == "inbound":  # one trigger per registered system: KEDA takes no pattern
            found += [
                topics.system_inbound(what, bs.district, bs.system)
                for bs in cfg.branch_systems
                if bs.district == district
            ]
    return found


def scaled_districts(w: Workload, cfg: ClusterConfig) -> list[str]:
    """The scaled districts where `w` gets its own consumers: those with a topic to measure lag
    on (membership's, only where a branch system is listed)."""
    if not w.district_scaled:
        return []
    return [d for d in cfg.scaled_districts if any(district_topics(w, g, d, cfg) for g in w.reads)]


def consumer_name(w: Workload, district: str) -> str:
    return f"{w.name}-consumers-{district}"


def consumer_deployment(w: Workload, district: str, cfg: ClusterConfig) -> Manifest:
    """Consumers only in effect: no Service sends it requests and its relay is off (the main
    Deployment's relay publishes what it writes: one relay per database runs at a time anyway)."""
    lab = apps.labels(w.name, "consumers", **{DISTRICT_LABEL: district})
    env = {"RUN_MIGRATIONS": "false", "OUTBOX_ENABLED": "false", "CONSUMER_DISTRICTS": district}
    return apps.deployment(consumer_name(w, district), w, cfg, lab, env, replicas=None)


def consumer_disruption_budget(w: Workload, district: str, cfg: ClusterConfig) -> Manifest:
    lab = apps.labels(w.name, "consumers", **{DISTRICT_LABEL: district})
    return apps.disruption_budget(consumer_name(w, district), cfg, lab)


def scaled_object(w: Workload, district: str, cfg: ClusterConfig) -> Manifest:
    triggers = [
        {
            "type": "kafka",
            "name": f"{group}-{i}",
            "metadata": {
                "bootstrapServers": cfg.bootstrap_servers,
                "consumerGroup": group,
                "topic": topic,
                "lagThreshold": LAG_THRESHOLD,
                "offsetResetPolicy": "earliest",  # as the consumers: a new group starts there
            },
        }
        for group in w.reads
        for i, topic in enumerate(district_topics(w, group, district, cfg))
    ]
    name = consumer_name(w, district)
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": apps.metadata(name, cfg, apps.labels(w.name, "consumers", **{DISTRICT_LABEL: district})),
        "spec": {
            "scaleTargetRef": {"name": name},
            "minReplicaCount": 1,
            "maxReplicaCount": cfg.max_consumer_replicas,
            "pollingInterval": 15,
            "cooldownPeriod": 300,
            "triggers": triggers,
        },
    }


def exclude_patch(w: Workload, excluded: list[str], cfg: ClusterConfig) -> Manifest:
    """Strategic-merge patch of the main Deployment (containers and env merge by name): it stops
    reading the districts whose own consumers read them."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": w.name, "namespace": cfg.namespace},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": w.name,
                            "env": [{"name": "CONSUMER_EXCLUDED_DISTRICTS", "value": ",".join(excluded)}],
                        }
                    ]
                }
            }
        },
    }
