"""Two real services over one broker: a member registered in membership is seen by assistance
through membership's own events, is helped there, and their leaving flags the open case."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "services/membership/tests"), str(ROOT / "services/assistance/tests")]

from assistance_testkit import new_district, start_assistance  # noqa: E402
from membership_testkit import person_id, phone, start_service  # noqa: E402


async def test_a_member_joined_in_membership_is_helped_in_assistance(
    make_database, kafka_bootstrap: str, kafka_idempotence: bool
) -> None:  # type: ignore[no-untyped-def]
    district = new_district("x")
    async with (
        start_service([district], make_database, kafka_bootstrap, kafka_idempotence) as membership,
        start_assistance([district], make_database, kafka_bootstrap, kafka_idempotence) as assistance,
    ):
        branch = await membership.create_branch(district, auto_approve=False)
        person = {
            "name": "李娜",
            "national_id": person_id(4242),
            "phone": phone(4242),
            "employer": "上海某建筑劳务有限公司",
            "employment_type": "migrant",
        }
        joined = await membership.client.post(
            f"/branches/{branch}/members", json=person, headers=membership.admin
        )
        assert joined.status_code == 201, joined.text
        member_id = joined.json()["member_id"]

        await assistance.wait_member(member_id, "active")
        seen = (await assistance.client.get(f"/members/{member_id}", headers=assistance.admin)).json()
        assert (seen["branch_id"], seen["district"], seen["name"]) == (branch, district, "李娜")
        assert seen["industry"] == "logistics"  # from BranchEstablished, which membership published first

        await assistance.allocate(district, "medical", "20000.00")
        officer = assistance.branch_officer(district, branch)
        applied = await assistance.apply(member_id, "medical", "3000.00", officer)
        assert applied.status_code == 201, applied.text
        case_id = applied.json()["case_id"]
        for headers in (officer, assistance.district_officer(district)):
            assert (await assistance.decide(case_id, "approve", headers)).status_code == 200
        (granted,) = await assistance.events.wait("AidGranted", case_id=case_id)
        assert granted.headers["ce_source"] == "/unionfed/assistance"
        assert granted.data["member_id"] == member_id

        second = await assistance.apply(member_id, "legal", None, officer)
        assert second.status_code == 201
        left = await membership.client.post(
            f"/members/{member_id}/leave", json={"reason": "resigned"}, headers=membership.admin
        )
        assert left.status_code == 200, left.text
        await assistance.wait_member(member_id, "left")
        flagged = await assistance.events.wait("AidCaseFlagged", 2)
        assert {f.data["case_id"] for f in flagged} == {case_id, second.json()["case_id"]}
