"""The member view remembers erasures (`erased_on`, from `MemberErased`), so a late or replayed
MemberJoined never refills an erased member's name and card (the view's tables are declared once,
in `unionfed_chassis.member_view`).

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
    op.add_column("members", sa.Column("erased_on", sa.Date()))


def downgrade() -> None:
    op.drop_column("members", "erased_on")
