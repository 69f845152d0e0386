"""Who may do what in the campaigns service: the role × (area, action) table.

Areas: `members` (the service's view of membership), `campaigns` (drafting, scheduling,
audiences, launching, closing, statistics), `participation` (enrolment, waiting list,
withdrawal, deliveries), `proposals`, `competitions`, `honours`, `surveys`. Reading is open to
every role within its scope; the operator reads only. Organisers are district officers (their
district's campaigns) and the federation (any); a branch officer enrols its members, records
deliveries and passes on proposals and survey answers, within its branch.
"""

from __future__ import annotations

from unionfed_chassis.access import READ, WRITE, AccessTable, read, write
from unionfed_chassis.auth import Role

AREAS = ("members", "campaigns", "participation", "proposals", "competitions", "honours", "surveys")
_ORGANISING = ("campaigns", "participation", "proposals", "competitions", "honours", "surveys")

ACCESS = AccessTable(
    AREAS,
    {
        Role.FEDERATION_ADMIN: read(*AREAS) | write(*_ORGANISING),
        Role.DISTRICT_OFFICER: read(*AREAS) | write(*_ORGANISING),
        Role.BRANCH_OFFICER: read(*AREAS) | write("participation", "proposals", "surveys"),
        Role.OPERATOR: read(*AREAS),
    },
)

Allow = ACCESS.allow

__all__ = ["ACCESS", "AREAS", "READ", "WRITE", "Allow"]
