"""Payment batches over the real database and broker: granted aid is batched, the file finance
imports verifies, confirmations move the fund from reserved to spent (paid) or keep it reserved
(failed, paid in the next batch), concurrent batch creations never share a case, and bad
confirmations are refused naming the field without changing anything."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from assistance.adapters import payments_store
from assistance.domain.payment_file import verify
from assistance_testkit import Assistance, new_district


async def granted_case(svc: Assistance, district: str, branch: str, amount: str) -> str:
    """A new member's medical aid, approved by the branch (the amount needs no more)."""
    member = await svc.member(district, branch)
    applied = await svc.apply(member, "medical", amount, svc.branch_officer(district, branch))
    assert applied.status_code == 201, applied.text
    case_id = str(applied.json()["case_id"])
    decided = await svc.decide(case_id, "approve", svc.branch_officer(district, branch))
    assert decided.status_code == 200 and decided.json()["status"] == "granted", decided.text
    return case_id


async def ledger(svc: Assistance, district: str) -> list[dict[str, Any]]:
    r = await svc.client.get(f"/funds/{district}/{date.today().year}/medical/ledger", headers=svc.admin)
    assert r.status_code == 200, r.text
    entries = r.json()["items"]
    for e in entries:  # the auditor's identity holds after every movement
        allocated, reserved, spent, available = (
            Decimal(e[f"{k}_after_yuan"]) for k in ("allocated", "reserved", "spent", "available")
        )
        assert allocated == reserved + spent + available
    return list(entries)


