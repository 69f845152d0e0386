"""The campaigns database tables (SQLAlchemy Core).

The CHECKs are the last word on what concurrent requests cannot break: whatever the code does,
no transaction commits more enrolled members than a campaign has places, a second answer to a
survey from one member, or a second launch (the status moves forward only under a row lock).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from unionfed_chassis.member_view import member_view_tables
from unionfed_chassis.tables import timestamps

metadata = sa.MetaData()


# The service's own view of membership, built from membership's events (never its database).
member_view = member_view_tables(metadata)
members = member_view.members
branches = member_view.branches
# Audiences by employment type and age band (migrant workers aged 18-35): without it the plan
# reads every active member of the rule's districts and filters 9 in 10 away (bench
# campaigns_audience, 100,000 members, EXPLAIN ANALYZE: 18 ms to 5 ms). Partial: audiences are
# active members.
sa.Index(
    "members_audience_kind_age",
    members.c.employment_type,
    members.c.birth_year,
    postgresql_where=members.c.status == "active",
)

# Who is on the hardship registry, from assistance's events (never its database).
hardship_view = sa.Table(
    "hardship_view",
    metadata,
    sa.Column("member_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("registered", sa.Boolean, nullable=False),
    # Time of the assistance event last applied: an older event never undoes a newer one.
    sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    *timestamps(),
)

campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("campaign_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    # The organising district union; null for a federation campaign (published on the fed topic).
    sa.Column("owner_district", sa.Text),
    sa.Column("status", sa.Text, nullable=False),  # draft, scheduled, launched, closed, cancelled
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("audience", JSONB, nullable=False),  # an unionfed_events.campaigns.AudienceRule
    sa.Column("audience_size", sa.Integer),  # fixed at launch
    sa.Column("capacity", sa.Integer),  # places for enrolment; null = unlimited
    sa.Column("enrolled", sa.Integer, nullable=False, server_default="0"),
    sa.Column("waitlisted", sa.Integer, nullable=False, server_default="0"),
    sa.Column("notified", sa.Integer, nullable=False, server_default="0"),
    sa.Column("results", JSONB),  # an unionfed_events.campaigns.CampaignResults, at the close
    sa.Column("cancel_reason", sa.Text),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("launched_at", sa.DateTime(timezone=True)),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    *timestamps(),
    sa.CheckConstraint("ends_on >= starts_on", name="campaigns_dates_ordered"),
    sa.CheckConstraint("capacity IS NULL OR capacity >= 1", name="campaigns_capacity_positive"),
    sa.CheckConstraint("capacity IS NULL OR enrolled <= capacity", name="campaigns_within_capacity"),
    sa.CheckConstraint("enrolled >= 0 AND waitlisted >= 0", name="campaigns_counts_not_negative"),
    sa.Index("campaigns_status_starts", "status", "starts_on"),
    sa.Index("campaigns_status_ends", "status", "ends_on"),
    sa.Index("campaigns_owner", "owner_district"),
)

# The audience as the rule matched it at launch: who was targeted (stays fixed afterwards).
audience_members = sa.Table(
    "audience_members",
    metadata,
    sa.Column("campaign_id", UUID(as_uuid=True), sa.ForeignKey("campaigns.campaign_id"), primary_key=True),
    sa.Column("member_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("branch_id", sa.Text, nullable=False),
    sa.Index("audience_members_campaign_district", "campaign_id", "district"),
)

participants = sa.Table(
    "participants",
    metadata,
    sa.Column("campaign_id", UUID(as_uuid=True), sa.ForeignKey("campaigns.campaign_id"), primary_key=True),
    sa.Column("member_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("branch_id", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),  # enrolled, waitlisted, withdrawn
    # Order of the waiting list (and of requests): a sequence, so ties cannot happen.
    sa.Column("requested_seq", sa.BigInteger, sa.Identity(), nullable=False),
    sa.Column("enrolled_at", sa.DateTime(timezone=True)),
    sa.Column("withdrawn_at", sa.DateTime(timezone=True)),
    *timestamps(),
    sa.Index("participants_waiting", "campaign_id", "status", "requested_seq"),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("delivery_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("campaign_id", UUID(as_uuid=True), sa.ForeignKey("campaigns.campaign_id"), nullable=False),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("branch_id", sa.Text),
    sa.Column("site", sa.Text, nullable=False),
    sa.Column("items", sa.Text, nullable=False),
    sa.Column("workers_reached", sa.Integer, nullable=False),
    sa.Column("delivered_on", sa.Date, nullable=False),
    sa.Column("recorded_by", sa.Text, nullable=False),
    *timestamps(),
    sa.CheckConstraint("workers_reached >= 1", name="deliveries_reach_positive"),
    sa.Index("deliveries_campaign", "campaign_id", "district"),
)

proposals = sa.Table(
    "proposals",
    metadata,
    sa.Column("proposal_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("campaign_id", UUID(as_uuid=True), sa.ForeignKey("campaigns.campaign_id")),
    sa.Column("member_id", UUID(as_uuid=True), nullable=False),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("branch_id", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),  # rationalisation, innovation
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),  # submitted, adopted, rejected
    sa.Column("award", sa.Text),
    sa.Column("review_comment", sa.Text),
    sa.Column("reviewed_by", sa.Text),
    sa.Column("reviewed_at", sa.DateTime(timezone=True)),
    *timestamps(),
    sa.Index("proposals_campaign_status", "campaign_id", "status"),
    sa.Index("proposals_district", "district"),
)

competition_scores = sa.Table(
    "competition_scores",
    metadata,
    sa.Column("campaign_id", UUID(as_uuid=True), sa.ForeignKey("campaigns.campaign_id"), primary_key=True),
    sa.Column("member_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("branch_id", sa.Text, nullable=False),
    sa.Column("score", sa.Numeric(8, 2), nullable=False),
    sa.Column("scored_by", sa.Text, nullable=False),
    *timestamps(),
    sa.CheckConstraint("score >= 0", name="competition_scores_not_negative"),
)

# A competition's published ranking: its primary key makes publication happen once, and scores
# are frozen once it exists (scoring reads it under a share lock on the campaign row).
competition_rankings = sa.Table(
    "competition_rankings",
    metadata,
    sa.Column("campaign_id", UUID(as_uuid=True), sa.ForeignKey("campaigns.campaign_id"), primary_key=True),
    sa.Column("ranking", JSONB, nullable=False),  # places, best first, with their awards
    sa.Column("published_by", sa.Text, nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)

honours = sa.Table(
    "honours",
    metadata,
    sa.Column("honour_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("campaign_id", UUID(as_uuid=True), sa.ForeignKey("campaigns.campaign_id")),
    sa.Column("honour", sa.Text, nullable=False),
    sa.Column("recipient_kind", sa.Text, nullable=False),  # member, team
    sa.Column("recipient_id", sa.Text, nullable=False),  # member id, or the team's name
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("branch_id", sa.Text),
    sa.Column("citation", sa.Text, nullable=False),
    sa.Column("awarded_on", sa.Date, nullable=False),
    sa.Column("awarded_by", sa.Text, nullable=False),
    *timestamps(),
    # One honour of a kind per recipient and year (a May Day medal is not awarded twice in a year).
    sa.Column("award_year", sa.Integer, nullable=False),
    sa.UniqueConstraint("honour", "recipient_id", "award_year", name="honours_once_a_year"),
)

survey_questions = sa.Table(
    "survey_questions",
    metadata,
    sa.Column("campaign_id", UUID(as_uuid=True), sa.ForeignKey("campaigns.campaign_id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),  # single_choice, multiple_choice, scale, text
    sa.Column("options", JSONB, nullable=False, server_default="[]"),
)

survey_responses = sa.Table(
    "survey_responses",
    metadata,
    # The primary key is what makes "a member answers once" hold under concurrent requests.
    sa.Column("campaign_id", UUID(as_uuid=True), sa.ForeignKey("campaigns.campaign_id"), primary_key=True),
    sa.Column("member_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("industry", sa.Text),
    sa.Column("answers", JSONB, nullable=False),  # {position: answer}
    *timestamps(),
    sa.Index("survey_responses_campaign_district", "campaign_id", "district"),
)
