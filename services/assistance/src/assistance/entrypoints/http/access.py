"""Who may do what in the assistance service: the role × (area, action) table.

Areas: `members` (the service's view of membership), `cases` (applying, deciding, revision,
service closure), `funds` (allocations and ledgers), `payments` (batches for finance),
`hardship` (the registry), `appeals` (rights appeals), `mutual_aid`, `reports`. Reading is open
to every role within its scope; the operator reads only. Deciding on a case is further bound to
the level the case waits at (a branch officer decides at the branch level, and so on). Only the
federation allocates funds and runs the mutual-aid plan.
"""

from __future__ import annotations

from unionfed_chassis.access import READ, WRITE, AccessTable, read, write
from unionfed_chassis.auth import Role

AREAS = ("members", "cases", "funds", "payments", "hardship", "appeals", "mutual_aid", "reports")

ACCESS = AccessTable(
    AREAS,
    {
        Role.FEDERATION_ADMIN: read(*AREAS)
        | write("cases", "funds", "payments", "hardship", "appeals", "mutual_aid"),
        Role.DISTRICT_OFFICER: read(*AREAS) | write("cases", "payments", "hardship", "appeals", "mutual_aid"),
        Role.BRANCH_OFFICER: read(*AREAS) | write("cases", "hardship", "appeals", "mutual_aid"),
        Role.OPERATOR: read(*AREAS),
    },
)

Allow = ACCESS.allow

__all__ = ["ACCESS", "AREAS", "READ", "WRITE", "Allow"]
