"""The notifications database tables (SQLAlchemy Core).

What one event says is a `contents` row (template + parameters), shared by all its recipients;
each (event, recipient, channel) is one `notifications` row, and the unique constraint on that
triple is the last word on "exactly once": a redelivered event, a replayed dead letter or a
second replica inserts nothing new. The in-app inbox is the `in_app` rows themselves.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from unionfed_chassis.member_view import member_view_tables
from unionfed_chassis.tables import timestamps

metadata = sa.MetaData()

# The service's own view of membership, built from membership's events (never its database):
# who is active where, and the name a message greets them with (blanked on erasure).
member_view = member_view_tables(metadata)
members = member_view.members
branches = member_view.branches

# Members' contact points as membership sealed them to this service's key (`contact_seal`):
# opened only at the moment of sending, never stored or logged in the clear.
contact_points = sa.Table(
    "contact_points",
    metadata,
    sa.Column("member_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("branch_id", sa.Text, nullable=False),
    sa.Column("key_id", sa.Text, nullable=False),
    sa.Column("sealed", sa.Text, nullable=False),
    sa.Column("has_phone", sa.Boolean, nullable=False),
    sa.Column("has_email", sa.Boolean, nullable=False),
    *timestamps(),
)

# Officers who receive alerts (escalations, applications to decide): they register their own
# contact points with their token, which gives their role and unit. Addresses are sealed to the
# service's own contact key, like members'.
officers = sa.Table(
    "officers",
    metadata,
    sa.Column("officer_id", sa.Text, primary_key=True),  # the token's subject
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("district", sa.Text),
    sa.Column("branch_id", sa.Text),
    sa.Column("key_id", sa.Text),
    sa.Column("sealed", sa.Text),
    # none | hourly | daily: one summary per period instead of one message per alert.
    sa.Column("digest", sa.Text, nullable=False, server_default="none"),
    *timestamps(),
    sa.Index("officers_unit", "district", "branch_id"),
)

# A member's or officer's choices; no row means the defaults (every channel, Chinese, no quiet hours).
preferences = sa.Table(
    "preferences",
    metadata,
    sa.Column("recipient_id", sa.Text, primary_key=True),
    sa.Column("language", sa.Text, nullable=False, server_default="zh"),
    # category -> list of channels, for the categories the recipient narrowed.
    sa.Column("channels", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("campaign_opt_out", sa.Boolean, nullable=False, server_default=sa.text("false")),
    sa.Column("quiet_start", sa.Time),
    sa.Column("quiet_end", sa.Time),
    sa.Column("timezone", sa.Text, nullable=False, server_default="Asia/Shanghai"),
    *timestamps(),
)

contents = sa.Table(
    "contents",
    metadata,
    sa.Column("content_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("caused_by", UUID(as_uuid=True), nullable=False),  # ce_id of the event
    sa.Column("caused_type", sa.Text, nullable=False),
    sa.Column("template", sa.Text, nullable=False),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("critical", sa.Boolean, nullable=False),
    sa.Column("district", sa.Text),
    # What the template needs from the event (never ID or phone numbers).
    sa.Column("params", JSONB, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.UniqueConstraint("caused_by", "template", name="contents_one_per_event_template"),
)

STATUSES = ("pending", "held", "digest", "delivered", "failed", "suppressed")

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("notification_id", UUID(as_uuid=True), primary_key=True, server_default=sa.text("uuidv7()")),
    sa.Column("content_id", UUID(as_uuid=True), sa.ForeignKey("contents.content_id"), nullable=False),
    sa.Column("caused_by", UUID(as_uuid=True), nullable=False),
    sa.Column("recipient_kind", sa.Text, nullable=False),  # member | officer | subscription
    sa.Column("recipient_id", sa.Text, nullable=False),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    # 0 critical, 1 one person's message, 2 bulk (campaign fan-out): the dispatcher takes lower first.
    sa.Column("priority", sa.SmallInteger, nullable=False),
    sa.Column("attempts", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("provider", sa.Text),
    sa.Column("last_error", sa.Text),
    sa.Column("digest_id", UUID(as_uuid=True)),  # the digest notification that carried this one
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("delivered_at", sa.DateTime(timezone=True)),
    sa.Column("read_at", sa.DateTime(timezone=True)),
    sa.UniqueConstraint("caused_by", "recipient_id", "channel", name="notifications_once"),
    sa.CheckConstraint(f"status IN {STATUSES!r}", name="notifications_status"),
    sa.Index(
        "notifications_due",
        "priority",
        "next_attempt_at",
        postgresql_where=sa.text("status = 'pending'"),
    ),
    sa.Index(
        "notifications_inbox",
        "recipient_id",
        sa.text("created_at DESC"),
        postgresql_where=sa.text("channel = 'in_app'"),
    ),
)

# Every attempt on every channel but in-app: which provider, what it answered. The delivery log
# of the API (a webhook subscription's recent deliveries, which e-mail provider delivered).
delivery_attempts = sa.Table(
    "delivery_attempts",
    metadata,
    sa.Column("attempt_id", sa.BigInteger, sa.Identity(always=False), primary_key=True),
    sa.Column(
        "notification_id", UUID(as_uuid=True), sa.ForeignKey("notifications.notification_id"), nullable=False
    ),
    sa.Column("attempt", sa.SmallInteger, nullable=False),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("provider", sa.Text),
    sa.Column("subscription_id", UUID(as_uuid=True)),
    sa.Column("outcome", sa.Text, nullable=False),  # delivered | failed
    sa.Column("status_code", sa.Integer),
    sa.Column("error", sa.Text),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Index("delivery_attempts_notification", "notification_id"),
    sa.Index("delivery_attempts_subscription", "subscription_id", sa.text("at DESC")),
)

# Branch systems' webhook endpoints, per district and event types (Standard Webhooks). Secrets are
# sealed to the service's own contact key (`contact_seal`), like officers' addresses; after a rotation the previous secret also signs until it expires.
webhook_subscriptions = sa.Table(
    "webhook_subscriptions",
    metadata,
    sa.Column("subscription_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("event_types", ARRAY(sa.Text), nullable=False),
    sa.Column("key_id", sa.Text, nullable=False),  # the contact key the secrets are sealed to
    sa.Column("secret_sealed", sa.Text, nullable=False),
    sa.Column("previous_secret_sealed", sa.Text),
    sa.Column("previous_valid_until", sa.DateTime(timezone=True)),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
    sa.Column("created_by", sa.Text, nullable=False),
    *timestamps(),
    sa.Index("webhook_subscriptions_district", "district"),
)
