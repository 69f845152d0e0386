"""The console's own database: an index of every unionfed topic (its own consumer group, never a
service's database), consumer-group lag samples and the redrives operators asked for.

`stream_events` has one row per record, unique by (topic, partition, offset): a batch indexed
twice (a crash between the insert and the offset commit) inserts nothing new.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

_TS = sa.TIMESTAMP(timezone=True)

stream_events = sa.Table(
    "stream_events",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("partition", sa.Integer, nullable=False),
    sa.Column("offset", sa.BigInteger, nullable=False),
    sa.Column("event_id", sa.Text),
    sa.Column("type", sa.Text),
    sa.Column("time", _TS),
    sa.Column("district", sa.Text),
    sa.Column("branch_id", sa.Text),
    sa.Column("subject", sa.Text),
    sa.Column("member_id", sa.Text),
    sa.Column("correlation_id", sa.Text),
    sa.Column("causation_id", sa.Text),
    sa.Column("actor", sa.Text),
    sa.Column("headers", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("payload", JSONB),
    sa.Column("indexed_at", _TS, nullable=False, server_default=sa.func.now()),
    sa.UniqueConstraint("topic", "partition", "offset", name="uq_stream_events_position"),
)
# Retention goes by id (the primary key): no index on indexed_at to keep up on every insert.
sa.Index("ix_stream_events_member", stream_events.c.member_id, stream_events.c.id)
sa.Index("ix_stream_events_correlation", stream_events.c.correlation_id)
sa.Index("ix_stream_events_type", stream_events.c.type, stream_events.c.id)
sa.Index("ix_stream_events_district", stream_events.c.district, stream_events.c.id)
sa.Index("ix_stream_events_subject", stream_events.c.subject)
sa.Index("ix_stream_events_topic", stream_events.c.topic, stream_events.c.id)

# Card number -> member, from MemberJoined: the timeline is searchable by card.
member_cards = sa.Table(
    "member_cards",
    metadata,
    sa.Column("card_no", sa.Text, primary_key=True),
    sa.Column("member_id", sa.Text, nullable=False),
)

# The next offset after the last record indexed, per partition: the console's own high-watermark.
# Lag is computed against it, never against the broker's end offsets alone (the embedded broker
# under-reports them after multi-record batches).
partition_ends = sa.Table(
    "partition_ends",
    metadata,
    sa.Column("topic", sa.Text, primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True),
    sa.Column("next_offset", sa.BigInteger, nullable=False),
    sa.Column("updated_at", _TS, nullable=False, server_default=sa.func.now()),
)

lag_samples = sa.Table(
    "lag_samples",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("sampled_at", _TS, nullable=False),
    sa.Column("group_id", sa.Text, nullable=False),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("partition", sa.Integer, nullable=False),
    sa.Column("committed", sa.BigInteger),  # None: the group never committed on this partition
    sa.Column("end_offset", sa.BigInteger, nullable=False),
    sa.Column("lag", sa.BigInteger, nullable=False),
)
sa.Index("ix_lag_samples_group_time", lag_samples.c.group_id, lag_samples.c.sampled_at)
# The latest sample times (trends) and pruning read by time alone.
sa.Index("ix_lag_samples_time", lag_samples.c.sampled_at)

# Who redrove which dead letter, when and why (the broker's `unionfed.dlq-replays` record says it
# was replayed; this says the operator's reason too, for the console's history).
redrives = sa.Table(
    "redrives",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("requested_at", _TS, nullable=False, server_default=sa.func.now()),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("group_id", sa.Text, nullable=False),
    sa.Column("dlq_topic", sa.Text, nullable=False),
    sa.Column("dlq_partition", sa.Integer, nullable=False),
    sa.Column("dlq_offset", sa.BigInteger, nullable=False),
    sa.Column("event_id", sa.Text),
    sa.Column("outcome", sa.Text, nullable=False),  # replayed | already replayed | failed: <why>
)
