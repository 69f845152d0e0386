"""Initial schema: chassis tables (outbox, inbox, idempotency keys), the index of the streams
(stream_events, member_cards, partition_ends), consumer-group lag samples and redrives.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
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

TABLES = ("redrives", "lag_samples", "partition_ends", "member_cards", "stream_events")


def upgrade() -> None:
    create_chassis_tables(op)
    op.create_table(
        "lag_samples",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("sampled_at", sa.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("group_id", sa.Text(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("committed", sa.BigInteger(), nullable=True),
        sa.Column("end_offset", sa.BigInteger(), nullable=False),
        sa.Column("lag", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_lag_samples_group_time", "lag_samples", ["group_id", "sampled_at"], unique=False)
    op.create_index("ix_lag_samples_time", "lag_samples", ["sampled_at"], unique=False)
    op.create_table(
        "member_cards",
        sa.Column("card_no", sa.Text(), nullable=False),
        sa.Column("member_id", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("card_no"),
    )
    op.create_table(
        "partition_ends",
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("next_offset", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("topic", "partition"),
    )
    op.create_table(
        "redrives",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "requested_at", sa.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("group_id", sa.Text(), nullable=False),
        sa.Column("dlq_topic", sa.Text(), nullable=False),
        sa.Column("dlq_partition", sa.Integer(), nullable=False),
        sa.Column("dlq_offset", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "stream_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("time", sa.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("district", sa.Text(), nullable=True),
        sa.Column("branch_id", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("member_id", sa.Text(), nullable=True),
        sa.Column("correlation_id", sa.Text(), nullable=True),
        sa.Column("causation_id", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column(
            "headers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("indexed_at", sa.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("topic", "partition", "offset", name="uq_stream_events_position"),
    )
    op.create_index("ix_stream_events_correlation", "stream_events", ["correlation_id"], unique=False)
    op.create_index("ix_stream_events_district", "stream_events", ["district", "id"], unique=False)
    op.create_index("ix_stream_events_member", "stream_events", ["member_id", "id"], unique=False)
    op.create_index("ix_stream_events_subject", "stream_events", ["subject"], unique=False)
    op.create_index("ix_stream_events_topic", "stream_events", ["topic", "id"], unique=False)
    op.create_index("ix_stream_events_type", "stream_events", ["type", "id"], unique=False)


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
    drop_chassis_tables(op)
