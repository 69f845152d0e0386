"""The write side of a bulk import as a pipeline, so PostgreSQL and Python work at the same time:
while one piece of the file is written (COPY), a thread builds the next piece's rows and
validates and seals the piece after it.

Per piece: `admit` (database: who is already active, card serials for the rest), `build` (CPU,
in a thread: members, history rows, MemberJoined outbox rows), `write` (database: COPY).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
from unionfed_chassis.db import UnitOfWork
from unionfed_events import membership as ev
from unionfed_events import topics

from membership.adapters import bulk
from membership.adapters.repository import Repository, Secrets, member_row
from membership.domain.csv_import import ImportRow, ParsedImport
from membership.domain.enums import JoinChannel
from membership.domain.model import Branch, Member
from membership.handlers._shared import ValidPerson, member_joined, new_member
from membership.handlers.contact_points import contact_points_event

Candidate = tuple[ImportRow, Secrets]
Piece = tuple[ParsedImport, list[Secrets]]  # validated rows (and errors) with their sealed forms
Refusal = tuple[int, str]  # row number, why


@dataclass
class Admitted:
    candidates: list[Candidate]  # not active members when checked
    serials: list[int]  # one card serial each
    refused: list[Refusal]


@dataclass
class Built:
    new: list[tuple[ImportRow, Secrets, Member]]
    members: list[tuple[Any, ...]]
    history: list[bytes]  # COPY text lines
    outbox: list[bytes]
    contacts: list[bytes | None]  # MemberContactPoints outbox lines; None: no phone nor e-mail
    refused: list[Refusal]


@dataclass
class Joined:
    parsed: ParsedImport  # every row and row error of the file
    created: int
    refused: list[Refusal]  # valid rows refused by the database check


async def join_all(
    uow: UnitOfWork,
    branch: Branch,
    channel: JoinChannel,
    contact_key_id: str,
    first: Piece,
    rest: Iterator[Piece],
) -> Joined:
    """Join every valid row of `first` and the pieces `rest` yields (pulled in a thread); each
    new member's contact points (sealed with the piece) go out with their MemberJoined."""
    joiner = _BulkJoin(uow, branch, channel, await bulk.driver_connection(uow.session), contact_key_id)
    done = Joined(ParsedImport([], []), 0, [])
    admitted: Admitted | None = await joiner.admit(first, done)
    built, sealed = await asyncio.to_thread(_build_and_seal_next, joiner, admitted, rest)
    while built is not None:
        admitted = await joiner.admit(sealed, done) if sealed is not None else None
        ahead = asyncio.create_task(asyncio.to_thread(_build_and_seal_next, joiner, admitted, rest))
        try:
            await joiner.write(built, done)
        except BaseException:
            ahead.cancel()  # its thread finishes on its own; nothing reads the result
            raise
        built, sealed = await ahead
    return done


def _build_and_seal_next(
    joiner: _BulkJoin, admitted: Admitted | None, rest: Iterator[Piece]
) -> tuple[Built | None, Piece | None]:
    """The thread's share of one turn: the admitted piece's rows, then the next piece sealed."""
    if admitted is None:
        return None, None
    return joiner.build(admitted), next(rest, None)


class _BulkJoin:
    def __init__(
        self, uow: UnitOfWork, branch: Branch, channel: JoinChannel, conn: asyncpg.Connection, key_id: str
    ) -> None:
        self.repo, self.conn, self.branch, self.channel = Repository(uow.session), conn, branch, channel
        self.history = bulk.HistoryLines.of(
            "joined", branch.district, branch.branch_id, {"channel": channel.value}, uow.actor
        )
        self.events = bulk.EventLines.template(
            ev.MemberJoined,
            source=uow.source,
            topic=topics.events_topic(uow.domain, branch.district),
            district=branch.district,
            branch=branch.branch_id,
            sequence=1,  # a new member's version
        )
        self.contact_key_id = key_id
        self.contacts = bulk.EventLines.template(
            ev.MemberContactPoints,
            source=uow.source,
            topic=topics.CONTACT_POINTS,
            district=branch.district,
            branch=branch.branch_id,
            sequence=None,
        )

    async def admit(self, piece: Piece, done: Joined) -> Admitted:
        """Leave out who is already an active member; a card serial for each of the others.
        Pieces hold different people (the parser refuses a repeated ID), so a piece can be
        admitted before the one ahead of it is written."""
        parsed, secrets = piece
        done.parsed.rows += parsed.rows
        done.parsed.errors += parsed.errors
        candidates, refused = await _split_active(self.repo, list(zip(parsed.rows, secrets, strict=True)))
        return Admitted(candidates, await self.repo.next_card_serials(len(candidates)), refused)

    def build(self, admitted: Admitted) -> Built:
        """Every row the piece writes; pure CPU (runs in a thread)."""
        today = date.today()
        ids = bulk.new_ids(len(admitted.candidates))
        new = [
            (row, sec, new_member(self.branch, _person(row), serial, row.joined_on or today, member_id))
            for (row, sec), serial, member_id in zip(admitted.candidates, admitted.serials, ids, strict=True)
        ]
        return Built(
            new,
            [bulk.member_record(member_row(m, sec, self.channel.value)) for _, sec, m in new],
            [self.history.line(m.member_id, m.joined_on) for _, _, m in new],
            [
                self.events.line(str(m.member_id), member_joined(m, self.channel).model_dump_json().encode())
                for _, _, m in new
            ],
            [
                self.contacts.line(
                    str(m.member_id),
                    contact_points_event(m, sec.contact_sealed, self.contact_key_id)
                    .model_dump_json()
                    .encode(),
                )
                if sec.contact_sealed is not None
                else None
                for _, sec, m in new
            ],
            admitted.refused,
        )

    async def write(self, built: Built, done: Joined) -> None:
        inserted = await bulk.insert_members(self.conn, built.members)
        history, outbox, contacts, refused = built.history, built.outbox, built.contacts, built.refused
        if len(inserted) < len(built.new):  # people who became members through another path meanwhile
            kept = [m.member_id in inserted for _, _, m in built.new]
            history = [h for h, keep in zip(history, kept, strict=True) if keep]
            outbox = [o for o, keep in zip(outbox, kept, strict=True) if keep]
            contacts = [c for c, keep in zip(contacts, kept, strict=True) if keep]
            unexplained, lost = await _split_active(
                self.repo, [(r, s) for r, s, m in built.new if m.member_id not in inserted]
            )
            refused = refused + lost + [(r.row_number, _already("????")) for r, _ in unexplained]
        await bulk.copy_history(self.conn, history)
        await bulk.copy_outbox(self.conn, outbox, ev.MemberJoined.ce_type())
        await bulk.copy_outbox(self.conn, [c for c in contacts if c], ev.MemberContactPoints.ce_type())
        done.created += len(inserted)
        done.refused += refused


async def _split_active(
    repo: Repository, candidates: list[Candidate]
) -> tuple[list[Candidate], list[Refusal]]:
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
    return ValidPerson(row.name, row.national_id, row.phone, row.employer, row.employment_type, row.email)


def _already(card: str) -> str:
    return f"already an active member (card ending {card[-4:]})"
