"""What each event means for people, plain Python: which template, what category, whether it is
critical, in which order the dispatcher takes it, and for whom (the member it is about, or the
officers of the unit that must act). The table is in docs/architecture.md, "What is sent to whom".

Parameters hold only what the template needs from the event, as JSON values (dates as ISO strings,
money as exact decimal strings): never a person's name, phone, e-mail or ID number. The member's
name is added at render time from the member view; branch names are looked up by planning
(`branch_names`: parameter name -> branch id).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from unionfed_events import Event
from unionfed_events import assistance as aev
from unionfed_events import campaigns as cev
from unionfed_events import membership as mev

from notifications.domain.model import Category, Priority

ALERT_TEMPLATE = "alert_aid_to_decide"
DIGEST_TEMPLATE = "digest"


@dataclass(frozen=True)
class Officers:
    """The officers of one unit: `level` branch (its officers), district (the district union's
    officers) or federation (the federation's administrators)."""

    level: str
    district: str | None = None
    branch_id: str | None = None


@dataclass(frozen=True)
class Route:
    """One message an event causes, for one member or for the officers of one unit."""

    template: str
    category: Category
    params: dict[str, Any]
    district: str | None
    member_id: UUID | None = None
    officers: Officers | None = None
    critical: bool = False
    # Sent even though the member view already says the member left (the leaving message itself).
    about_leaving: bool = False
    branch_names: dict[str, str] = field(default_factory=dict)

    @property
    def priority(self) -> Priority:
        # BULK is the campaign fan-out's: every message here is one person's.
        return Priority.CRITICAL if self.critical else Priority.PERSONAL


def _short(case_id: UUID) -> str:
    """The reference a member or officer can quote: the first eight hex digits of the case id."""
    return case_id.hex[:8]


def _money(amount: Any) -> str | None:
    return None if amount is None else str(amount)


def _joined(e: mev.MemberJoined) -> list[Route]:
    params = {"card_number": e.card_number, "joined_on": e.joined_on.isoformat()}
    return [
        Route(
            "welcome",
            Category.ACCOUNT,
            params,
            e.district,
            member_id=e.member_id,
            branch_names={"branch_name": e.branch_id},
        )
    ]


def _transferred(e: mev.MemberTransferred) -> list[Route]:
    params = {"transferred_on": e.transferred_on.isoformat()}
    names = {"from_branch_name": e.from_branch_id, "to_branch_name": e.to_branch_id}
    return [
        Route("transfer", Category.ACCOUNT, params, e.to_district, member_id=e.member_id, branch_names=names)
    ]


def _left(e: mev.MemberLeft) -> list[Route]:
    if e.reason == mev.LeaveReason.DECEASED:  # nobody to tell; the family is not a recipient
        return []
    params = {"left_on": e.left_on.isoformat(), "reason": e.reason.value}
    return [
        Route(
            "left",
            Category.ACCOUNT,
            params,
            e.district,
            member_id=e.member_id,
            about_leaving=True,
            branch_names={"branch_name": e.branch_id},
        )
    ]


def _deciders(level: aev.ApprovalLevel, district: str, branch_id: str) -> Officers:
    """Who decides at `level`; a level this version does not know goes to the federation."""
    if level == aev.ApprovalLevel.BRANCH:
        return Officers("branch", district, branch_id)
    if level == aev.ApprovalLevel.DISTRICT:
        return Officers("district", district)
    return Officers("federation")


def _alert(
    why: str, case_id: UUID, district: str, branch_id: str, level: aev.ApprovalLevel, **more: Any
) -> Route:
    params = {"why": why, "case_ref": _short(case_id), "level": level.value, **more}
    return Route(
        ALERT_TEMPLATE,
        Category.ALERT,
        params,
        district,
        officers=_deciders(level, district, branch_id),
        branch_names={"branch_name": branch_id},
    )


def _aid_requested(e: aev.AidRequested) -> list[Route]:
    amount = _money(e.amount_yuan)
    receipt = Route(
        "aid_requested_member",
        Category.AID,
        {
            "case_ref": _short(e.case_id),
            "aid_type": e.aid_type.value,
            "amount": amount,
            "requested_on": e.requested_on.isoformat(),
        },
        e.district,
        member_id=e.member_id,
    )
    first = e.levels[0] if e.levels else aev.ApprovalLevel.BRANCH
    alert = _alert(
        "requested", e.case_id, e.district, e.branch_id, first, aid_type=e.aid_type.value, amount=amount
    )
    return [receipt, alert]


def _aid_approved(e: aev.AidApproved) -> list[Route]:
    if e.next_level is None:  # the final approval: AidGranted tells the member
        return []
    amount = _money(e.approved_amount_yuan)
    return [_alert("approved", e.case_id, e.district, e.branch_id, e.next_level, amount=amount)]


def _aid_escalated(e: aev.AidCaseEscalated) -> list[Route]:
    since = e.waiting_since.isoformat()
    return [_alert("escalated", e.case_id, e.district, e.branch_id, e.to_level, waiting_since=since)]


def _decision(template: str, e: Any, **params: Any) -> list[Route]:
    """A decision about the member's own case: critical (past opt-outs and quiet hours)."""
    params = {"case_ref": _short(e.case_id), **params}
    return [Route(template, Category.AID, params, e.district, member_id=e.member_id, critical=True)]


def _aid_granted(e: aev.AidGranted) -> list[Route]:
    amount = _money(e.amount_yuan) if e.amount_yuan else None  # a service is granted for 0
    return _decision("aid_decision_granted", e, aid_type=e.aid_type.value, amount=amount, fund=e.fund)


def _aid_rejected(e: aev.AidRejected) -> list[Route]:
    return _decision("aid_decision_rejected", e, level=e.level.value, reason=e.reason)


def _aid_returned(e: aev.AidReturned) -> list[Route]:
    return _decision("aid_returned", e, level=e.level.value, comment=e.comment)


def _aid_disbursed(e: aev.AidDisbursed) -> list[Route]:
    params = {
        "case_ref": _short(e.case_id),
        "amount": _money(e.amount_yuan),
        "disbursed_on": e.disbursed_on.isoformat(),
        "channel": e.channel.value,
    }
    return [Route("aid_disbursed", Category.AID, params, e.district, member_id=e.member_id)]


def _honour(e: cev.HonourAwarded) -> list[Route]:
    try:
        member_id = UUID(e.recipient_id)
    except ValueError:  # a team's honour: no one member to tell
        return []
    params = {"honour": e.honour.value, "awarded_on": e.awarded_on.isoformat()}
    return [Route("honour_awarded", Category.CAMPAIGN, params, e.district, member_id=member_id)]


def _enrolled(e: cev.ParticipantEnrolled) -> list[Route]:
    params = {"campaign_ref": e.campaign_id.hex[:8], "from_waiting_list": e.from_waiting_list}
    return [Route("participant_enrolled", Category.CAMPAIGN, params, e.district, member_id=e.member_id)]


def _waitlisted(e: cev.ParticipantWaitlisted) -> list[Route]:
    params = {"campaign_ref": e.campaign_id.hex[:8], "position": e.position}
    return [Route("participant_waitlisted", Category.CAMPAIGN, params, e.district, member_id=e.member_id)]


ROUTES: dict[type[Event], Callable[[Any], list[Route]]] = {
    mev.MemberJoined: _joined,
    mev.MemberTransferred: _transferred,
    mev.MemberLeft: _left,
    aev.AidRequested: _aid_requested,
    aev.AidApproved: _aid_approved,
    aev.AidCaseEscalated: _aid_escalated,
    aev.AidGranted: _aid_granted,
    aev.AidRejected: _aid_rejected,
    aev.AidReturned: _aid_returned,
    aev.AidDisbursed: _aid_disbursed,
    cev.HonourAwarded: _honour,
    cev.ParticipantEnrolled: _enrolled,
    cev.ParticipantWaitlisted: _waitlisted,
}


def routes_for(event: Event) -> list[Route]:
    """The messages `event` causes; none for an event that tells no one anything. The consumer's
    tolerant reader gives a subclass of the contract's class, hence the walk up its classes."""
    for cls in type(event).__mro__:
        route = ROUTES.get(cls)
        if route is not None:
            return route(event)
    return []
