"""The membership database tables (SQLAlchemy Core). The repository maps rows onto the domain.

National IDs and phone numbers are stored only encrypted (`*_enc`), masked, and (IDs) as a keyed
hash; the partial unique index on the hash is what finally refuses a second active membership
when two joins race.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import BYTEA, JSONB, UUID

metadata = sa.MetaData()

card_serial_seq = sa.Sequence("card_serial_seq", metadata=metadata)

ACTIVE_STATUSES = ("pending", "active")

districts = sa.Table(
    "districts",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)

branches = sa.Table(
    "branches",
    metadata,
    sa.Column("branch_id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("industry", sa.Text, nullable=False),
    sa.Column("district", sa.Text, sa.ForeignKey("districts.code"), nullable=False, index=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("auto_approve", sa.Boolean, nullable=False),
    sa.Column("established_on", sa.Date, nullable=False),
    sa.Column("closed_on", sa.Date),
    sa.Column("close_reason", sa.Text),
    sa.Column("merged_into", sa.Text),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)

members = sa.Table(
    "members",
    metadata,
    sa.Column("member_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("card_number", sa.Text, nullable=False, unique=True),
    # Personal columns are null once the member is erased (`erased_on`), the name a fixed
    # placeholder; the hash then holds a value no ID hashes to, so the person can join again.
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("national_id_hash", sa.Text, nullable=False),
    sa.Column("national_id_enc", BYTEA),
    sa.Column("national_id_masked", sa.Text),
    sa.Column("phone_enc", BYTEA),
    sa.Column("phone_masked", sa.Text),
    sa.Column("email_enc", BYTEA),  # the vault's `seal` of the address
    sa.Column("email_masked", sa.Text),
    sa.Column("erased_on", sa.Date),
    sa.Column("employer", sa.Text),
    sa.Column("employment_type", sa.Text, nullable=False),
    sa.Column("birth_year", sa.SmallInteger),
    sa.Column("branch_id", sa.Text, sa.ForeignKey("branches.branch_id"), nullable=False),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("industry", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("joined_on", sa.Date, nullable=False),
    sa.Column("left_on", sa.Date),
    sa.Column("leave_reason", sa.Text),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Index("members_district_status", "district", "status"),
    sa.Index("members_branch_status", "branch_id", "status"),
    sa.Index("members_national_id_hash", "national_id_hash"),
    sa.Index(
        "members_one_active_membership",
        "national_id_hash",
        unique=True,
        postgresql_where=sa.text("status IN ('pending', 'active')"),
    ),
)

member_history = sa.Table(
    "member_history",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=False), primary_key=True),
    sa.Column("member_id", UUID(as_uuid=True), sa.ForeignKey("members.member_id"), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("on_date", sa.Date, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("branch_id", sa.Text, nullable=False),
    sa.Column("details", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    # Who made the change (a token's subject and role, a branch system, the service itself);
    # empty on rows written before migration 0003.
    sa.Column("actor", sa.Text),
    sa.Column("actor_role", sa.Text),
    sa.Index("member_history_member", "member_id", "id"),
    sa.Index("member_history_kind_date", "kind", "on_date"),
)

applications = sa.Table(
    "applications",
    metadata,
    sa.Column("application_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("branch_id", sa.Text, sa.ForeignKey("branches.branch_id"), nullable=False),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("national_id_hash", sa.Text, nullable=False),
    sa.Column("national_id_enc", BYTEA, nullable=False),
    sa.Column("national_id_masked", sa.Text, nullable=False),
    sa.Column("phone_enc", BYTEA, nullable=False),
    sa.Column("phone_masked", sa.Text, nullable=False),
    sa.Column("email_enc", BYTEA),
    sa.Column("email_masked", sa.Text),
    sa.Column("employer", sa.Text, nullable=False),
    sa.Column("employment_type", sa.Text, nullable=False),
    sa.Column("submitted_on", sa.Date, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("decided_on", sa.Date),
    sa.Column("reject_reason", sa.Text),
    sa.Column("member_id", UUID(as_uuid=True)),
    # The member or application this one repeats: the public answer hides it, officers see it.
    sa.Column("duplicate_of", UUID(as_uuid=True)),
    sa.Column("duplicate_reason", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Index("applications_branch_status", "branch_id", "status"),
    sa.Index(
        "applications_one_pending",
        "national_id_hash",
        unique=True,
        postgresql_where=sa.text("status = 'pending' AND duplicate_of IS NULL"),
    ),
)

verification_codes = sa.Table(
    "verification_codes",
    metadata,
    sa.Column(
        "application_id", UUID(as_uuid=True), sa.ForeignKey("applications.application_id"), primary_key=True
    ),
    sa.Column(
        "code_hash", sa.Text, nullable=False
    ),  # keyed HMAC: a 6-digit code is too small to hash plainly
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("attempts_left", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)

branch_systems = sa.Table(
    "branch_systems",
    metadata,
    sa.Column("system_id", sa.Text, primary_key=True),
    sa.Column("district", sa.Text, sa.ForeignKey("districts.code"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)

branch_system_branches = sa.Table(
    "branch_system_branches",
    metadata,
    sa.Column("system_id", sa.Text, sa.ForeignKey("branch_systems.system_id"), primary_key=True),
    sa.Column("branch_id", sa.Text, sa.ForeignKey("branches.branch_id"), primary_key=True),
)

imports = sa.Table(
    "imports",
    metadata,
    sa.Column("import_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("branch_id", sa.Text, sa.ForeignKey("branches.branch_id"), nullable=False),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("file_sha256", sa.Text, nullable=False),
    sa.Column("filename", sa.Text),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("created", sa.Integer, nullable=False),
    sa.Column("failed", sa.Integer, nullable=False),
    sa.Column("errors", JSONB, nullable=False),
    sa.Column("failed_rows_csv", BYTEA, nullable=False),
    sa.Column("created_by", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.UniqueConstraint("branch_id", "file_sha256", name="imports_once_per_file"),
)

registration_requests = sa.Table(
    "registration_requests",
    metadata,
    sa.Column("system_id", sa.Text, primary_key=True),  # '' for requests of the old district topics
    sa.Column("branch_id", sa.Text, primary_key=True),
    sa.Column("request_id", sa.Text, primary_key=True),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("member_id", UUID(as_uuid=True)),
    sa.Column("card_number", sa.Text),
    sa.Column("reason", sa.Text),
    sa.Column("field", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)
