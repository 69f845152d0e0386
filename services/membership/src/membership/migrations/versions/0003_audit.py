"""Audit: member history rows record who made the change (actor and their role).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: rows written before this revision have no recorded actor. Adding a nullable
    # column without a default is a catalog-only change (no table rewrite).
    op.add_column("member_history", sa.Column("actor", sa.Text(), nullable=True))
    op.add_column("member_history", sa.Column("actor_role", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("member_history", "actor_role")
    op.drop_column("member_history", "actor")
