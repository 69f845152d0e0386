from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from typer.testing import CliRunner
from unionfed_devstack.cli import app
from unionfed_devstack.services import SERVICES
from unionfed_devstack.stack import DevStack, dev_secret, districts_from, find_repo_root

runner = CliRunner()


def _has_auth() -> bool:
    try:
        return importlib.util.find_spec("unionfed_chassis.auth") is not None
    except ImportError:
        return False


@pytest.mark.skipif(not _has_auth(), reason="unionfed_chassis.auth not written yet")
def test_token_prints_a_jwt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIONFED_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JWT_SECRET", raising=False)
    result = runner.invoke(app, ["token", "--role", "district_officer", "--district", "huangpu"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().count(".") == 2
    assert (tmp_path / "dev-jwt-secret").exists()


def test_token_rejects_unknown_role() -> None:
    result = runner.invoke(app, ["token", "--role", "king"])
    assert result.exit_code != 0


def test_dev_secret_is_generated_once(tmp_path: Path) -> None:
    first = dev_secret(tmp_path / "s")
    assert len(first) == 64 and dev_secret(tmp_path / "s") == first
    assert (tmp_path / "s").stat().st_mode & 0o077 == 0


def test_stack_prefers_external_services(tmp_path: Path) -> None:
    stack = DevStack(
        root=tmp_path,
        env={
            "DATABASE_URL": "postgresql+asyncpg://u:p@db:5432/membership",
            "KAFKA_BOOTSTRAP_SERVERS": "k:9092",
        },
    )
    assert not stack.postgres_is_embedded and not stack.kafka_is_embedded
    assert stack.pg_admin_url == "postgresql://u:p@db:5432/postgres"
    stack.start()  # starts neither database nor broker (only the local mail and HTTP catchers)
    assert stack.postgres is None and stack.broker is None
    stack.stop()
    embedded = DevStack(root=tmp_path, env={"UNIONFED_PG_PORT": "6000"})
    assert embedded.kafka_is_embedded and embedded.kafka_bootstrap == "127.0.0.1:19092"
    assert embedded.pg_admin_url == "postgresql://postgres@127.0.0.1:6000/postgres"


def test_repo_root_and_districts() -> None:
    root = find_repo_root(Path(__file__).parent)
    assert (root / "libs" / "devstack").is_dir()
    assert districts_from("a, b,,c", {}) == ["a", "b", "c"]
    assert districts_from(None, {"UNIONFED_DISTRICTS": "x"}) == ["x"]
    assert len(districts_from(None, {})) == 6


def test_service_registry() -> None:
    membership = next(s for s in SERVICES if s.name == "membership")
    assert (membership.app, membership.port, membership.seed_module) == (
        "membership.main:app",
        8101,
        "membership.seed",
    )
