"""Alembic environment of the membership service: the chassis runs it (async engine, advisory lock)."""

from membership.adapters.orm import metadata
from unionfed_chassis.alembic_env import run

run(metadata)
