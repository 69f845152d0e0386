"""Bulk import of members from a CSV file into one branch."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from unionfed_chassis.db import UnitOfWork
from unionfed_chassis.inputs import without_control_characters

from membership import commands as cmds
from membership.adapters.repository import Repository
from membership.adapters.vault import NationalIdVault
from membership.domain.csv_import import (
    RowError,
    failed_rows_csv,
    parse_import_chunks,
    raw_rows,
)
from membership.domain.model import Branch
from membership.handlers._bulk_join import Piece, join_all
from membership.handlers._shared import (
    Scope,
    open_branch_in_scope,
    secrets_of,
)

MAX_REPORTED_ERRORS = 200
# Data lines validated and written at a time: large enough that the few statements per piece
# cost little, small enough that PostgreSQL's writes of one piece overlap the next piece's CPU.
LINES_PER_PIECE = 1000


@dataclass(frozen=True)
class ImportResult:
    import_id: UUID
    branch_id: str
    district: str
    rows: int
    created: int
    failed: int
    errors: list[dict[str, Any]]
    replayed: bool = False


def import_result(row: Any, replayed: bool) -> ImportResult:
    return ImportResult(
        row.import_id, row.branch_id, row.district, row.rows, row.created, row.failed, row.errors, replayed
    )


async def import_members(
    uow: UnitOfWork, cmd: cmds.ImportMembers, vault: NationalIdVault, scope: Scope
) -> ImportResult:
    """Bulk import: every valid row joins, every other row is reported; one transaction, a few
    set-based statements per thousand rows. The same file into the same branch again returns the
    first result."""
    repo = Repository(uow.session)
    branch = await open_branch_in_scope(repo, cmd.branch_id, scope)
    sha = hashlib.sha256(cmd.data).hexdigest()
    if (done := await repo.find_import(branch.branch_id, sha)) is not None:
        return import_result(done, replayed=True)
    # Seconds of CPU for a large file: off the event loop, so the service keeps answering, and a
    # piece at a time, so PostgreSQL writes one piece while the next is validated and encrypted.
    pieces = _sealed_pieces(cmd.data, vault)
    piece = await asyncio.to_thread(next, pieces)  # CsvFormatError: the file is unusable
    import_id = uuid.uuid4()
    if not await repo.claim_import(_claim(import_id, branch, sha, cmd)):  # a concurrent upload won
        return import_result(await repo.find_import(branch.branch_id, sha), replayed=True)
    joined = await join_all(uow, branch, cmd.channel, vault.contact_key.key_id, piece, pieces)
    parsed = joined.parsed
    errors = sorted(parsed.errors + _late_row_errors(cmd.data, joined.refused), key=lambda e: e.row_number)
    result = ImportResult(
        import_id,
        branch.branch_id,
        branch.district,
        len(parsed.rows) + len({e.row_number for e in parsed.errors}),
        joined.created,
        len({e.row_number for e in errors}),
        [{"row": e.row_number, "field": e.field, "reason": e.reason} for e in errors[:MAX_REPORTED_ERRORS]],
    )
    await repo.finish_import(import_id, _outcome(result, errors, vault))
    return result


def _sealed_pieces(data: bytes, vault: NationalIdVault) -> Iterator[Piece]:
    """The pure CPU part of an import, piece by piece: validate the rows, hash and encrypt every
    ID and phone."""
    for parsed in parse_import_chunks(data, lines_per_chunk=LINES_PER_PIECE):
        yield parsed, [secrets_of(vault, r.national_id, r.phone, r.email) for r in parsed.rows]


def _claim(import_id: UUID, branch: Branch, sha: str, cmd: cmds.ImportMembers) -> dict[str, Any]:
    return {
        "import_id": import_id,
        "branch_id": branch.branch_id,
        "district": branch.district,
        "file_sha256": sha,
        "filename": cmd.filename and without_control_characters(cmd.filename, 255),
        "rows": 0,
        "created": 0,
        "failed": 0,
        "errors": [],
        "failed_rows_csv": b"",
        "created_by": cmd.created_by,
    }


def _late_row_errors(data: bytes, late: list[tuple[int, str]]) -> list[RowError]:
    if not late:
        return []
    raw = raw_rows(data, {n for n, _ in late})
    return [RowError(n, "national_id", reason, raw.get(n, {})) for n, reason in late]


def _outcome(result: ImportResult, errors: list[RowError], vault: NationalIdVault) -> dict[str, Any]:
    return {
        "rows": result.rows,
        "created": result.created,
        "failed": result.failed,
        "errors": result.errors,
        # The failed rows hold full IDs (the officer's own input): stored sealed, like IDs.
        "failed_rows_csv": vault.seal(failed_rows_csv(errors)) if errors else b"",
    }
