"""Alembic environment of the notifications service: the chassis runs it (async engine, advisory lock)."""

from notifications.adapters.orm import metadata
from unionfed_chassis.alembic_env import run

run(metadata)
