"""Joining without a membership oracle, and branch systems on the event path.

- applications: `duplicate_of` / `duplicate_reason` (the real state, for officers only); the
  one-pending-application index ignores duplicates, which are recorded, not refused;
- verification_codes: the one-time code that proves an applicant holds the phone;
- branch_systems / branch_system_branches: which branches a branch system may register into;
- registration_requests: keyed by the system too, so one system's request id never returns
  another system's answer (rows from the old district topics get system_id '').

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("applications", sa.Column("duplicate_of", postgresql.UUID(as_uuid=True)))
    op.add_column("applications", sa.Column("duplicate_reason", sa.Text()))
    op.drop_index("applications_one_pending", table_name="applications")
    op.create_index(
        "applications_one_pending",
        "applications",
        ["national_id_hash"],
        unique=True,
        postgresql_where=sa.text("status = 'pending' AND duplicate_of IS NULL"),
    )
    op.create_table(
        "verification_codes",
        sa.Column(
            "application_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("applications.application_id"),
            primary_key=True,
        ),
        sa.Column("code_hash", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts_left", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    )
    op.create_table(
        "branch_systems",
        sa.Column("system_id", sa.Text(), primary_key=True),
        sa.Column("district", sa.Text(), sa.ForeignKey("districts.code"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    )
    op.create_table(
        "branch_system_branches",
        sa.Column("system_id", sa.Text(), sa.ForeignKey("branch_systems.system_id"), primary_key=True),
        sa.Column("branch_id", sa.Text(), sa.ForeignKey("branches.branch_id"), primary_key=True),
    )
    op.add_column(
        "registration_requests", sa.Column("system_id", sa.Text(), nullable=False, server_default="")
    )
    op.drop_constraint("registration_requests_pkey", "registration_requests", type_="primary")
    op.create_primary_key(
        "registration_requests_pkey", "registration_requests", ["system_id", "branch_id", "request_id"]
    )


def downgrade() -> None:
    op.drop_constraint("registration_requests_pkey", "registration_requests", type_="primary")
    op.execute("DELETE FROM registration_requests WHERE system_id <> ''")
    op.create_primary_key("registration_requests_pkey", "registration_requests", ["branch_id", "request_id"])
    op.drop_column("registration_requests", "system_id")
    op.drop_table("branch_system_branches")
    op.drop_table("branch_systems")
    op.drop_table("verification_codes")
    op.drop_index("applications_one_pending", table_name="applications")
    op.execute("DELETE FROM applications WHERE duplicate_of IS NOT NULL AND status = 'pending'")
    op.create_index(
        "applications_one_pending",
        "applications",
        ["national_id_hash"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_column("applications", "duplicate_reason")
    op.drop_column("applications", "duplicate_of")
