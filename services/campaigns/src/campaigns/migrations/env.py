"""Alembic environment of the campaigns service: the chassis runs it (async engine, advisory lock)."""

from campaigns.adapters.orm import metadata
from unionfed_chassis.alembic_env import run

run(metadata)
