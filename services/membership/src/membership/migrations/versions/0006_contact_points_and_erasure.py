"""Members' and applicants' e-mail (sealed with the vault's key, and masked), and erasure (PIPL):
the personal columns become nullable, and `erased_on` says when they were destroyed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import BYTEA

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ERASABLE = ("national_id_enc", "national_id_masked")  # the name becomes a fixed placeholder


def upgrade() -> None:
    for table in ("members", "applications"):
        op.add_column(table, sa.Column("email_enc", BYTEA()))
        op.add_column(table, sa.Column("email_masked", sa.Text()))
    op.add_column("members", sa.Column("erased_on", sa.Date()))
    for column in ERASABLE:
        op.alter_column("members", column, nullable=True)


def downgrade() -> None:
    # Erased members have no name or ID any more: empty values keep them (and the counts) under NOT NULL.
    op.execute(
        "UPDATE members SET national_id_enc = coalesce(national_id_enc, ''::bytea), "
        "national_id_masked = coalesce(national_id_masked, '') WHERE erased_on IS NOT NULL"
    )
    for column in ERASABLE:
        op.alter_column("members", column, nullable=False)
    op.drop_column("members", "erased_on")
    for table in ("members", "applications"):
        op.drop_column(table, "email_masked")
        op.drop_column(table, "email_enc")
