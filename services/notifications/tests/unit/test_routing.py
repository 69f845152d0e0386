"""Who an event reaches, on which channels, in what order: the routing table and planning's
choices, without a database."""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime, time
from pathlib import Path

from notifications.adapters.planning_store import MemberFacts, Officer
from notifications.domain.model import Category, Channel, Priority, RecipientKind
from notifications.domain.preferences import Preferences
from notifications.domain.routing import Officers, routes_for
from notifications.handlers.planning import Facts, Recipient, recipients, rows_for
from unionfed_events import assistance as aev
from unionfed_events import membership as mev
from unionfed_events.reader import reader_class

sys.path.insert(0, str(Path(__file__).parent))
from test_templates import CASE, sample_events

NOW = datetime(2026, 3, 1, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai


def by_template() -> dict[str, list[object]]:
    found: dict[str, list[object]] = {}
    for event in sample_events():
        for route in routes_for(event):  # type: ignore[arg-type]
            found.setdefault(route.template, []).append(route)
    return found


def test_decisions_about_the_members_own_case_are_critical_and_nothing_else_is() -> None:
    critical = {t for t, rs in by_template().items() if any(r.critical for r in rs)}  # type: ignore[attr-defined]
    assert critical == {"aid_decision_granted", "aid_decision_rejected", "aid_returned"}
    for template, routes in by_template().items():
        for r in routes:
            assert r.priority == (Priority.CRITICAL if r.critical else Priority.PERSONAL), template  # type: ignore[attr-defined]


def test_alerts_go_to_the_level_that_decides_next() -> None:
    alerts = [r for r in by_template()["alert_aid_to_decide"]]
    units = {r.params["why"]: r.officers for r in alerts}  # type: ignore[attr-defined]
    assert units == {
        "requested": Officers("branch", "xuhui", "b-1"),
        "approved": Officers("district", "xuhui"),
        "escalated": Officers("federation"),
    }
    assert all(r.category == Category.ALERT and r.member_id is None for r in alerts)  # type: ignore[attr-defined]


def test_parameters_carry_no_name_and_no_id_number() -> None:
    for routes in by_template().values():
        for r in routes:
            text = str(r.params)  # type: ignore[attr-defined]
            assert "张三丰" not in text and "1101" not in text


def test_events_that_tell_no_one_route_nowhere() -> None:
    m = uuid.uuid4()
    final = aev.AidApproved(
        case_id=CASE,
        member_id=m,
        district="xuhui",
        branch_id="b-1",
        level=aev.ApprovalLevel.DISTRICT,
        approved_amount_yuan=None,
        next_level=None,
        trail=[],
    )
    deceased = mev.MemberLeft(
        member_id=m, branch_id="b-1", district="xuhui", reason=mev.LeaveReason.DECEASED, left_on=NOW.date()
    )
    assert routes_for(final) == [] and routes_for(deceased) == []


def test_the_consumers_tolerant_reader_subclass_routes_like_the_contract() -> None:
    event = next(e for e in sample_events() if isinstance(e, aev.AidGranted))
    tolerant = reader_class(aev.AidGranted).model_validate(event.model_dump())
    assert [r.template for r in routes_for(tolerant)] == ["aid_decision_granted"]


def facts(**kw: object) -> Facts:
    return Facts(
        members=kw.get("members", {}),  # type: ignore[arg-type]
        reach=kw.get("reach", {}),  # type: ignore[arg-type]
        officers=kw.get("officers", []),  # type: ignore[arg-type]
        preferences={},
        branch_names={},
    )


def test_left_and_erased_members_get_nothing_but_the_leaving_message() -> None:
    routes = by_template()  # one sample member throughout
    welcome, left_message = routes["welcome"][0], routes["left"][0]
    m = welcome.member_id  # type: ignore[attr-defined]
    gone = facts(members={m: MemberFacts(left=True, erased=False)})
    erased = facts(members={m: MemberFacts(left=True, erased=True)})
    assert recipients(welcome, gone) == []  # type: ignore[arg-type]
    assert [r.id for r in recipients(left_message, gone)] == [str(left_message.member_id)]  # type: ignore[arg-type, attr-defined]
    assert recipients(left_message, erased) == []  # type: ignore[arg-type]
    unknown = recipients(welcome, facts())  # type: ignore[arg-type]
    assert unknown == [Recipient(RecipientKind.MEMBER, str(m), [Channel.IN_APP])]  # not in the view yet: sent


def test_officers_get_alerts_in_app_and_on_their_sealed_contacts_or_in_a_digest() -> None:
    alert = by_template()["alert_aid_to_decide"][0]
    registered = [
        Officer("bo-1", "branch_officer", "xuhui", "b-1", True, "daily"),
        Officer("bo-2", "branch_officer", "xuhui", "b-1", False, "none"),
        Officer("bo-3", "branch_officer", "xuhui", "b-9", True, "none"),
        Officer("do-1", "district_officer", "xuhui", None, True, "none"),
    ]
    found = recipients(alert, facts(officers=registered))  # type: ignore[arg-type]
    assert [(r.id, r.reachable, r.digest) for r in found] == [
        ("bo-1", [Channel.IN_APP, Channel.EMAIL, Channel.SMS], True),
        ("bo-2", [Channel.IN_APP], False),
    ]
    rows = rows_for(alert, found[0], Preferences(), uuid.uuid4(), uuid.uuid4(), NOW)  # type: ignore[arg-type]
    assert [(r["channel"], r["status"]) for r in rows] == [("in_app", "delivered"), ("email", "digest")]
    in_app_only = Preferences(channels={Category.ALERT: frozenset({Channel.IN_APP})})
    rows = rows_for(alert, found[0], in_app_only, uuid.uuid4(), uuid.uuid4(), NOW)  # type: ignore[arg-type]
    assert [(r["channel"], r["status"]) for r in rows] == [("in_app", "delivered")]  # nothing to digest


def test_channels_follow_preferences_quiet_hours_and_criticality() -> None:
    welcome = by_template()["welcome"][0]
    granted = by_template()["aid_decision_granted"][0]
    everywhere = Recipient(RecipientKind.MEMBER, "m", [Channel.IN_APP, Channel.EMAIL, Channel.SMS])
    prefs = Preferences(
        channels={Category.ACCOUNT: frozenset({Channel.IN_APP, Channel.SMS}), Category.AID: frozenset()},
        quiet_start=time(21, 0),
        quiet_end=time(7, 0),
    )
    cid, caused_by = uuid.uuid4(), uuid.uuid4()
    rows = {r["channel"]: r for r in rows_for(welcome, everywhere, prefs, cid, caused_by, NOW)}  # type: ignore[arg-type]
    assert set(rows) == {"in_app", "sms"}
    assert rows["in_app"]["status"] == "delivered" and rows["in_app"]["delivered_at"] == NOW
    assert rows["sms"]["status"] == "pending" and rows["sms"]["next_attempt_at"] == datetime(
        2026, 3, 1, 23, 0, tzinfo=UTC
    )
    critical = {r["channel"]: r for r in rows_for(granted, everywhere, prefs, cid, caused_by, NOW)}  # type: ignore[arg-type]
    assert set(critical) == {"in_app", "email", "sms"} and critical["sms"]["next_attempt_at"] == NOW
    assert {r["priority"] for r in critical.values()} == {0}
