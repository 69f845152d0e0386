"""What the Kubernetes manifests are generated for: `deploy/k8s/generator.toml`, read here.

The services' own facts (ports, consumer groups, what each group reads, which Secret keys a
service needs) are in `workloads.py`; the topics and ACL prefixes come from
`unionfed_events.topics`. This file holds only what differs from one installation to the next.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from unionfed_events import topics


@dataclass(frozen=True)
class BranchSystem:
    district: str
    system: str


@dataclass(frozen=True)
class ClusterConfig:
    namespace: str
    kafka_cluster: str  # the Strimzi `Kafka` resource's name (label strimzi.io/cluster)
    image_prefix: str  # image = <image_prefix>/<service>:<image_tag>
    image_tag: str
    jwt_issuer: str
    jwt_jwks_url: str
    districts: tuple[str, ...]
    scaled_districts: tuple[str, ...]  # each gets its own KEDA-scaled consumer Deployments
    branch_systems: tuple[BranchSystem, ...]
    topic_replicas: int = 3
    max_consumer_replicas: int = topics.DEFAULT_PARTITIONS  # more would idle: one partition each

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.kafka_cluster}-kafka-bootstrap.{self.namespace}.svc:9092"

    def image(self, service: str) -> str:
        return f"{self.image_prefix}/{service}:{self.image_tag}"

    def __post_init__(self) -> None:
        for district in (*self.districts, *self.scaled_districts):
            topics.district_prefix(district)  # raises naming an invalid code
        unknown = set(self.scaled_districts) - set(self.districts)
        if unknown:
            raise ValueError(f"scaled_districts {sorted(unknown)} are not in districts")
        for bs in self.branch_systems:
            topics.system_prefix(bs.district, bs.system)
            if bs.district not in self.districts:
                raise ValueError(f"branch system {bs.system}: district {bs.district} is not in districts")


def load(path: Path) -> ClusterConfig:
    raw = tomllib.loads(path.read_text())
    systems = tuple(_branch_system(s) for s in raw.pop("branch_systems", []))
    return ClusterConfig(
        districts=tuple(raw.pop("districts")),
        scaled_districts=tuple(raw.pop("scaled_districts", [])),
        branch_systems=systems,
        **raw,
    )


def _branch_system(value: str) -> BranchSystem:
    district, _, system = value.partition(":")
    if not system:
        raise ValueError(f"branch system {value!r}: write <district>:<system>")
    return BranchSystem(district, system)
