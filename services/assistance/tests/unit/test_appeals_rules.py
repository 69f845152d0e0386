"""Rules of appeals and aid windows that need no database: input normalisation, the month filter,
commands refused before anything is touched, which campaign kinds open a window."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from assistance import commands as cmds
from assistance.adapters.appeals import month_range
from assistance.domain.errors import DomainError
from assistance.entrypoints.schemas import AppealCreate
from assistance.handlers import aid_windows
from assistance.handlers.appeals import file_rights_appeal
from pydantic import ValidationError
from unionfed_events import campaigns as cev
from unionfed_events.assistance import AidType, RightsIssue


@dataclass
class RecordingSession:
    """Stands in for the database session: records statements, answers nothing."""

    statements: list[Any] = field(default_factory=list)

    async def execute(self, statement: Any, *args: Any) -> None:
        self.statements.append(statement)


@dataclass
class FakeUnitOfWork:
    session: RecordingSession = field(default_factory=RecordingSession)


def _body(**overrides: Any) -> dict[str, Any]:
    body = {
        "member_id": str(uuid.uuid4()),
        "filed_by": "member",
        "issue": "wage_arrears",
        "employer": "某公司",
        "description": "欠薪",
        "kind": "legal",
    }
    return {**body, **overrides}


def test_employer_and_industry_are_single_spaced_and_never_blank() -> None:
    appeal = AppealCreate.model_validate(_body(employer=" 上海  某某\u3000公司 ", industry=" 建筑  业"))
    assert (appeal.employer, appeal.industry) == ("上海 某某 公司", "建筑 业")
    assert appeal.workers_affected == 1
    for name, value in (("employer", "   "), ("industry", " "), ("description", "")):
        with pytest.raises(ValidationError) as caught:
            AppealCreate.model_validate(_body(**{name: value}))
        assert caught.value.errors()[0]["loc"] == (name,)


@pytest.mark.parametrize(
    ("month", "start", "end"),
    [("2025-01", date(2025, 1, 1), date(2025, 2, 1)), ("2025-12", date(2025, 12, 1), date(2026, 1, 1))],
)
def test_month_range_is_the_month_and_the_first_day_after(month: str, start: date, end: date) -> None:
    assert month_range(month) == (start, end)


@pytest.mark.parametrize(("name", "value"), [("kind", AidType.LIVING), ("filed_by", "employer")])
async def test_an_appeal_of_the_wrong_kind_or_filer_touches_nothing(name: str, value: Any) -> None:
    fields: dict[str, Any] = {
        "member_id": uuid.uuid4(),
        "filed_by": "member",
        "issue": RightsIssue.WAGE_ARREARS,
        "employer": "某公司",
        "industry": None,
        "workers_affected": 1,
        "description": "欠薪",
        "kind": AidType.LEGAL,
    }
    uow = FakeUnitOfWork()

    def no_scope(_d: str | None, _b: str | None) -> None:
        raise AssertionError("refused before the scope check")

    with pytest.raises(DomainError) as caught:
        await file_rights_appeal(uow, cmds.FileRightsAppeal(**{**fields, name: value}), None, no_scope)  # type: ignore[arg-type]
    assert caught.value.field == name
    assert uow.session.statements == []


def _launched(kind: str) -> cev.CampaignLaunched:
    return cev.CampaignLaunched.model_construct(
        campaign_id=uuid.uuid4(),
        kind=kind,
        title="drive",
        districts=[],
        industries=[],
        starts_on=date(2025, 9, 1),
        ends_on=date(2025, 10, 31),
    )


@pytest.mark.parametrize("kind", [k.value for k in cev.CampaignKind if k != cev.CampaignKind.GOLDEN_AUTUMN])
async def test_only_golden_autumn_opens_a_window(kind: str) -> None:
    uow = FakeUnitOfWork()
    await aid_windows.campaign_launched(uow, _launched(kind))  # type: ignore[arg-type]
    assert uow.session.statements == []
    await aid_windows.campaign_launched(uow, _launched("golden_autumn"))  # type: ignore[arg-type]
    assert len(uow.session.statements) == 1


async def test_a_kind_newer_than_this_service_opens_nothing() -> None:
    # Tolerant reader: an enum value added by campaigns later arrives as a plain string.
    uow = FakeUnitOfWork()
    await aid_windows.campaign_launched(uow, _launched("spring_festival_visit"))  # type: ignore[arg-type]
    assert uow.session.statements == []
