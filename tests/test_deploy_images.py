"""deploy/ stays in step with the workspace: the Dockerfile copies every member's manifest before
`uv sync --locked` (the lock covers the whole workspace, so a member added without its line breaks
every image build), and the compose file runs every service with its image and port. The images
and the stack themselves are exercised by `make deploy-test`."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from unionfed_devstack.services import SERVICES

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PORTS = {
    "membership": 8101,
    "assistance": 8102,
    "campaigns": 8103,
    "notifications": 8104,
    "console": 8105,
}


def test_the_dockerfile_copies_every_workspace_manifest_before_the_dependency_layer() -> None:
    workspace = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]["members"]
    manifests = sorted(
        str(path.relative_to(ROOT))
        for pattern in workspace
        for path in ROOT.glob(f"{pattern}/pyproject.toml")
    )
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    copied = re.findall(r"^COPY (\S+/pyproject\.toml) \S+/$", dockerfile, re.MULTILINE)
    assert sorted(copied) == manifests


def test_compose_runs_every_service_from_its_image_on_its_port() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]
    for spec in SERVICES:
        service = compose[spec.name]
        port = DEFAULT_PORTS[spec.name]
        assert spec.app == f"{spec.name}.main:app"  # what the image's `serve` starts
        assert service["build"]["args"] == {"SERVICE": spec.name, "PORT": str(port)}
        assert service["ports"] == [f"${{{spec.name.upper()}_PORT:-{port}}}:{port}"]
        assert f"@postgres:5432/{spec.database}" in service["environment"]["DATABASE_URL"]
    assert compose["topics"]["build"]["args"] == {"SERVICE": "topics"}


def test_postgres_init_creates_a_database_and_login_for_every_service() -> None:
    script = (ROOT / "deploy" / "postgres-init.sh").read_text()
    [loop] = re.findall(r"^for service in (.+); do$", script, re.MULTILINE)
    assert sorted(loop.split()) == sorted(spec.database for spec in SERVICES)
