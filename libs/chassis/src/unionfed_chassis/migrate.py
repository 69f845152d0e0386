"""A deployment's migration step: `python -m unionfed_chassis.migrate` applies the Alembic
migrations of the service named by `SERVICE` (its package ships them: `<service>/migrations`) to
`DATABASE_URL`, then exits. Run it as a job before a roll-out, and run the service with
`RUN_MIGRATIONS=false`; the chassis's advisory lock makes a concurrent start-up wait, not collide.

It reads only those two variables, not the service's settings: a migration job has no business
with token keys or broker addresses."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from .db import run_migrations


def migrations_of(service: str) -> Path:
    """The migrations folder the service's package ships (`<service>.settings.MIGRATIONS`)."""
    try:
        settings = importlib.import_module(f"{service}.settings")
    except ModuleNotFoundError as exc:
        raise LookupError(f"SERVICE={service!r}: no installed service package of that name") from exc
    path = Path(settings.MIGRATIONS)
    if not (path / "env.py").is_file():
        raise LookupError(f"SERVICE={service!r}: its migrations are missing at {path}")
    return path


def main(env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    service, database_url = env.get("SERVICE", "").strip(), env.get("DATABASE_URL", "").strip()
    if not service or not database_url:
        print("error: set SERVICE (the service's package) and DATABASE_URL", file=sys.stderr)
        return 2
    try:
        run_migrations(migrations_of(service), database_url)
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{service}: migrations applied (alembic upgrade head)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