async def case_of(svc: Assistance, case_id: str) -> dict[str, Any]:
    r = await svc.client.get(f"/cases/{case_id}", headers=svc.admin)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def new_batch(svc: Assistance, district: str) -> dict[str, Any]:
    r = await svc.client.post(
        "/payment-batches", json={"district": district}, headers=svc.district_officer(district)
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def confirm(svc: Assistance, district: str, batch_id: str, *entries: dict[str, Any]) -> Any:
    return await svc.client.post(
        f"/payment-batches/{batch_id}/confirmations",
        json=list(entries),
        headers=svc.district_officer(district),
    )


async def test_batch_file_paid_and_failed_then_retried_in_the_next_batch(assistance_service) -> None:
    district = new_district()
    async with assistance_service([district]) as svc:
        branch = await svc.feed.branch(district)
        await svc.allocate(district, "medical", "10000.00")
        paid_case = await granted_case(svc, district, branch, "1234.56")
        failing_case = await granted_case(svc, district, branch, "800.05")

        batch = await new_batch(svc, district)
        assert batch["status"] == "open" and batch["item_count"] == 2 and batch["total_yuan"] == "2034.61"
        assert {p["case_id"]: p["status"] for p in batch["payments"]} == {
            paid_case: "pending",
            failing_case: "pending",
        }
        nothing_left = await svc.client.post(
            "/payment-batches", json={"district": district}, headers=svc.district_officer(district)
        )
        assert nothing_left.status_code == 422 and nothing_left.json()["detail"][0]["loc"] == [
            "body",
            "district",
        ]

        file = await svc.client.get(
            f"/payment-batches/{batch['batch_id']}/file", headers=svc.district_officer(district)
        )
        assert file.status_code == 200 and file.headers["content-type"].startswith("text/csv")
        verified = verify(file.content)
        amounts = {str(line.case_id): line.amount_cents for line in verified.lines}
        assert amounts == {paid_case: 123456, failing_case: 80005} and verified.total_cents == 203461
        assert b",1234.56," in file.content and b",800.05," in file.content
        assert all(line.name == "测试会员" and line.card_number for line in verified.lines)
        assert {str(line.batch_id) for line in verified.lines} == {batch["batch_id"]}

        # Cancelling a case finance may be paying is refused until finance confirms.
        cancel = await svc.client.post(
            f"/cases/{failing_case}/cancellation",
            json={"reason": "重复申请"},
            headers=svc.district_officer(district),
        )
        assert cancel.status_code == 422, cancel.text

        settled = await confirm(
            svc,
            district,
            batch["batch_id"],
            {"case_id": paid_case, "outcome": "paid", "reference": "BOC-20260301-1"},
            {"case_id": failing_case, "outcome": "failed", "reason": "账户已注销"},
        )
        assert settled.status_code == 200, settled.text
        assert settled.json()["status"] == "settled"
        payments = {p["case_id"]: p for p in settled.json()["payments"]}
        assert payments[paid_case]["status"] == "paid" and payments[paid_case]["paid_on"] == str(date.today())
        assert payments[failing_case]["status"] == "failed"
        assert payments[failing_case]["failure_reason"] == "账户已注销"

        fund = await svc.fund(district, "medical")
        assert fund["spent_yuan"] == Decimal("1234.56") and fund["reserved_yuan"] == Decimal("800.05")
        entries = await ledger(svc, district)
        assert [(e["kind"], e["amount_yuan"], e["case_id"]) for e in entries[-1:]] == [
            ("spend", "1234.56", paid_case)
        ]
        assert (await case_of(svc, paid_case))["status"] == "disbursed"
        failing = await case_of(svc, failing_case)
        assert failing["status"] == "granted" and failing["reserved_yuan"] == "800.05"

        (disbursed,) = await svc.events.wait("AidDisbursed", case_id=paid_case)
        assert disbursed.data["amount_yuan"] == "1234.56" and disbursed.data["channel"] == "bank_transfer"
        assert disbursed.data["batch_id"] == batch["batch_id"]
        (failed,) = await svc.events.wait("AidPaymentFailed", case_id=failing_case)
        assert failed.data["reason"] == "账户已注销" and failed.data["batch_id"] == batch["batch_id"]
        granted = svc.events.of("AidGranted", case_id=failing_case)[0]
        assert int(failed.headers["ce_sequence"]) > int(granted.headers["ce_sequence"])

        # Finance uploads the same report again: accepted, nothing moves.
        again = await confirm(
            svc,
            district,
            batch["batch_id"],
            {"case_id": paid_case, "outcome": "paid", "reference": "BOC-20260301-1"},
            {"case_id": failing_case, "outcome": "failed", "reason": "账户已注销"},
        )
        assert again.status_code == 200, again.text
        assert len(await ledger(svc, district)) == len(entries)

        # The failed payment goes into the next batch, alone, and is paid there.
        retry = await new_batch(svc, district)
        assert [p["case_id"] for p in retry["payments"]] == [failing_case]
        paid_later = await confirm(
            svc,
            district,
            retry["batch_id"],
            {"case_id": failing_case, "outcome": "paid", "paid_on": str(date.today())},
        )
        assert paid_later.status_code == 200, paid_later.text
        fund = await svc.fund(district, "medical")
        assert fund["reserved_yuan"] == 0 and fund["spent_yuan"] == Decimal("2034.61")
        assert fund["available_yuan"] == Decimal("10000.00") - Decimal("2034.61")
        assert [e["kind"] for e in await ledger(svc, district)] == [
            "allocate",
            "reserve",
            "reserve",
            "spend",
            "spend",
        ]
        (retried,) = await svc.events.wait("AidDisbursed", case_id=failing_case)
        assert retried.data["batch_id"] == retry["batch_id"] and retried.data["amount_yuan"] == "800.05"

        listed = await svc.client.get("/payment-batches", headers=svc.district_officer(district))
        assert listed.status_code == 200
        assert {b["batch_id"]: b["status"] for b in listed.json()["items"]} == {
            batch["batch_id"]: "settled",
            retry["batch_id"]: "settled",
        }


async def test_bad_confirmations_are_refused_naming_the_field_and_change_nothing(assistance_service) -> None:
    district, other = new_district(), new_district()
    async with assistance_service([district, other]) as svc:
        branch = await svc.feed.branch(district)
        await svc.allocate(district, "medical", "5000.00")
        case_id = await granted_case(svc, district, branch, "300.00")
        paid_elsewhere = await granted_case(svc, district, branch, "200.00")
        batch = await new_batch(svc, district)
        batch_id = batch["batch_id"]
        before = (await svc.fund(district, "medical"), len(await ledger(svc, district)))

        ok = {"case_id": case_id, "outcome": "paid"}
        too_late = str(date.today() + timedelta(days=5))
        for entries, field in [
            ([ok, {"case_id": "018f0000-0000-7000-8000-000000000009", "outcome": "paid"}], "case_id"),
            ([ok, {"case_id": paid_elsewhere, "outcome": "failed"}], "reason"),
            ([ok, {"case_id": paid_elsewhere, "outcome": "paid", "paid_on": too_late}], "paid_on"),
            ([ok, {"case_id": paid_elsewhere, "outcome": "paid", "reason": "x"}], "reason"),
            ([ok, ok], "case_id"),
        ]:
            r = await confirm(svc, district, batch_id, *entries)
            assert r.status_code == 422, r.text
            assert r.json()["detail"][0]["loc"] == ["body", field], (field, r.text)

        for body in ([], [{"case_id": case_id, "outcome": "maybe"}], {"case_id": case_id}):
            r = await svc.client.post(
                f"/payment-batches/{batch_id}/confirmations",
                json=body,
                headers=svc.district_officer(district),
            )
            assert r.status_code == 422, r.text

        assert (await svc.fund(district, "medical"), len(await ledger(svc, district))) == before
        detail = await svc.client.get(f"/payment-batches/{batch_id}", headers=svc.district_officer(district))
        assert {p["status"] for p in detail.json()["payments"]} == {"pending"}
        assert svc.events.of("AidDisbursed", batch_id=batch_id) == []

        # Contradicting a recorded outcome is refused; the paid payment stays paid.
        assert (await confirm(svc, district, batch_id, ok)).status_code == 200
        contradiction = await confirm(
            svc, district, batch_id, {"case_id": case_id, "outcome": "failed", "reason": "x"}
        )
        assert contradiction.status_code == 422 and contradiction.json()["detail"][0]["loc"] == [
            "body",
            "outcome",
        ]
        assert (await case_of(svc, case_id))["status"] == "disbursed"

        # Scope and access: another district's officer, a branch officer, an unknown batch, a bad code.
        foreign = await confirm(svc, other, batch_id, ok)
        assert foreign.status_code == 403
        assert (
            await svc.client.get(f"/payment-batches/{batch_id}/file", headers=svc.district_officer(other))
        ).status_code == 403
        by_branch = await svc.client.post(
            "/payment-batches", json={"district": district}, headers=svc.branch_officer(district, branch)
        )
        assert by_branch.status_code == 403
        unknown = await confirm(svc, district, "018f0000-0000-7000-8000-00000000000a", ok)
        assert unknown.status_code == 404
        bad_code = await svc.client.post(
            "/payment-batches", json={"district": "Not A Code"}, headers=svc.admin
        )
        assert bad_code.status_code == 422 and bad_code.json()["detail"][0]["loc"] == ["body", "district"]


async def test_concurrent_batch_creations_never_share_a_case(assistance_service) -> None:
    district = new_district()
    async with assistance_service([district]) as svc:
        branch = await svc.feed.branch(district)
        await svc.allocate(district, "medical", "50000.00")
        cases = {await granted_case(svc, district, branch, f"{100 + i}.01") for i in range(6)}

        async def create() -> Any:
            return await svc.client.post(
                "/payment-batches", json={"district": district}, headers=svc.district_officer(district)
            )

        answers = await asyncio.gather(*(create() for _ in range(5)))
        # 409 would mean the locks let two creations take one case and only the unique index
        # stopped the second: the lock-then-recheck makes the losers find nothing to pay (422).
        assert {r.status_code for r in answers} <= {201, 422}, [r.text for r in answers]
        batches = [[p["case_id"] for p in r.json()["payments"]] for r in answers if r.status_code == 201]
        batched = [case for batch in batches for case in batch]
        assert len(batched) == len(set(batched)), "a case is in two batches"
        assert set(batched) == cases
        for r in answers:
            if r.status_code != 201:
                assert r.json()["detail"][0]["loc"] == ["body", "district"]


async def test_the_unique_index_behind_the_locks_answers_409_not_500(assistance_service, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """If a path ever gathered a case another batch may still pay, the partial unique index
    refuses it and the caller gets a 409 naming `district`; nothing is written."""
    district = new_district()
    async with assistance_service([district]) as svc:
        branch = await svc.feed.branch(district)
        await svc.allocate(district, "medical", "5000.00")
        case_id = await granted_case(svc, district, branch, "100.00")
        first = await new_batch(svc, district)

        async def stale(session: Any, district: str) -> list[tuple[Any, int]]:
            return [(UUID(first["payments"][0]["case_id"]), 10000)]

        monkeypatch.setattr(payments_store, "lock_payable", stale)
        r = await svc.client.post("/payment-batches", json={"district": district}, headers=svc.admin)
        assert r.status_code == 409 and r.json()["detail"][0]["loc"] == ["body", "district"], r.text
        listed = await svc.client.get(f"/payment-batches?district={district}", headers=svc.admin)
        assert [b["batch_id"] for b in listed.json()["items"]] == [first["batch_id"]]
        assert first["payments"][0]["case_id"] == case_id
