"""Settings: production is the default; development conveniences need ENVIRONMENT=development."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError
from unionfed_chassis.settings import DEV_JWT_SECRET, ServiceSettings

STRONG = "k3v9-a-random-production-secret-of-40-chars"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "ENVIRONMENT",
        "JWT_SECRET",
        "JWT_JWKS_FILE",
        "JWT_JWKS_URL",
        "JWT_AUDIENCE",
        "SERVICE_NAME",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def jwks_file(tmp_path: Path) -> Path:
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from jwt.algorithms import OKPAlgorithm

    public = ed25519.Ed25519PrivateKey.generate().public_key()
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [OKPAlgorithm.to_jwk(public, as_dict=True)]}))
    return path


def test_the_default_environment_is_production_and_needs_the_identity_providers_keys() -> None:
    with pytest.raises(ValidationError, match="JWT_JWKS_FILE or JWT_JWKS_URL") as refused:
        ServiceSettings()
    assert "ENVIRONMENT=development" in str(refused.value), "the error says what to set"


def test_outside_development_a_jwt_secret_is_refused(
    monkeypatch: pytest.MonkeyPatch, jwks_file: Path
) -> None:
    for environment in ("production", "test"):
        for secret in (DEV_JWT_SECRET, STRONG):
            with pytest.raises(ValidationError, match=r"JWT_SECRET .*ENVIRONMENT=development"):
                ServiceSettings(environment=environment, jwt_secret=secret, jwt_jwks_file=jwks_file)
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("JWT_SECRET", DEV_JWT_SECRET)
    monkeypatch.setenv("JWT_JWKS_URL", "https://idp.example/jwks.json")
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        ServiceSettings()
    monkeypatch.delenv("JWT_SECRET")
    settings = ServiceSettings()
    assert settings.environment == "production" and settings.jwt_secret is None


def test_production_with_a_jwks_has_no_dev_secret_and_an_audience_per_service(jwks_file: Path) -> None:
    settings = ServiceSettings(environment="production", service_name="membership", jwt_jwks_file=jwks_file)
    assert settings.jwt_secret is None
    assert settings.jwt_audience == "unionfed-membership"
    assert (
        ServiceSettings(environment="production", jwt_jwks_file=jwks_file, jwt_audience="x").jwt_audience
        == "x"
    )
    with pytest.raises(ValidationError, match="JWT_JWKS_FILE"):
        ServiceSettings(environment="production", jwt_jwks_file=jwks_file.with_name("missing.json"))
    jwks_file.with_name("empty.json").write_text('{"keys": []}')
    with pytest.raises(ValidationError, match=r"JWT_JWKS_FILE .*did not contain any keys"):
        ServiceSettings(environment="production", jwt_jwks_file=jwks_file.with_name("empty.json"))
    with pytest.raises(ValidationError, match=r"JWT_JWKS_URL .*scheme"):
        ServiceSettings(environment="production", jwt_jwks_url="file:///etc/passwd")


def test_development_must_be_explicit_and_then_takes_the_dev_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "development")
    assert ServiceSettings().jwt_secret == DEV_JWT_SECRET
    assert ServiceSettings(jwt_secret=STRONG).jwt_secret == STRONG
    with pytest.raises(ValidationError, match="32"):
        ServiceSettings(jwt_secret="too-short")
