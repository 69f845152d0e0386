"""Initial schema: chassis tables (outbox, inbox, idempotency keys), the member view, contact
points, officers, preferences, contents, notifications, delivery attempts and webhook subscriptions.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql
from unionfed_chassis.tables import create_chassis_tables, drop_chassis_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = (
    "delivery_attempts",
    "notifications",
    "contents",
    "webhook_subscriptions",
    "preferences",
    "officers",
    "contact_points",
    "branches",
    "members",
)

# Live inbox (adapters/inbox_listener.py): after each statement that inserts in-app rows, NOTIFY
# the recipients (a JSON array), or `*` when they are more than a NOTIFY payload (8,000 bytes)
# should carry; listeners then re-query. The first count stops at 201 rows, so a fan-out chunk of
# thousands costs one short scan of the transition table, not a sort of its recipients.
INBOX_NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION notifications_inbox_notify() RETURNS trigger AS $$
DECLARE
  payload text;
BEGIN
  IF (SELECT count(*) FROM (SELECT 1 FROM new_rows
       WHERE channel = 'in_app' AND status = 'delivered' LIMIT 201) AS first_rows) > 200 THEN
    PERFORM pg_notify('inbox', '*');
    RETURN NULL;
  END IF;
  SELECT json_agg(DISTINCT recipient_id)::text INTO payload FROM new_rows
   WHERE channel = 'in_app' AND status = 'delivered';
  IF payload IS NOT NULL THEN
    PERFORM pg_notify('inbox', CASE WHEN octet_length(payload) > 7900 THEN '*' ELSE payload END);
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
INBOX_NOTIFY_TRIGGER = """
CREATE TRIGGER notifications_inbox_notify AFTER INSERT ON notifications
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION notifications_inbox_notify()
"""


def upgrade() -> None:
    create_chassis_tables(op)
    op.create_table(
        "branches",
        sa.Column("branch_id", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("industry", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("branch_id"),
    )
    op.create_table(
        "contact_points",
        sa.Column("member_id", sa.UUID(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("branch_id", sa.Text(), nullable=False),
        sa.Column("key_id", sa.Text(), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("has_phone", sa.Boolean(), nullable=False),
        sa.Column("has_email", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("member_id"),
    )
    op.create_table(
        "contents",
        sa.Column("content_id", sa.UUID(), nullable=False),
        sa.Column("caused_by", sa.UUID(), nullable=False),
        sa.Column("caused_type", sa.Text(), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("critical", sa.Boolean(), nullable=False),
        sa.Column("district", sa.Text(), nullable=True),
        sa.Column("params", postgresql.JSONB(astext_type=Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("content_id"),
        sa.UniqueConstraint("caused_by", "template", name="contents_one_per_event_template"),
    )
    op.create_table(
        "members",
        sa.Column("member_id", sa.UUID(), nullable=False),
        sa.Column("card_number", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("branch_id", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("industry", sa.Text(), nullable=True),
        sa.Column("employment_type", sa.Text(), nullable=True),
        sa.Column("birth_year", sa.SmallInteger(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("erased_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("member_id"),
    )
    op.create_index("members_branch", "members", ["branch_id"], unique=False)
    op.create_index("members_card_number", "members", ["card_number"], unique=False)
    op.create_index("members_district_status", "members", ["district", "status"], unique=False)
    op.create_table(
        "officers",
        sa.Column("officer_id", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=True),
        sa.Column("branch_id", sa.Text(), nullable=True),
        sa.Column("key_id", sa.Text(), nullable=True),
        sa.Column("sealed", sa.Text(), nullable=True),
        sa.Column("digest", sa.Text(), server_default="none", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("officer_id"),
    )
    op.create_index("officers_unit", "officers", ["district", "branch_id"], unique=False)
    op.create_table(
        "preferences",
        sa.Column("recipient_id", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), server_default="zh", nullable=False),
        sa.Column(
            "channels",
            postgresql.JSONB(astext_type=Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("campaign_opt_out", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.Column("timezone", sa.Text(), server_default="Asia/Shanghai", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("recipient_id"),
    )
    op.create_table(
        "webhook_subscriptions",
        sa.Column("subscription_id", sa.UUID(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("event_types", postgresql.ARRAY(Text()), nullable=False),
        sa.Column("key_id", sa.Text(), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("previous_secret_sealed", sa.Text(), nullable=True),
        sa.Column("previous_valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id"),
    )
    op.create_index("webhook_subscriptions_district", "webhook_subscriptions", ["district"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("notification_id", sa.UUID(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("content_id", sa.UUID(), nullable=False),
        sa.Column("caused_by", sa.UUID(), nullable=False),
        sa.Column("recipient_kind", sa.Text(), nullable=False),
        sa.Column("recipient_id", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("provider", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("digest_id", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'held', 'digest', 'delivered', 'failed', 'suppressed')",
            name="notifications_status",
        ),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["contents.content_id"],
        ),
        sa.PrimaryKeyConstraint("notification_id"),
        sa.UniqueConstraint("caused_by", "recipient_id", "channel", name="notifications_once"),
    )
    op.create_index(
        "notifications_due",
        "notifications",
        ["priority", "next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "notifications_inbox",
        "notifications",
        ["recipient_id", sa.literal_column("created_at DESC")],
        unique=False,
        postgresql_where=sa.text("channel = 'in_app'"),
    )
    op.execute(INBOX_NOTIFY_FUNCTION)
    op.execute(INBOX_NOTIFY_TRIGGER)
    op.create_table(
        "delivery_attempts",
        sa.Column("attempt_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("notification_id", sa.UUID(), nullable=False),
        sa.Column("attempt", sa.SmallInteger(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=True),
        sa.Column("subscription_id", sa.UUID(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.notification_id"],
        ),
        sa.PrimaryKeyConstraint("attempt_id"),
    )
    op.create_index("delivery_attempts_notification", "delivery_attempts", ["notification_id"], unique=False)
    op.create_index(
        "delivery_attempts_subscription",
        "delivery_attempts",
        ["subscription_id", sa.literal_column("at DESC")],
        unique=False,
    )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
    op.execute("DROP FUNCTION IF EXISTS notifications_inbox_notify()")
    drop_chassis_tables(op)
