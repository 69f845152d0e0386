"""The service's member view follows membership's events (the chassis' view, wired here)."""

from __future__ import annotations

from notifications_testkit import new_district


async def test_a_joined_member_is_in_the_view(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member_id = await svc.member(district, branch)
        response = await svc.client.get(f"/members/{member_id}", headers=svc.admin)
        assert response.status_code == 200
        assert response.json()["district"] == district
