"""The other roads an aid case takes: rejection, revision, a leaving member, service cases,
and refusals that name their rule and change nothing."""

from __future__ import annotations

from decimal import Decimal

from assistance_testkit import new_district


async def test_rejection_releases_the_reservation_and_travels_with_its_reason(assistance_service) -> None:
    district = new_district()
    async with assistance_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member = await svc.member(district, branch)
        await svc.allocate(district, "medical", "10000.00")
        case_id = (
            await svc.apply(member, "medical", "5000.00", svc.branch_officer(district, branch))
        ).json()["case_id"]
        await svc.decide(case_id, "approve", svc.branch_officer(district, branch), amount_yuan="4000.00")
        assert (await svc.fund(district, "medical"))["reserved_yuan"] == Decimal("4000.00")

        no_reason = await svc.decide(case_id, "reject", svc.district_officer(district))
        assert no_reason.status_code == 422 and no_reason.json()["detail"][0]["loc"] == ["body", "comment"]
        r = await svc.decide(case_id, "reject", svc.district_officer(district), comment="已获其他救助")
        assert r.status_code == 200 and r.json()["status"] == "rejected", r.text
        fund = await svc.fund(district, "medical")
        assert fund["reserved_yuan"] == 0 and fund["available_yuan"] == Decimal("10000.00")
        (rejected,) = await svc.events.wait("AidRejected", case_id=case_id)
        assert rejected.data["reason"] == "已获其他救助" and rejected.data["level"] == "district"
        assert rejected.data["trail"][-1]["decision"] == "rejected"


async def test_a_returned_case_resumes_at_the_level_that_returned_it(assistance_service) -> None:
    district = new_district()
    async with assistance_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member = await svc.member(district, branch)
        await svc.allocate(district, "medical", "50000.00")
        officer = svc.branch_officer(district, branch)
        case_id = (await svc.apply(member, "medical", "15000.00", officer)).json()["case_id"]
        await svc.decide(case_id, "approve", officer)
        returned = await svc.decide(
            case_id, "return", svc.district_officer(district), comment="请补充住院发票"
        )
        assert returned.json()["status"] == "returned", returned.text
        (event,) = await svc.events.wait("AidReturned", case_id=case_id)
        assert event.data["comment"] == "请补充住院发票"

        # Revised down to 8,000: only branch and district are needed now, and it waits at district again.
        body = {"amount_yuan": "8000.00", "comment": "已补充发票"}
        r = await svc.client.post(f"/cases/{case_id}/resubmission", json=body, headers=officer)
        assert r.status_code == 200, r.text
        case = r.json()
        assert (case["status"], case["current_level"]) == ("pending", "district")
        assert case["levels"] == ["branch", "district"] and case["reserved_yuan"] == "8000.00"
        final = await svc.decide(case_id, "approve", svc.district_officer(district))
        assert final.json()["status"] == "granted", final.text
        (granted,) = await svc.events.wait("AidGranted", case_id=case_id)
        assert granted.data["amount_yuan"] == "8000.00"
        assert (await svc.fund(district, "medical"))["reserved_yuan"] == Decimal("8000.00")


async def test_a_member_who_leaves_has_open_cases_flagged_not_dropped(assistance_service) -> None:
    district = new_district()
    async with assistance_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member = await svc.member(district, branch)
        await svc.allocate(district, "medical", "10000.00")
        officer = svc.branch_officer(district, branch)
        case_id = (await svc.apply(member, "medical", "1000.00", officer)).json()["case_id"]
        await svc.decide(case_id, "approve", officer)

        await svc.feed.leave(district, branch, member)
        await svc.wait_member(member, "left")
        (flagged,) = await svc.events.wait("AidCaseFlagged", case_id=case_id)
        assert flagged.data["reason"] == "member_left"
        listed = await svc.client.get(
            "/cases", params={"flagged": "true", "district": district}, headers=svc.admin
        )
        assert [c["case_id"] for c in listed.json()["items"]] == [case_id]
        case = (await svc.client.get(f"/cases/{case_id}", headers=officer)).json()
        assert (case["status"], case["flag"]) == ("granted", "member_left")

        body = {"action": "cancel", "comment": "会员已离会，经核实取消"}
        r = await svc.client.post(
            f"/cases/{case_id}/flag-resolution", json=body, headers=svc.district_officer(district)
        )
        assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
        assert (await svc.fund(district, "medical"))["available_yuan"] == Decimal("10000.00")
        (cancelled,) = await svc.events.wait("AidCaseCancelled", case_id=case_id)
        assert cancelled.data["released_yuan"] == "1000.00"


