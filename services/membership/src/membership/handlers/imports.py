"""Bulk import of members from a CSV file into one branch."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg
from unionfed_chassis.db import UnitOfWork
from unionfed_chassis.inputs import without_control_characters
from unionfed_events import membership as ev
from unionfed_events import topics

from membership import commands as cmds
from membership.adapters import bulk
from membership.adapters.repository import Repository, Secrets, member_row
from membership.domain.csv_import import (
    ImportRow,
    ParsedImport,
    RowError,
    failed_rows_csv,
    parse_import_chunks,
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
# Data lines validated and written at a time: large enough that the few statements per piece
# cost little, small enough that PostgreSQL's writes of one piece overlap the next piece's CPU.
LINES_PER_PIECE = 1000

Candidate = tuple[ImportRow, Secrets]
Piece = tuple[ParsedImport, list[Secrets]]


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
    piece: Piece | None = await asyncio.to_thread(next, pieces)  # CsvFormatError: unusable file
    import_id = uuid.uuid4()
    if not await repo.claim_import(_claim(import_id, branch, sha, cmd)):  # a concurrent upload won
        return import_result(await repo.find_import(branch.branch_id, sha), replayed=True)
    joiner = _BulkJoin(uow, repo, await bulk.driver_connection(uow.session), branch, cmd.channel)
    parsed, joined, late_errors = ParsedImport([], []), 0, list[tuple[int, str]]()
    while piece is not None:
        following = asyncio.create_task(asyncio.to_thread(next, pieces, None))
        try:
            created, refused = await joiner.join(*piece)
        except BaseException:
            following.cancel()
            raise
        parsed.rows += piece[0].rows
        parsed.errors += piece[0].errors
        joined, late_errors = joined + created, late_errors + refused
        piece = await following
    errors = sorted(parsed.errors + _late_row_errors(cmd.data, late_errors), key=lambda e: e.row_number)
    result = ImportResult(
        import_id,
        branch.branch_id,
        branch.district,
        len(parsed.rows) + len({e.row_number for e in parsed.errors}),
        joined,
        len({e.row_number for e in errors}),
        [{"row": e.row_number, "field": e.field, "reason": e.reason} for e in errors[:MAX_REPORTED_ERRORS]],
    )
    await repo.finish_import(import_id, _outcome(result, errors, vault))
    return result


def _sealed_pieces(data: bytes, vault: NationalIdVault) -> Iterator[Piece]:
    """The pure CPU part of an import, piece by piece: validate the rows, hash and encrypt every
    ID and phone."""
    for parsed in parse_import_chunks(data, lines_per_chunk=LINES_PER_PIECE):
        yield parsed, [secrets_of(vault, r.national_id, r.phone) for r in parsed.rows]


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


class _BulkJoin:
    """Joins the valid rows of one piece after another: members, their history and their
    MemberJoined events, all in the unit of work's transaction."""

    def __init__(
        self,
        uow: UnitOfWork,
        repo: Repository,
        conn: asyncpg.Connection,
        branch: Branch,
        channel: JoinChannel,
    ) -> None:
        self.repo, self.conn, self.branch, self.channel = repo, conn, branch, channel
        self.actor = uow.actor
        self.details = json.dumps({"channel": channel.value})  # the same for every row
        self.events = bulk.EventRows.template(
            ev.MemberJoined,
            source=uow.source,
            topic=topics.events_topic(uow.domain, branch.district),
            district=branch.district,
            branch=branch.branch_id,
            sequence=1,  # a new member's version
        )

    async def join(self, parsed: ParsedImport, secrets: list[Secrets]) -> tuple[int, list[tuple[int, str]]]:
        """Insert every row not already an active member; returns how many joined and, by row
        number, why the others were refused."""
        candidates, refused = await _split_active(self.repo, list(zip(parsed.rows, secrets, strict=True)))
        serials = await self.repo.next_card_serials(len(candidates))
        today = date.today()
        ids = bulk.new_ids(len(candidates))
        new = [
            (row, sec, new_member(self.branch, _person(row), serial, row.joined_on or today, member_id))
            for (row, sec), serial, member_id in zip(candidates, serials, ids, strict=True)
        ]
        records = [bulk.member_record(member_row(m, sec, self.channel.value)) for _, sec, m in new]
        inserted = await bulk.insert_members(self.conn, records)
        if len(inserted) < len(new):  # people who became members through another path meanwhile
            unexplained, lost = await _split_active(
                self.repo, [(r, s) for r, s, m in new if m.member_id not in inserted]
            )
            refused += lost + [(r.row_number, _already("????")) for r, _ in unexplained]
        joined = [m for _, _, m in new if m.member_id in inserted]
        await bulk.copy_history(self.conn, [self._history(m) for m in joined])
        outbox = [
            self.events.row(str(m.member_id), member_joined(m, self.channel).model_dump_json().encode())
            for m in joined
        ]
        await bulk.copy_outbox(self.conn, outbox, ev.MemberJoined.ce_type())
        return len(joined), refused

    def _history(self, member: Member) -> tuple[Any, ...]:
        """The history row of a join (what `repository.history_row` builds), in HISTORY_COLUMNS
        order."""
        return (
            member.member_id,
            member.joined_on,
            "joined",
            member.district,
            member.branch_id,
            self.details,
            self.actor.subject,
            self.actor.role,
        )


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
