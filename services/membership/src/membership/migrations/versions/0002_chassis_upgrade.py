"""Chassis tables to the platform-hardening shape: parked outbox rows, text inbox ids.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op
from unionfed_chassis.tables import upgrade_chassis_tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_chassis_tables(op)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS outbox_parked")
    op.execute("ALTER TABLE inbox ALTER COLUMN event_id TYPE uuid USING event_id::uuid")
