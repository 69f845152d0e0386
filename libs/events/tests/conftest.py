"""Sample payloads of every event type, valid and free of real personal data."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from unionfed_events import assistance as a
from unionfed_events import campaigns as c
from unionfed_events import membership as m
from unionfed_events import notifications as n
from unionfed_events.base import Event

MEMBER = UUID("0190a5c2-7a4e-7c3d-8f00-0000000000a1")
CASE = UUID("0190a5c2-7a4e-7c3d-8f00-0000000000c1")
CAMPAIGN = UUID("0190a5c2-7a4e-7c3d-8f00-0000000000d1")
RECORD = UUID("0190a5c2-7a4e-7c3d-8f00-0000000000e1")
BATCH = UUID("0190a5c2-7a4e-7c3d-8f00-0000000000f1")
DAY = date(2025, 3, 1)
STEP = a.ApprovalStep(
    level=a.ApprovalLevel.BRANCH,
    decision=a.Decision.APPROVED,
    actor="officer-17",
    actor_role="branch_officer",
    at=datetime(2025, 3, 2, 9, 30, tzinfo=UTC),
    comment="invoice checked",
    amount_yuan=Decimal("2500.00"),
)


def sample_events() -> list[Event]:
    return [
        m.BranchEstablished(
            branch_id="xuhui-b012",
            name="徐汇区外卖骑手联合工会",
            kind=m.BranchKind.JOINT_INDUSTRY,
            industry="delivery",
            district="xuhui",
            established_on=DAY,
        ),
        m.BranchClosed(
            branch_id="xuhui-b013",
            district="xuhui",
            reason="enterprise deregistered",
            members_moved_to="xuhui-b012",
            members_moved=12,
            closed_on=DAY,
        ),
        m.MemberJoined(
            member_id=MEMBER,
            card_number="XH-000123",
            name="张三",
            branch_id="xuhui-b012",
            district="xuhui",
            industry="delivery",
            employment_type=m.EmploymentType.FLEXIBLE,
            joined_on=DAY,
            channel=m.JoinChannel.SELF_SERVICE,
            national_id_masked="1101**********123X",
        ),
        m.MemberTransferred(
            member_id=MEMBER,
            card_number="XH-000123",
            from_branch_id="xuhui-b012",
            from_district="xuhui",
            to_branch_id="pudong-b001",
            to_district="pudong",
            transferred_on=DAY,
        ),
        m.MemberLeft(
            member_id=MEMBER,
            branch_id="pudong-b001",
            district="pudong",
            reason=m.LeaveReason.RETIRED,
            left_on=DAY,
        ),
        m.MemberReinstated(member_id=MEMBER, branch_id="pudong-b001", district="pudong", reinstated_on=DAY),
        m.MemberContactUpdated(
            member_id=MEMBER,
            branch_id="pudong-b001",
            district="pudong",
            phone_masked="138****5678",
            employer=None,
            employment_type=m.EmploymentType.MIGRANT,
        ),
        m.MemberApplicationRejected(
            application_id=CASE,
            branch_id="xuhui-b012",
            district="xuhui",
            reason="not employed in the industry",
        ),
        m.MemberRegistrationRequested(
            request_id="hr-42",
            branch_id="xuhui-b012",
            name="李四",
            national_id="110101199003071234",
            phone="13812345678",
            employer="某某物流有限公司",
            employment_type=m.EmploymentType.DISPATCHED,
        ),
        m.MemberRegistrationAnswered(
            request_id="hr-42",
            outcome=m.RegistrationOutcome.ACCEPTED,
            member_id=MEMBER,
            card_number="XH-000124",
        ),
        a.HardshipWorkerRegistered(
            record_id=RECORD,
            member_id=MEMBER,
            branch_id="xuhui-b012",
            district="xuhui",
            category=a.HardshipCategory.DEEP,
            causes=[a.HardshipCause.ILLNESS, a.HardshipCause.EDUCATION_COSTS],
            household_size=3,
            registered_on=DAY,
            review_due_on=date(2026, 3, 1),
        ),
        a.HardshipWorkerReviewed(
            record_id=RECORD,
            member_id=MEMBER,
            district="xuhui",
            category=a.HardshipCategory.RELATIVE,
            reviewed_on=date(2026, 3, 1),
            review_due_on=date(2027, 3, 1),
        ),
        a.HardshipWorkerExited(
            record_id=RECORD,
            member_id=MEMBER,
            district="xuhui",
            reason=a.HardshipExitReason.CIRCUMSTANCES_IMPROVED,
            exited_on=date(2026, 6, 1),
        ),
        a.AidRequested(
            case_id=CASE,
            member_id=MEMBER,
            aid_type=a.AidType.MEDICAL,
            amount_yuan=Decimal("3000.00"),
            district="xuhui",
            branch_id="xuhui-b012",
            requested_on=DAY,
            levels=[a.ApprovalLevel.BRANCH, a.ApprovalLevel.DISTRICT],
            trail=[STEP],
        ),
        a.AidApproved(
            case_id=CASE,
            member_id=MEMBER,
            district="xuhui",
            branch_id="xuhui-b012",
            level=a.ApprovalLevel.BRANCH,
            approved_amount_yuan=Decimal("2500"),
            next_level=a.ApprovalLevel.DISTRICT,
            trail=[STEP],
        ),
        a.AidReturned(
            case_id=CASE,
            member_id=MEMBER,
            district="xuhui",
            branch_id="xuhui-b012",
            level=a.ApprovalLevel.DISTRICT,
            comment="attach the hospital invoice",
            trail=[STEP],
        ),
        a.AidRejected(
            case_id=CASE,
            member_id=MEMBER,
            district="xuhui",
            branch_id="xuhui-b012",
            reason="duplicate",
            level=a.ApprovalLevel.DISTRICT,
            trail=[STEP],
        ),
        a.AidGranted(
            case_id=CASE,
            member_id=MEMBER,
            aid_type=a.AidType.MEDICAL,
            amount_yuan=Decimal("2500.00"),
            district="xuhui",
            branch_id="xuhui-b012",
            fund="xuhui:2025:medical",
            budget_year=2025,
            trail=[STEP],
        ),
        a.AidDisbursed(
            case_id=CASE,
            member_id=MEMBER,
            district="xuhui",
            amount_yuan=Decimal("2500.00"),
            disbursed_on=DAY,
            channel=a.DisbursementChannel.BANK_TRANSFER,
            batch_id=BATCH,
        ),
        a.AidPaymentFailed(
            case_id=CASE, member_id=MEMBER, district="xuhui", batch_id=BATCH, reason="account closed"
        ),
        a.AidCaseCancelled(
            case_id=CASE,
            member_id=MEMBER,
            district="xuhui",
            reason="expired",
            released_yuan=Decimal("2500.00"),
            trail=[STEP],
        ),
        a.AidCaseEscalated(
            case_id=CASE,
            district="xuhui",
            branch_id="xuhui-b012",
            from_level=a.ApprovalLevel.BRANCH,
            to_level=a.ApprovalLevel.DISTRICT,
            waiting_since=datetime(2025, 3, 1, 8, 0, tzinfo=UTC),
        ),
        a.AidCaseFlagged(
            case_id=CASE, member_id=MEMBER, district="xuhui", branch_id="xuhui-b012", reason="member_left"
        ),
        a.AidServiceCompleted(
            case_id=CASE,
            member_id=MEMBER,
            district="xuhui",
            aid_type=a.AidType.LEGAL,
            outcome=a.ServiceOutcome.RESOLVED,
            completed_on=DAY,
            trail=[STEP],
        ),
        a.DistrictBudgetAllocated(
            district="xuhui",
            year=2025,
            aid_type=a.AidType.LIVING,
            amount_yuan=Decimal("1200000.00"),
            allocated_total_yuan=Decimal("1200000.00"),
        ),
        a.RightsAppealFiled(
            appeal_id=RECORD,
            case_id=CASE,
            district="xuhui",
            branch_id="xuhui-b012",
            member_id=MEMBER,
            issue=a.RightsIssue.WAGE_ARREARS,
            employer="上海某建筑劳务有限公司",
            industry="construction",
            workers_affected=12,
            filed_on=DAY,
        ),
        c.CampaignLaunched(
            campaign_id=CAMPAIGN,
            kind=c.CampaignKind.SUMMER_COOLING,
            title="夏送清凉",
            districts=["xuhui", "pudong"],
            industries=[],
            starts_on=date(2025, 7, 1),
            ends_on=date(2025, 8, 31),
        ),
        c.CampaignLaunched(
            campaign_id=CAMPAIGN,
            kind=c.CampaignKind.GOLDEN_AUTUMN,
            title="金秋助学",
            districts=["xuhui"],
            industries=["logistics"],
            starts_on=date(2025, 8, 1),
            ends_on=date(2025, 9, 30),
            audience=c.AudienceRule(
                districts=["xuhui"],
                industries=["logistics"],
                employment_types=[m.EmploymentType.MIGRANT],
                min_age=18,
                max_age=45,
                hardship=c.HardshipFilter.REGISTERED,
            ),
            audience_size=412,
            capacity=300,
        ),
        c.CampaignScheduled(
            campaign_id=CAMPAIGN,
            kind=c.CampaignKind.SUMMER_COOLING,
            title="夏送清凉",
            starts_on=date(2025, 7, 1),
            ends_on=date(2025, 8, 31),
        ),
        c.AudienceTargeted(campaign_id=CAMPAIGN, district="xuhui", chunk=1, chunks=1, member_ids=[MEMBER]),
        c.CampaignClosed(campaign_id=CAMPAIGN, closed_on=date(2025, 9, 1), participants=830),
        c.CampaignClosed(
            campaign_id=CAMPAIGN,
            closed_on=date(2025, 9, 1),
            participants=300,
            results=c.CampaignResults(
                targeted=412,
                enrolled=300,
                waitlisted=12,
                reached=1200,
                deliveries=4,
                proposals=0,
                proposals_adopted=0,
                survey_responses=0,
                honours=0,
                by_district=[c.DistrictReach(district="xuhui", targeted=412, enrolled=300, reached=1200)],
            ),
        ),
        c.CampaignCancelled(campaign_id=CAMPAIGN, reason="台风预警，活动取消"),
        c.ParticipantEnrolled(
            campaign_id=CAMPAIGN, member_id=MEMBER, district="xuhui", branch_id="xuhui-b012"
        ),
        c.ParticipantWaitlisted(campaign_id=CAMPAIGN, member_id=MEMBER, district="xuhui", position=3),
        c.ParticipantWithdrew(campaign_id=CAMPAIGN, member_id=MEMBER, district="xuhui", was_enrolled=True),
        c.DeliveryRecorded(
            delivery_id=CASE,
            campaign_id=CAMPAIGN,
            district="xuhui",
            branch_id="xuhui-b012",
            site="徐汇滨江工地",
            items="200 份清凉包",
            workers_reached=200,
            delivered_on=date(2025, 7, 15),
        ),
        c.ProposalReviewed(
            proposal_id=CASE,
            campaign_id=CAMPAIGN,
            member_id=MEMBER,
            district="xuhui",
            outcome=c.ProposalOutcome.ADOPTED,
            award="二等奖",
        ),
        c.CompetitionRanked(
            campaign_id=CAMPAIGN,
            ranking=[c.RankedEntry(rank=1, member_id=MEMBER, score="96.50", award="一等奖")],
        ),
        c.SurveyAnswered(campaign_id=CAMPAIGN, member_id=MEMBER, district="xuhui"),
        c.ProposalSubmitted(
            proposal_id=CASE,
            member_id=MEMBER,
            branch_id="xuhui-b012",
            district="xuhui",
            kind=c.ProposalKind.RATIONALISATION,
            title="分拣线节能改造",
        ),
        c.HonourAwarded(
            honour=c.Honour.WORKER_PIONEER,
            recipient_id="分拣一班",
            district="xuhui",
            awarded_on=date(2025, 5, 1),
        ),
        n.NotificationDelivered(
            notification_id=CASE,
            recipient_id=str(MEMBER),
            channel=n.Channel.SMS,
            template="aid.granted",
            caused_by=CAMPAIGN,
            delivered_at=datetime(2025, 3, 1, 8, 30, tzinfo=UTC),
            attempts=1,
        ),
        n.NotificationFailed(
            notification_id=CASE,
            recipient_id=str(MEMBER),
            channel=n.Channel.WEBHOOK,
            template="aid.granted",
            caused_by=CAMPAIGN,
            reason="HTTP 503",
            attempts=5,
            dead_lettered=True,
        ),
        n.AudienceNotified(
            campaign_id=CAMPAIGN,
            district="xuhui",
            chunk=1,
            channel=n.Channel.IN_APP,
            notified=998,
            skipped=2,
            caused_by=CASE,
        ),
        m.MemberContactPoints(
            member_id=MEMBER,
            branch_id="xuhui-b012",
            district="xuhui",
            sealed="AQID",
            key_id="dev-1",
            has_phone=True,
            has_email=False,
        ),
        m.MemberContactPointsWithdrawn(member_id=MEMBER, reason=m.ContactWithdrawalReason.ERASED),
        m.MemberErased(
            member_id=MEMBER, branch_id="xuhui-b012", district="xuhui", erased_on=date(2026, 11, 28)
        ),
    ]


@pytest.fixture
def events() -> list[Event]:
    return sample_events()
