"""Routes of reports: aid per district, type and month; appeals per industry, employer and month.
JSON by default; `format=csv` gives a file for spreadsheets (labour-policy talks take these)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep
from unionfed_chassis.routes import DistrictFilter
from unionfed_events.assistance import AidType

from assistance.adapters import reports
from assistance.entrypoints import schemas as s
from assistance.entrypoints.http._common import district_scope
from assistance.entrypoints.http.access import READ, Allow

ReportsReader = Annotated[Principal, Allow("reports", READ)]
Year = Annotated[int | None, Query(ge=2000, le=2100, description="Calendar year; default this year (UTC)")]
Format = Annotated[Literal["json", "csv"], Query(description="json, or csv with a header row")]

_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The report (JSON, or CSV with `format=csv`)"}
}

router = APIRouter(tags=["reports"])


@router.get("/reports/aid", response_model=s.AidReport, responses=_CSV)
async def aid_report(
    uow: UowDep,
    principal: ReportsReader,
    year: Year = None,
    district: DistrictFilter = None,
    aid_type: AidType | None = None,
    format: Format = "json",
) -> Any:
    """Per district, aid type and month: cases requested, granted and rejected, yuan granted and
    disbursed. District and branch officers see their own district."""
    year = year or datetime.now(UTC).year
    district = district_scope(principal, district)
    rows = await reports.aid_report(uow.session, year, district, aid_type.value if aid_type else None)
    if format == "csv":
        return _csv(f"aid-{year}", s.AidReportRow, rows)
    return {"year": year, "district": district, "aid_type": aid_type, "rows": rows}


@router.get("/reports/appeals", response_model=s.AppealReport, responses=_CSV)
async def appeals_report(
    uow: UowDep,
    principal: ReportsReader,
    year: Year = None,
    district: DistrictFilter = None,
    format: Format = "json",
) -> Any:
    """Rights appeals per industry, employer and month (appeals, workers affected), with totals
    per industry. In CSV the totals follow the rows, marked `industry_total` in the `row` column."""
    year = year or datetime.now(UTC).year
    district = district_scope(principal, district)
    rows = await reports.appeals_report(uow.session, year, district)
    totals = await reports.appeals_by_industry(uow.session, year, district)
    if format == "csv":
        header = ["row", *s.AppealReportRow.model_fields]
        lines = [["detail", *_cells(r, header[1:])] for r in rows]
        lines += [["industry_total", r.industry, "", "", r.appeals, r.workers_affected] for r in totals]
        return _csv_response(f"appeals-{year}", header, lines)
    return {"year": year, "district": district, "rows": rows, "industries": totals}


def _cells(row: Any, names: Sequence[str]) -> list[Any]:
    return [getattr(row, n) for n in names]


def _csv(name: str, model: type[s.Public], rows: list[Any]) -> Response:
    header = list(model.model_fields)
    return _csv_response(name, header, [_cells(r, header) for r in rows])


def _csv_response(name: str, header: list[str], lines: Iterable[list[Any]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_excel_safe(c) for c in line] for line in lines)
    # The BOM makes Excel read UTF-8 (Chinese employer names) instead of the local code page.
    return Response(
        out.getvalue().encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def _excel_safe(cell: Any) -> Any:
    # Employer names are typed by people: one starting with =, +, - or @ would run as a formula.
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@"):
        return "'" + cell
    return cell
