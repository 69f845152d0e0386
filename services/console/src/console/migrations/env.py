"""Alembic environment of the console: the chassis runs it (async engine, advisory lock)."""

from console.adapters.orm import metadata
from unionfed_chassis.alembic_env import run

run(metadata)
