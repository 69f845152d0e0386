"""Bulk import of members from a CSV file into one branch."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from unionfed_chassis.db import UnitOfWork
from unionfed_chassis.inputs import without_control_characters

from membership import commands as cmds
from membership.adapters.repository import Repository, Secrets, history_row, member_row
from membership.domain.csv_import import (
    ImportRow,
    ParsedImport,
    RowError,
    failed_rows_csv,
    parse_import,
    raw_rows,
)
from membership.domain.enums import JoinChannel
from membership.domain.model import Branch, Member
from membership.domain.national_id import NationalIdVault
from membership.handlers._shared import (
    Scope,
    ValidPerson,
    member_joined,
    new_member,
    open_branch_in_scope,
    secrets_of,
)

MAX_REPORTED_ERRORS = 200

Candidate = tuple[ImportRow, Secrets]


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
    set-based statements. The same file into the same branch again returns the first result."""
    repo = Repository(uow.session)
    branch = await open_branch_in_scope(repo, cmd.branch_id, scope)
    sha = hashlib.sha256(cmd.data).hexdigest()
    if (done := await repo.find_import(branch.branch_id, sha)) is not None:
        return import_result(done, replayed=True)
    # Seconds of CPU for a large file: off the event loop, so the service keeps answering.
    parsed, secrets = await asyncio.to_thread(_parse_and_seal, cmd.data, vault)  # CsvFormatError: unusable
    import_id = uuid.uuid4()
    if not await repo.claim_import(_claim(import_id, branch, sha, cmd)):  # a concurrent upload won
        return import_result(await repo.find_import(branch.branch_id, sha), replayed=True)
    candidates = list(zip(parsed.rows, secrets, strict=True))
    joined, late_errors = await _join_all(uow, repo, branch, cmd.channel, candidates)
    errors = sorted(parsed.errors + _late_row_errors(cmd.data, late_errors), key=lambda e: e.row_number)
    result = ImportResult(
        import_id,
        branch.branch_id,
        branch.district,
        len(parsed.rows) + len({e.row_number for e in parsed.errors}),
        len(joined),
        len({e.row_number for e in errors}),
        [{"row": e.row_number, "field": e.field, "reason": e.reason} for e in errors[:MAX_REPORTED_ERRORS]],
    )
    await repo.finish_import(import_id, _outcome(result, errors, vault))
    return result


def _parse_and_seal(data: bytes, vault: NationalIdVault) -> tuple[ParsedImport, list[Secrets]]:
    """The pure CPU part of an import: validate every row, hash and encrypt every ID and phone."""
    parsed = parse_import(data)
    return parsed, [secrets_of(vault, r.national_id, r.phone) for r in parsed.rows]


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


async def _join_all(
    uow: UnitOfWork, repo: Repository, branch: Branch, channel: JoinChannel, candidates: list[Candidate]
) -> tuple[list[Member], list[tuple[int, str]]]:
    """Insert every candidate not already an active member; returns who joined and, by row
    number, why the others were refused."""
    candidates, refused = await _split_active(repo, candidates)
    serials = await repo.next_card_serials(len(candidates))
    today = date.today()
    new = [
        (row, sec, new_member(branch, _person(row), serial, row.joined_on or today))
        for (row, sec), serial in zip(candidates, serials, strict=True)
    ]
    inserted = await repo.insert_members_skipping_active(
        [member_row(m, sec, channel.value) for _, sec, m in new]
    )
    if len(inserted) < len(new):  # people who became members through another path meanwhile
        unexplained, lost = await _split_active(
            repo, [(r, s) for r, s, m in new if m.member_id not in inserted]
        )
        refused += lost + [(r.row_number, _already("????")) for r, _ in unexplained]
    joined = [m for _, _, m in new if m.member_id in inserted]
    await repo.add_history(
        (history_row(m, "joined", m.joined_on, channel=channel.value) for m in joined), uow.actor
    )
    for m in joined:
        uow.emit(member_joined(m, channel), district=m.district, branch=m.branch_id, sequence=m.version)
    return joined, refused


async def _split_active(
    repo: Repository, candidates: list[Candidate]
) -> tuple[list[Candidate], list[tuple[int, str]]]:
    """Those who are not active members yet, and the row numbers of those who are, with why."""
    active = await repo.active_cards([s.national_id_hash for _, s in candidates])
    rest = [(r, s) for r, s in candidates if s.national_id_hash not in active]
    refused = [
        (r.row_number, _already(active[s.national_id_hash]))
        for r, s in candidates
        if s.national_id_hash in active
    ]
    return rest, refused


def _person(row: ImportRow) -> ValidPerson:
    return ValidPerson(row.name, row.national_id, row.phone, row.employer, row.employment_type)


def _already(card: str) -> str:
    return f"already an active member (card ending {card[-4:]})"


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
