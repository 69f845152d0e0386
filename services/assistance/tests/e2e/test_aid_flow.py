"""An aid case end to end over the real broker and database: membership's MemberJoined builds the
member view, the case climbs every level its amount needs, AidGranted carries the trail, and the
fund's ledger shows the reservation."""

from __future__ import annotations

from decimal import Decimal

from assistance_testkit import new_district


async def test_case_climbs_every_level_and_is_granted_with_its_trail(assistance_service) -> None:
    district = new_district()
    async with assistance_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member = await svc.member(district, branch)
        await svc.allocate(district, "medical", "50000.00")

        applied = await svc.apply(member, "medical", "12000.50", svc.branch_officer(district, branch))
        assert applied.status_code == 201, applied.text
        case = applied.json()
        assert case["levels"] == ["branch", "district", "federation"]
        assert case["fund_check"]["required_yuan"] == "12000.50"
        assert case["fund_check"]["shortage_yuan"] == "0.00"
        case_id = case["case_id"]

        # Out of turn: the district cannot decide while the case waits at the branch.
        early = await svc.decide(case_id, "approve", svc.district_officer(district))
        assert early.status_code == 422 and "branch level" in early.text

        for headers in (svc.branch_officer(district, branch), svc.district_officer(district), svc.admin):
            r = await svc.decide(case_id, "approve", headers, comment="材料齐全")
            assert r.status_code == 200, r.text
        granted = r.json()
        assert granted["status"] == "granted" and granted["reserved_yuan"] == "12000.50"
        assert [s["decision"] for s in granted["trail"]] == ["requested", "approved", "approved", "approved"]

        fund = await svc.fund(district, "medical")
        assert fund["reserved_yuan"] == Decimal("12000.50")
        assert fund["available_yuan"] == Decimal("50000.00") - Decimal("12000.50")

        (event,) = await svc.events.wait("AidGranted", case_id=case_id)
        assert event.data["amount_yuan"] == "12000.50"
        assert event.data["fund"] == f"{district}:{event.data['budget_year']}:medical"
        trail = event.data["trail"]
        assert [(s["level"], s["decision"], s["actor_role"]) for s in trail[1:]] == [
            ("branch", "approved", "branch_officer"),
            ("district", "approved", "district_officer"),
            ("federation", "approved", "federation_admin"),
        ]
        assert trail[1]["actor"] == f"bo-{branch}" and trail[1]["comment"] == "材料齐全"
        approvals = await svc.events.wait("AidApproved", 3, case_id=case_id)
        assert all(
            "家庭困难" not in r.value.decode() for r in svc.events.records
        )  # the description stays here
        assert [a.data["next_level"] for a in approvals] == ["district", "federation", None]
