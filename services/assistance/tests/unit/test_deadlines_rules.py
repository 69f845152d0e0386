"""When a case is due for escalation or expiry (the rule the loop re-checks on the locked row)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from assistance.domain.case import Actor, AidCase, CaseStatus
from assistance.handlers.deadlines import escalation_due, expiry_due
from unionfed_events.assistance import AidType, ApprovalLevel

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SERVICE = Actor("/unionfed/assistance", "service")
WAIT = timedelta(hours=72)


def pending_case() -> AidCase:
    case = AidCase(
        case_id=uuid.uuid4(),
        member_id=uuid.uuid4(),
        district="d1",
        branch_id="d1-b1",
        aid_type=AidType.MEDICAL,
        origin="application",
        status=CaseStatus.PENDING,
        requested_cents=100_000,
        budget_year=2026,
        levels=[ApprovalLevel.BRANCH],
        requested_on=date(2026, 1, 5),
    )
    return AidCase.open(case, SERVICE, T0)


def test_a_case_escalates_once_per_level_then_the_federation_is_alerted_once() -> None:
    case = pending_case()
    assert not escalation_due(case, T0 + WAIT - WAIT)  # not waited long enough
    seen = []
    at = T0
    for _ in range(5):
        at += WAIT + timedelta(minutes=1)
        if escalation_due(case, at - WAIT):
            seen.append(case.escalate(SERVICE, at)[:2])
    assert seen == [
        (ApprovalLevel.BRANCH, ApprovalLevel.DISTRICT),
        (ApprovalLevel.DISTRICT, ApprovalLevel.FEDERATION),
        (ApprovalLevel.FEDERATION, ApprovalLevel.FEDERATION),
    ]
    assert case.current_level is ApprovalLevel.FEDERATION


def test_only_a_grant_past_its_time_expires() -> None:
    case = pending_case()
    assert not expiry_due(case, T0 + timedelta(days=365))
    case.status, case.granted_at = CaseStatus.GRANTED, T0
    assert not expiry_due(case, T0)
    assert expiry_due(case, T0 + timedelta(seconds=1))