async def test_a_service_case_goes_to_a_caseworker_and_closes_with_an_outcome(assistance_service) -> None:
    district = new_district()
    async with assistance_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member = await svc.member(district, branch)
        officer = svc.branch_officer(district, branch)
        with_amount = await svc.apply(member, "legal", "100.00", officer)
        assert with_amount.status_code == 422 and with_amount.json()["detail"][0]["loc"] == [
            "body",
            "amount_yuan",
        ]
        case_id = (await svc.apply(member, "legal", None, officer)).json()["case_id"]
        assert (await svc.decide(case_id, "approve", officer)).json()["status"] == "in_service"
        early = await svc.client.post(
            f"/cases/{case_id}/completion", json={"outcome": "resolved"}, headers=officer
        )
        assert early.status_code == 422 and "caseworker" in early.text
        r = await svc.client.put(
            f"/cases/{case_id}/caseworker", json={"caseworker": "lawyer-7"}, headers=officer
        )
        assert r.status_code == 200, r.text
        r = await svc.client.post(
            f"/cases/{case_id}/completion", json={"outcome": "resolved"}, headers=officer
        )
        assert r.json()["status"] == "completed", r.text
        (done,) = await svc.events.wait("AidServiceCompleted", case_id=case_id)
        assert done.data["outcome"] == "resolved"
        (granted,) = await svc.events.wait("AidGranted", case_id=case_id)
        assert granted.data["amount_yuan"] == "0.00" and granted.data["fund"] is None


async def test_refusals_name_their_rule_and_change_nothing(assistance_service) -> None:
    district = new_district()
    async with assistance_service([district], cap_medical_yuan="3000") as svc:
        branch = await svc.feed.branch(district)
        member = await svc.member(district, branch)
        officer = svc.branch_officer(district, branch)

        async def rule_of(aid_type: str, amount: str | None) -> str:
            r = await svc.apply(member, aid_type, amount, officer)
            assert r.status_code == 422, r.text
            return str(r.json()["detail"][0]["rule"])

        assert await rule_of("living", "500.00") == "hardship_registered"
        assert await rule_of("education", "500.00") == "education_window"
        assert await rule_of("mutual_aid", "500.00") == "mutual_aid_enrolled"
        assert await rule_of("medical", "3000.01") == "yearly_cap"
        assert (await svc.apply(member, "medical", "2000.00", officer)).status_code == 201
        assert await rule_of("medical", "500.00") == "one_open_case"
        cases = await svc.client.get("/cases", params={"member_id": str(member)}, headers=svc.admin)
        assert cases.json()["total"] == 1

        other_branch = await svc.feed.branch(district)
        foreign = await svc.apply(member, "medical", "1.00", svc.branch_officer(district, other_branch))
        assert foreign.status_code == 403
        service_case = await svc.apply(member, "consultation", None, officer)
        assert service_case.status_code == 201  # services have no cap and no fund
        bad_amount = await svc.client.post(
            "/cases",
            json={"member_id": str(member), "aid_type": "medical", "amount_yuan": "1.005"},
            headers=officer,
        )
        assert bad_amount.status_code == 422 and bad_amount.json()["detail"][0]["loc"][-1] == "amount_yuan"
        assert "1.005" not in bad_amount.text
