"""The member view keeps the birth year membership now publishes in `MemberJoined` (the view's
tables are declared once, in `unionfed_chassis.member_view`, for every service that keeps one).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("members", sa.Column("birth_year", sa.SmallInteger()))


def downgrade() -> None:
    op.drop_column("members", "birth_year")
