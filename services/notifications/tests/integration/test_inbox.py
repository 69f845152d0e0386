"""The in-app inbox over HTTP with member and officer tokens: listing (newest first, rendered in
the reader's language with the member view's name), filters, unread count, marking read; nobody
sees or touches another's messages (404, as for an id that does not exist)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from inbox_rows import deliver_in_app
from notifications.adapters.orm import notifications
from notifications_testkit import Notifications, new_district
from unionfed_devstack.testing import wait_for


async def planned_welcome(svc: Notifications, member_id: uuid.UUID) -> uuid.UUID:
    """The in-app welcome planning wrote for the member's MemberJoined."""

    async def found() -> uuid.UUID | None:
        async with svc.engine.connect() as conn:
            return await conn.scalar(
                sa.select(notifications.c.notification_id).where(
                    notifications.c.recipient_id == str(member_id), notifications.c.channel == "in_app"
                )
            )

    found_id: uuid.UUID = await wait_for(found)
    return found_id


async def test_a_member_lists_counts_and_marks_their_inbox(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member_id = await svc.member(district, branch)
        me, rid = svc.member_token(member_id), str(member_id)
        welcome = await planned_welcome(svc, member_id)  # planning's own, from the MemberJoined
        first = (await deliver_in_app(svc.engine, [rid]))[0]
        aid = (await deliver_in_app(svc.engine, [rid], category="aid", critical=True))[0]
        newest = (await deliver_in_app(svc.engine, [rid]))[0]
        await deliver_in_app(svc.engine, [rid], channel="email", status="pending")  # not in-app
        await deliver_in_app(svc.engine, [rid], status="suppressed")  # not delivered

        listing = (await svc.client.get("/me/inbox", headers=me)).json()
        assert [i["notification_id"] for i in listing["items"]] == [
            str(newest),
            str(aid),
            str(first),
            str(welcome),
        ]
        assert listing["total"] == 4
        item = listing["items"][0]
        assert item["title"] == "欢迎加入工会，测试会员"
        assert "测试支部工会" in item["body"] and item["read_at"] is None
        assert item["event_type"] == "unionfed.membership.MemberJoined"
        assert (await svc.client.get("/me/inbox/unread-count", headers=me)).json() == {"unread": 4}

        by_category = (await svc.client.get("/me/inbox", params={"category": "aid"}, headers=me)).json()
        assert [i["notification_id"] for i in by_category["items"]] == [str(aid)]
        assert by_category["items"][0]["critical"] is True

        marked = await svc.client.post(f"/me/inbox/{first}/read", headers=me)
        assert marked.status_code == 200
        again = await svc.client.post(f"/me/inbox/{first}/read", headers=me)
        assert again.json()["read_at"] == marked.json()["read_at"]  # the first reading's time stays
        unread = (await svc.client.get("/me/inbox", params={"unread": True}, headers=me)).json()
        assert {i["notification_id"] for i in unread["items"]} == {str(aid), str(newest), str(welcome)}
        assert (await svc.client.get("/me/inbox/unread-count", headers=me)).json() == {"unread": 3}

        assert (await svc.client.post("/me/inbox/read-all", headers=me)).json() == {"marked": 3}
        assert (await svc.client.get("/me/inbox/unread-count", headers=me)).json() == {"unread": 0}

        paged = (await svc.client.get("/me/inbox", params={"page": 2, "page_size": 2}, headers=me)).json()
        assert [i["notification_id"] for i in paged["items"]] == [str(first), str(welcome)]


async def test_the_inbox_speaks_the_language_the_member_chose(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member_id = await svc.member(district, branch)
        me = svc.member_token(member_id)
        await deliver_in_app(svc.engine, [str(member_id)])
        chosen = await svc.client.put("/me/preferences", json={"language": "en"}, headers=me)
        assert chosen.status_code == 200
        item = (await svc.client.get("/me/inbox", headers=me)).json()["items"][0]
        assert item["title"] == "Welcome to the union, 测试会员"


async def test_a_message_whose_template_fails_stays_listed_without_a_500(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district]) as svc:
        member_id = uuid.uuid4()
        await deliver_in_app(svc.engine, [str(member_id)], params={"card_number": "T-1"})  # no branch_name
        response = await svc.client.get("/me/inbox", headers=svc.member_token(member_id))
        assert response.status_code == 200
        assert response.json()["items"][0]["title"] == "unionfed.membership.MemberJoined"


async def test_no_one_sees_or_marks_another_members_messages(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district]) as svc:
        owner, other = uuid.uuid4(), uuid.uuid4()
        mine = (await deliver_in_app(svc.engine, [str(owner)]))[0]
        intruder = svc.member_token(other)
        assert (await svc.client.get("/me/inbox", headers=intruder)).json()["total"] == 0
        assert (await svc.client.get("/me/inbox/unread-count", headers=intruder)).json() == {"unread": 0}
        refused = await svc.client.post(f"/me/inbox/{mine}/read", headers=intruder)
        unknown = await svc.client.post(f"/me/inbox/{uuid.uuid4()}/read", headers=intruder)
        assert refused.status_code == unknown.status_code == 404
        assert refused.json() == unknown.json()  # the answer does not tell that it exists
        assert (await svc.client.post("/me/inbox/read-all", headers=intruder)).json() == {"marked": 0}
        # An officer whose subject is the member's id reads officer rows only.
        twin = svc.token("district_officer", district=district, subject=str(owner))
        assert (await svc.client.get("/me/inbox", headers=twin)).json()["total"] == 0
        owner_view = (await svc.client.get("/me/inbox", headers=svc.member_token(owner))).json()
        assert owner_view["items"][0]["read_at"] is None


async def test_officers_read_their_own_alerts_and_other_roles_are_refused(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district]) as svc:
        officer = svc.district_officer(district)
        alert = (await deliver_in_app(svc.engine, [f"do-{district}"], kind="officer", category="alert"))[0]
        listing = (await svc.client.get("/me/inbox", headers=officer)).json()
        assert [i["notification_id"] for i in listing["items"]] == [str(alert)]
        assert (await svc.client.post(f"/me/inbox/{alert}/read", headers=officer)).status_code == 200
        assert (await svc.client.get("/me/inbox", headers=svc.token("operator"))).status_code == 403
        assert (await svc.client.get("/me/inbox")).status_code == 401
        bad = await svc.client.post("/me/inbox/not-an-id/read", headers=officer)
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["path", "notification_id"]
