"""The assistance database tables (SQLAlchemy Core).

Money is integer cents (`*_cents`, BIGINT) everywhere: exact, and summed by PostgreSQL without
rounding. The fund row's CHECK is the last word on overspending: whatever the code does, no
transaction can commit reserved + spent above allocated.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from unionfed_chassis.member_view import member_view_tables
from unionfed_chassis.tables import timestamps

metadata = sa.MetaData()


# The service's own view of membership, built from membership's events (never its database).
member_view = member_view_tables(metadata)
members = member_view.members
branches = member_view.branches

hardship_records = sa.Table(
    "hardship_records",
    metadata,
    sa.Column("record_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("member_id", UUID(as_uuid=True), nullable=False),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("branch_id", sa.Text, nullable=False),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("causes", ARRAY(sa.Text), nullable=False),
    sa.Column("household_size", sa.Integer, nullable=False),
    sa.Column("members_affected", sa.Integer, nullable=False),
    sa.Column("per_capita_income_cents", sa.BigInteger, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("registered_on", sa.Date, nullable=False),
    sa.Column("review_due_on", sa.Date, nullable=False),
    sa.Column("last_reviewed_on", sa.Date),
    sa.Column("exited_on", sa.Date),
    sa.Column("exit_reason", sa.Text),
    sa.Column("version", sa.Integer, nullable=False),
    *timestamps(),
    sa.Index("hardship_district_status", "district", "status"),
    # One household record in the registry per member at a time, even under racing registrations.
    sa.Index(
        "hardship_one_active_per_member",
        "member_id",
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    ),
)

funds = sa.Table(
    "funds",
    metadata,
    sa.Column("district", sa.Text, primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("aid_type", sa.Text, primary_key=True),
    sa.Column("allocated_cents", sa.BigInteger, nullable=False),
    sa.Column("reserved_cents", sa.BigInteger, nullable=False),
    sa.Column("spent_cents", sa.BigInteger, nullable=False),
    *timestamps(),
    sa.CheckConstraint("reserved_cents >= 0 AND spent_cents >= 0", name="funds_non_negative"),
    sa.CheckConstraint("reserved_cents + spent_cents <= allocated_cents", name="funds_never_overspent"),
)

# Every movement of a fund, with the balances right after it: an auditor checks
# allocated = reserved + spent + available at every step from this table alone.
fund_entries = sa.Table(
    "fund_entries",
    metadata,
    sa.Column("entry_id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("aid_type", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),  # allocate | reserve | release | spend
    sa.Column("amount_cents", sa.BigInteger, nullable=False),
    sa.Column("case_id", UUID(as_uuid=True)),
    sa.Column("allocated_after_cents", sa.BigInteger, nullable=False),
    sa.Column("reserved_after_cents", sa.BigInteger, nullable=False),
    sa.Column("spent_after_cents", sa.BigInteger, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("actor_role", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Index("fund_entries_fund", "district", "year", "aid_type", "entry_id"),
    sa.Index("fund_entries_case", "case_id"),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("case_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("member_id", UUID(as_uuid=True), nullable=False),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("branch_id", sa.Text, nullable=False),
    sa.Column("aid_type", sa.Text, nullable=False),
    sa.Column("origin", sa.Text, nullable=False),  # application | rights_appeal | mutual_aid_claim
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("requested_cents", sa.BigInteger),
    sa.Column("approved_cents", sa.BigInteger),
    sa.Column("reserved_cents", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("budget_year", sa.Integer, nullable=False),
    sa.Column("levels", ARRAY(sa.Text), nullable=False),
    sa.Column("current_level", sa.Text),
    sa.Column("waiting_since", sa.DateTime(timezone=True)),
    sa.Column("escalated_at", sa.DateTime(timezone=True)),
    sa.Column("requested_on", sa.Date, nullable=False),
    sa.Column("granted_at", sa.DateTime(timezone=True)),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.Column("caseworker", sa.Text),
    sa.Column("outcome", sa.Text),
    sa.Column("flag", sa.Text),
    sa.Column("flagged_at", sa.DateTime(timezone=True)),
    sa.Column("campaign_id", UUID(as_uuid=True)),
    sa.Column("version", sa.Integer, nullable=False),
    *timestamps(),
    sa.Index(
        "cases_queue",
        "current_level",
        "district",
        "branch_id",
        postgresql_where=sa.text("status = 'pending'"),
    ),
    sa.Index("cases_member", "member_id", "aid_type", "budget_year"),
    sa.Index("cases_district_status", "district", "status"),
    sa.Index("cases_waiting", "waiting_since", postgresql_where=sa.text("status = 'pending'")),
)

case_steps = sa.Table(
    "case_steps",
    metadata,
    sa.Column("step_id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("case_id", UUID(as_uuid=True), sa.ForeignKey("cases.case_id"), nullable=False),
    sa.Column("level", sa.Text),
    sa.Column("decision", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("actor_role", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("amount_cents", sa.BigInteger),
    # Seconds the case waited at `level` before this decision (time-to-decision per level).
    sa.Column("waited_seconds", sa.Float),
    sa.Index("case_steps_case", "case_id", "step_id"),
)

payment_batches = sa.Table(
    "payment_batches",
    metadata,
    sa.Column("batch_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),  # open | settled
    sa.Column("item_count", sa.Integer, nullable=False),
    sa.Column("total_cents", sa.BigInteger, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    *timestamps(),
)

payments = sa.Table(
    "payments",
    metadata,
    sa.Column("batch_id", UUID(as_uuid=True), sa.ForeignKey("payment_batches.batch_id"), primary_key=True),
    sa.Column("case_id", UUID(as_uuid=True), sa.ForeignKey("cases.case_id"), primary_key=True),
    sa.Column("amount_cents", sa.BigInteger, nullable=False),
    sa.Column("status", sa.Text, nullable=False),  # pending | paid | failed | cancelled
    sa.Column("reference", sa.Text),
    sa.Column("failure_reason", sa.Text),
    sa.Column("settled_at", sa.DateTime(timezone=True)),
    sa.Column("paid_on", sa.Date),  # the bank's payment date, as finance confirmed it
    # A case is in at most one batch that may still pay it.
    sa.Index(
        "payments_one_live_per_case",
        "case_id",
        unique=True,
        postgresql_where=sa.text("status IN ('pending', 'paid')"),
    ),
)

rights_appeals = sa.Table(
    "rights_appeals",
    metadata,
    sa.Column("appeal_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("case_id", UUID(as_uuid=True), sa.ForeignKey("cases.case_id"), nullable=False),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("branch_id", sa.Text, nullable=False),
    sa.Column("member_id", UUID(as_uuid=True)),
    sa.Column("filed_by", sa.Text, nullable=False),  # member | branch
    sa.Column("issue", sa.Text, nullable=False),
    sa.Column("employer", sa.Text, nullable=False),
    sa.Column("industry", sa.Text, nullable=False),
    sa.Column("workers_affected", sa.Integer, nullable=False),
    sa.Column("filed_on", sa.Date, nullable=False),
    *timestamps(),
    sa.Index("rights_appeals_report", "district", "filed_on"),
)

# Aid windows opened by campaigns (the Golden-Autumn education-aid drive): who may apply, when.
aid_windows = sa.Table(
    "aid_windows",
    metadata,
    sa.Column("campaign_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("aid_type", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("districts", ARRAY(sa.Text), nullable=False),  # empty = every district
    sa.Column("industries", ARRAY(sa.Text), nullable=False),  # empty = every industry
    sa.Column("opens_on", sa.Date, nullable=False),
    sa.Column("closes_on", sa.Date, nullable=False),
    *timestamps(),
)

mutual_aid_plans = sa.Table(
    "mutual_aid_plans",
    metadata,
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("share_percent", sa.Integer, nullable=False),
    sa.Column("cap_cents", sa.BigInteger, nullable=False),
    *timestamps(),
)

mutual_aid_enrolments = sa.Table(
    "mutual_aid_enrolments",
    metadata,
    sa.Column("year", sa.Integer, sa.ForeignKey("mutual_aid_plans.year"), primary_key=True),
    sa.Column("member_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("enrolled_on", sa.Date, nullable=False),
    *timestamps(),
)
