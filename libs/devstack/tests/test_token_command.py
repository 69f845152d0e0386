"""`unionfed token` mints development tokens a development service accepts (its audience)."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from typer.testing import CliRunner
from unionfed_chassis.auth import AuthError
from unionfed_chassis.settings import ServiceSettings
from unionfed_devstack.cli import app

runner = CliRunner()


def _mint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.setenv("UNIONFED_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JWT_SECRET", raising=False)
    result = runner.invoke(app, ["token", "--role", "district_officer", "--district", "xuhui", *args])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


async def test_the_token_is_for_every_service_and_a_development_service_accepts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _mint(tmp_path, monkeypatch)
    assert "unionfed-membership" in jwt.decode(token, options={"verify_signature": False})["aud"]
    secret = (tmp_path / "dev-jwt-secret").read_text().strip()
    settings = ServiceSettings(environment="development", service_name="membership", jwt_secret=secret)
    principal = await settings.token_verifier.verify(token)
    assert (principal.subject, principal.district) == ("dev", "xuhui")


async def test_a_token_for_one_service_is_refused_by_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _mint(tmp_path, monkeypatch, "--service", "assistance")
    secret = (tmp_path / "dev-jwt-secret").read_text().strip()
    settings = ServiceSettings(environment="development", service_name="membership", jwt_secret=secret)
    with pytest.raises(AuthError, match=r"(?i)audience"):
        await settings.token_verifier.verify(token)


def test_a_scoped_role_without_its_unit_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNIONFED_DATA_DIR", str(tmp_path))
    result = runner.invoke(app, ["token", "--role", "branch_officer"])
    assert result.exit_code == 2 and "needs a branch" in result.output


async def test_a_member_token_names_the_member_and_no_unit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNIONFED_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JWT_SECRET", raising=False)
    member_id = "0193f2a4-8d1e-7c3a-9b2f-4e5d6c7b8a90"
    result = runner.invoke(
        app, ["token", "--role", "member", "--subject", member_id, "--service", "notifications"]
    )
    assert result.exit_code == 0, result.output
    secret = (tmp_path / "dev-jwt-secret").read_text().strip()
    settings = ServiceSettings(environment="development", service_name="notifications", jwt_secret=secret)
    principal = await settings.token_verifier.verify(result.stdout.strip())
    assert (principal.role, principal.subject, principal.district) == ("member", member_id, None)
    for bad in (["--subject", "dev"], ["--subject", member_id, "--district", "xuhui"]):
        refused = runner.invoke(app, ["token", "--role", "member", *bad])
        assert refused.exit_code == 2 and "member id" in refused.output
