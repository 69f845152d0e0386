"""Settings refuse insecure defaults outside development."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from unionfed_chassis.settings import DEV_JWT_SECRET, ServiceSettings

STRONG = "k3v9-a-random-production-secret-of-40-chars"


def test_production_refuses_the_dev_jwt_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWT_SECRET", raising=False)
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        ServiceSettings(environment="production")
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        ServiceSettings(environment="production", jwt_secret=DEV_JWT_SECRET)
    with pytest.raises(ValidationError, match="32"):
        ServiceSettings(environment="production", jwt_secret="too-short")


def test_production_refuses_the_dev_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("JWT_SECRET", DEV_JWT_SECRET)
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        ServiceSettings()
    monkeypatch.setenv("JWT_SECRET", STRONG)
    assert ServiceSettings().jwt_secret == STRONG


def test_development_and_test_accept_the_dev_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.delenv("ENVIRONMENT", raising=False)
    assert ServiceSettings().jwt_secret == DEV_JWT_SECRET
    assert ServiceSettings(environment="test").environment == "test"
    assert ServiceSettings(environment="production", jwt_secret=STRONG).environment == "production"
