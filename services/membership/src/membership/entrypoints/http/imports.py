"""Routes of the bulk import: upload a CSV, read the result, download the failed rows."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep

from membership import commands as cmds
from membership import handlers
from membership.adapters.repository import Repository
from membership.domain.csv_import import failed_rows_csv
from membership.domain.errors import DomainError
from membership.entrypoints import schemas as s
from membership.entrypoints.http._common import BranchIdPath, VaultDep, in_scope
from membership.entrypoints.http.access import READ, WRITE, Allow

ImportsWriter = Annotated[Principal, Allow("imports", WRITE)]

router = APIRouter(tags=["joining"])


@router.post("/branches/{branch_id}/imports", response_model=s.ImportPublic)
async def import_members(
    branch_id: BranchIdPath,
    request: Request,
    uow: UowDep,
    principal: ImportsWriter,
    vault: VaultDep,
    file: UploadFile = File(
        description="CSV (UTF-8 or GB18030): name, national_id, phone, employer, "
        "employment_type[, joined_on]; Chinese headers accepted"
    ),
) -> Any:
    """Bulk import of members into a branch; per-row errors, failed rows downloadable as CSV.
    Uploading the same file again returns the first result and creates nobody."""
    limit = request.app.state.settings.import_max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise DomainError(f"the file is larger than {limit} bytes; split it", field="file")
    cmd = cmds.ImportMembers(branch_id, data, file.filename, principal.subject)
    try:
        result = await handlers.import_members(uow, cmd, vault, principal.check)
    except DomainError as exc:
        exc.field = exc.field or "file"
        raise
    await uow.commit()
    return _import_public(result)


def _import_public(result: handlers.ImportResult) -> s.ImportPublic:
    return s.ImportPublic(
        import_id=result.import_id,
        branch_id=result.branch_id,
        rows=result.rows,
        created=result.created,
        failed=result.failed,
        errors=[s.RowErrorPublic(**e) for e in result.errors],
        failed_rows_url=f"/imports/{result.import_id}/failed-rows.csv",
        replayed=result.replayed,
    )


async def _load_import(import_id: UUID, uow: Any, principal: Principal) -> Any:
    return in_scope(await Repository(uow.session).get_import(import_id), f"import {import_id}", principal)


@router.get("/imports/{import_id}", response_model=s.ImportPublic)
async def get_import(
    import_id: UUID, uow: UowDep, principal: Annotated[Principal, Allow("imports", READ)]
) -> Any:
    """The result of an earlier bulk import."""
    return _import_public(handlers.import_result(await _load_import(import_id, uow, principal), False))


@router.get("/imports/{import_id}/failed-rows.csv", response_class=Response)
async def failed_rows(
    # The rows as typed hold full ID and phone numbers: for those who may upload, not for readers.
    import_id: UUID,
    uow: UowDep,
    principal: ImportsWriter,
    vault: VaultDep,
) -> Response:
    """Just the rows that failed, as typed, plus `field` and `reason` columns; fix and upload again."""
    row = await _load_import(import_id, uow, principal)
    content = vault.unseal(row.failed_rows_csv) if row.failed_rows_csv else failed_rows_csv([])
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="failed-rows-{import_id}.csv"'},
    )
