"""Members' birth year, taken from the ID number at joining and published in `MemberJoined`
(campaign audiences by age band). Members who joined before have none: their ID numbers are
sealed with the service's key, which a migration does not hold.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("members", sa.Column("birth_year", sa.SmallInteger()))


def downgrade() -> None:
    op.drop_column("members", "birth_year")
