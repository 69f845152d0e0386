"""Tables the chassis keeps in every service database: outbox, parked outbox rows, inbox,
idempotency keys.

They live in their own MetaData and the DDL is written once, here. `install_chassis_schema` brings
any earlier shape of these tables to the current one and is safe to run again, so a service's
first migration calls `create_chassis_tables()` and a later migration calls
`upgrade_chassis_tables()` whenever the chassis schema changed.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, BYTEA, UUID

chassis_metadata = sa.MetaData()

OUTBOX_CHANNEL = "unionfed_outbox"

# Rows are deleted once the broker has acknowledged them; `id` gives the per-key order
# because writers lock the aggregate before they insert (see docs/architecture.md).
outbox = sa.Table(
    "outbox",
    chassis_metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=False), primary_key=True),
    sa.Column("event_id", UUID(as_uuid=True), nullable=False),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("key", BYTEA),
    # Kafka headers as two parallel arrays: asyncpg decodes them in C, so the relay's per-event
    # work is a zip (JSONB cost it a json.loads and an encode per header).
    sa.Column("header_names", ARRAY(sa.Text), nullable=False),
    sa.Column("header_values", ARRAY(BYTEA), nullable=False),
    sa.Column("payload", BYTEA, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)

# Rows the broker refused for good (missing topic, record too large): moved here with the reason
# so the relay keeps going; `unionfed outbox retry` moves them back under their original id.
outbox_parked = sa.Table(
    "outbox_parked",
    chassis_metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("event_id", UUID(as_uuid=True), nullable=False),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("key", BYTEA),
    sa.Column("header_names", ARRAY(sa.Text), nullable=False),
    sa.Column("header_values", ARRAY(BYTEA), nullable=False),
    sa.Column("payload", BYTEA, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("parked_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)

inbox = sa.Table(
    "inbox",
    chassis_metadata,
    sa.Column("consumer", sa.Text, primary_key=True),
    # Text, not uuid: CloudEvents allows any non-empty id, and branch systems choose their own.
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    chassis_metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("principal", sa.Text, primary_key=True),
    sa.Column("request_hash", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),  # in_progress | done
    sa.Column("status_code", sa.Integer),
    sa.Column("response_body", BYTEA),
    sa.Column("content_type", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)

_NOTIFY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION unionfed_outbox_notify() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('{OUTBOX_CHANNEL}', '');
  RETURN NULL;
END $$ LANGUAGE plpgsql;
"""
# Statement-level: one notification per INSERT statement, delivered at commit, however many rows.
_NOTIFY_TRIGGER = """
CREATE OR REPLACE TRIGGER outbox_notify AFTER INSERT ON outbox
FOR EACH STATEMENT EXECUTE FUNCTION unionfed_outbox_notify();
"""
# Changes of existing chassis tables, in order; each is a no-op once applied.
_UPGRADES = ("ALTER TABLE inbox ALTER COLUMN event_id TYPE text USING event_id::text",)


def timestamps() -> list[sa.Column[object]]:
    """`created_at` and `updated_at` of a service's own table (both set by the database)."""
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    ]


def install_chassis_schema(connection: sa.Connection) -> None:
    """Create the chassis tables and the outbox NOTIFY trigger on a (sync) connection, or bring
    existing ones to the current shape.

    The one place the DDL lives: migrations call it through `create_chassis_tables()` or
    `upgrade_chassis_tables()`, tests through `await conn.run_sync(install_chassis_schema)`.
    """
    chassis_metadata.create_all(connection)  # checkfirst: only the missing tables
    for statement in _UPGRADES:
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql(_NOTIFY_FUNCTION)
    connection.exec_driver_sql(_NOTIFY_TRIGGER)


def create_chassis_tables(op: object) -> None:
    """Create the chassis tables from inside an Alembic migration (`op` is alembic.op)."""
    install_chassis_schema(op.get_bind())  # type: ignore[attr-defined]


def upgrade_chassis_tables(op: object) -> None:
    """Bring the chassis tables of an existing service database to the current shape."""
    install_chassis_schema(op.get_bind())  # type: ignore[attr-defined]


def drop_chassis_tables(op: object) -> None:
    bind = op.get_bind()  # type: ignore[attr-defined]
    chassis_metadata.drop_all(bind)
    op.execute("DROP FUNCTION IF EXISTS unionfed_outbox_notify()")  # type: ignore[attr-defined]
