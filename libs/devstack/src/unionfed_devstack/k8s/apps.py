"""Per service: ConfigMap, Deployment, Service, PodDisruptionBudget and the migrations Job."""

from __future__ import annotations

import json
from typing import Any

from .config import ClusterConfig
from .workloads import Workload

Manifest = dict[str, Any]
PART_OF = "unionfed"
UID = 10001  # the image's `unionfed` user (deploy/Dockerfile)
COMMON_CONFIG = "unionfed-common"


def labels(service: str, component: str, **extra: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": service,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
        **extra,
    }


def selector_of(lab: dict[str, str]) -> dict[str, str]:
    """The labels that tell one Deployment's pods apart (name, component, district)."""
    return {k: v for k, v in lab.items() if k != "app.kubernetes.io/part-of"}


def metadata(name: str, cfg: ClusterConfig, lab: dict[str, str], **annotations: str) -> Manifest:
    meta: Manifest = {"name": name, "namespace": cfg.namespace, "labels": lab}
    if annotations:
        meta["annotations"] = annotations
    return meta


def namespace(cfg: ClusterConfig) -> Manifest:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": cfg.namespace}}


def common_config(cfg: ClusterConfig) -> Manifest:
    """Settings every service shares. Production: the services refuse development secrets."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(COMMON_CONFIG, cfg, {"app.kubernetes.io/part-of": PART_OF}),
        "data": {
            "ENVIRONMENT": "production",
            "HTTP_HOST": "0.0.0.0",
            "LOG_LEVEL": "INFO",
            "KAFKA_BOOTSTRAP_SERVERS": cfg.bootstrap_servers,
            "KAFKA_ENABLE_IDEMPOTENCE": "true",
            "JWT_ISSUER": cfg.jwt_issuer,
            "JWT_JWKS_URL": cfg.jwt_jwks_url,
        },
    }


def service_config(w: Workload, cfg: ClusterConfig, everyone: list[Workload]) -> Manifest:
    data = {"SERVICE_NAME": w.name, "HTTP_PORT": str(w.port)}
    if w.name == "console":  # where it reads the services' AsyncAPI documents and outboxes
        urls = {o.name: f"http://{o.name}.{cfg.namespace}.svc:{o.port}" for o in everyone if o is not w}
        data["SERVICES"] = json.dumps(urls)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(f"{w.name}-config", cfg, labels(w.name, "config")),
        "data": data,
    }


def container(w: Workload, cfg: ClusterConfig, env: dict[str, str], probes: bool = True) -> Manifest:
    """The service's container: configuration from the ConfigMaps, secrets by key reference
    (a missing required key stops the pod with CreateContainerConfigError, not a bad start)."""
    secret_env = [
        {
            "name": key.name,
            "valueFrom": {
                "secretKeyRef": {
                    "name": w.secret_name,
                    "key": key.name,
                    **({} if key.required else {"optional": True}),
                }
            },
        }
        for key in w.secret_keys
    ]
    spec: Manifest = {
        "name": w.name,
        "image": cfg.image(w.name),
        "imagePullPolicy": "IfNotPresent",
        "envFrom": [
            {"configMapRef": {"name": COMMON_CONFIG}},
            {"configMapRef": {"name": f"{w.name}-config"}},
        ],
        "env": [{"name": k, "value": v} for k, v in env.items()] + secret_env,
        "resources": {
            "requests": {"cpu": "250m", "memory": "256Mi"},
            "limits": {"cpu": "1", "memory": "512Mi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    if probes:
        spec["ports"] = [{"name": "http", "containerPort": w.port, "protocol": "TCP"}]
        spec["startupProbe"] = _probe("/health/live", failure_threshold=30)
        spec["livenessProbe"] = _probe("/health/live", failure_threshold=3)
        spec["readinessProbe"] = _probe("/health/ready", failure_threshold=3)
    return spec


def _probe(path: str, failure_threshold: int) -> Manifest:
    return {
        "httpGet": {"path": path, "port": "http"},
        "periodSeconds": 10,
        "timeoutSeconds": 5,  # readiness pings the database and broker, 3 s each at most
        "failureThreshold": failure_threshold,
    }


def pod_spec(containers: list[Manifest], restart: str | None = None) -> Manifest:
    spec: Manifest = {
        "automountServiceAccountToken": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": UID,
            "runAsGroup": UID,
            "fsGroup": UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": containers,
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
    }
    if restart:
        spec["restartPolicy"] = restart
    return spec


def deployment(
    name: str, w: Workload, cfg: ClusterConfig, lab: dict[str, str], env: dict[str, str], replicas: int | None
) -> Manifest:
    """`replicas` None: left to an autoscaler (KEDA), so applying the manifest again keeps its count."""
    selector = selector_of(lab)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(name, cfg, lab),
        "spec": {
            **({} if replicas is None else {"replicas": replicas}),
            "selector": {"matchLabels": selector},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": lab},
                "spec": {"terminationGracePeriodSeconds": 30, **pod_spec([container(w, cfg, env)])},
            },
        },
    }


def api_deployment(w: Workload, cfg: ClusterConfig) -> Manifest:
    """HTTP, outbox relay and (unless a district overlay moves some away) every consumer."""
    return deployment(w.name, w, cfg, labels(w.name, "api"), {"RUN_MIGRATIONS": "false"}, replicas=2)


def service(w: Workload, cfg: ClusterConfig) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(w.name, cfg, labels(w.name, "api")),
        "spec": {
            "selector": selector_of(labels(w.name, "api")),
            "ports": [{"name": "http", "port": w.port, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def disruption_budget(name: str, cfg: ClusterConfig, lab: dict[str, str]) -> Manifest:
    """At most one pod down by a voluntary disruption (a node drain): with two API replicas one
    keeps serving; a KEDA-scaled consumer Deployment at one replica can still be drained."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(name, cfg, lab),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector_of(lab)}},
    }


def api_disruption_budget(w: Workload, cfg: ClusterConfig) -> Manifest:
    return disruption_budget(w.name, cfg, labels(w.name, "api"))


def migrations_job(w: Workload, cfg: ClusterConfig) -> Manifest:
    """`migrate` (the image's entry point: Alembic upgrade head) before the roll-out. Argo CD runs
    it as a Sync hook in wave -1 (after the ConfigMaps and topics) and deletes the previous Job first (a Job's template cannot change);
    with kubectl, deploy/k8s/README.md deletes, applies and waits for it."""
    lab = labels(w.name, "migrations")
    job_container = container(w, cfg, {}, probes=False)
    job_container["args"] = ["migrate"]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata(
            f"{w.name}-migrate",
            cfg,
            lab,
            **{
                "argocd.argoproj.io/hook": "Sync",
                "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
            },
        ),
        "spec": {
            "backoffLimit": 3,
            "activeDeadlineSeconds": 1800,
            "template": {"metadata": {"labels": lab}, "spec": pod_spec([job_container], restart="Never")},
        },
    }
