"""Initial schema: chassis tables (outbox, inbox, idempotency keys) and the membership tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from unionfed_chassis.tables import create_chassis_tables, drop_chassis_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_chassis_tables(op)
    op.execute("CREATE SEQUENCE card_serial_seq")
    op.create_table(
        "districts",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "registration_requests",
        sa.Column("branch_id", sa.Text(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("member_id", sa.UUID(), nullable=True),
        sa.Column("card_number", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("field", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("branch_id", "request_id"),
    )
    op.create_table(
        "branches",
        sa.Column("branch_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("industry", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("auto_approve", sa.Boolean(), nullable=False),
        sa.Column("established_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("merged_into", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["district"],
            ["districts.code"],
        ),
        sa.PrimaryKeyConstraint("branch_id"),
        sa.UniqueConstraint("name"),
    )
    op.create_index(op.f("ix_branches_district"), "branches", ["district"], unique=False)
    op.create_table(
        "applications",
        sa.Column("application_id", sa.UUID(), nullable=False),
        sa.Column("branch_id", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("national_id_hash", sa.Text(), nullable=False),
        sa.Column("national_id_enc", postgresql.BYTEA(), nullable=False),
        sa.Column("national_id_masked", sa.Text(), nullable=False),
        sa.Column("phone_enc", postgresql.BYTEA(), nullable=False),
        sa.Column("phone_masked", sa.Text(), nullable=False),
        sa.Column("employer", sa.Text(), nullable=False),
        sa.Column("employment_type", sa.Text(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("member_id", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.branch_id"],
        ),
        sa.PrimaryKeyConstraint("application_id"),
    )
    op.create_index(
        "applications_one_pending",
        "applications",
        ["national_id_hash"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("applications_branch_status", "applications", ["branch_id", "status"], unique=False)
    op.create_table(
        "imports",
        sa.Column("import_id", sa.UUID(), nullable=False),
        sa.Column("branch_id", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.Text(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("errors", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("failed_rows_csv", postgresql.BYTEA(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.branch_id"],
        ),
        sa.PrimaryKeyConstraint("import_id"),
        sa.UniqueConstraint("branch_id", "file_sha256", name="imports_once_per_file"),
    )
    op.create_table(
        "members",
        sa.Column("member_id", sa.UUID(), nullable=False),
        sa.Column("card_number", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("national_id_hash", sa.Text(), nullable=False),
        sa.Column("national_id_enc", postgresql.BYTEA(), nullable=False),
        sa.Column("national_id_masked", sa.Text(), nullable=False),
        sa.Column("phone_enc", postgresql.BYTEA(), nullable=True),
        sa.Column("phone_masked", sa.Text(), nullable=True),
        sa.Column("employer", sa.Text(), nullable=True),
        sa.Column("employment_type", sa.Text(), nullable=False),
        sa.Column("branch_id", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("industry", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("leave_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.branch_id"],
        ),
        sa.PrimaryKeyConstraint("member_id"),
        sa.UniqueConstraint("card_number"),
    )
    op.create_index("members_national_id_hash", "members", ["national_id_hash"], unique=False)
    op.create_index(
        "members_one_active_membership",
        "members",
        ["national_id_hash"],
        unique=True,
        postgresql_where=sa.text("status IN ('pending', 'active')"),
    )
    op.create_index("members_branch_status", "members", ["branch_id", "status"], unique=False)
    op.create_index("members_district_status", "members", ["district", "status"], unique=False)
    op.create_table(
        "member_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("member_id", sa.UUID(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("branch_id", sa.Text(), nullable=False),
        sa.Column(
            "details",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.member_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("member_history_kind_date", "member_history", ["kind", "on_date"], unique=False)
    op.create_index("member_history_member", "member_history", ["member_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("registration_requests")
    op.drop_table("imports")
    op.drop_table("applications")
    op.drop_table("member_history")
    op.drop_table("members")
    op.drop_table("branches")
    op.drop_table("districts")
    op.execute("DROP SEQUENCE card_serial_seq")
    drop_chassis_tables(op)
