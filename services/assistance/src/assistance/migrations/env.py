"""Alembic environment of the assistance service: the chassis runs it (async engine, advisory lock)."""

from assistance.adapters.orm import metadata
from unionfed_chassis.alembic_env import run

run(metadata)
