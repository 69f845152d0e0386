"""Who may do what in the membership service: the role × (area, action) table.

Areas: `districts` (the federation's list of district unions), `branches` (establishing and
closing grassroots branches), `members`, `applications`, `imports` (bulk CSV uploads and their
failed rows, which hold full ID numbers), `statistics`, `branch_systems` (which branches a branch
system may register members into; a district registers its own), `erasures` (destroying a
member's personal data on request: federation and districts only), `contact_points` (re-sealing
every member's contact points after a key rotation: federation only). Reading is open to every role within its
scope; the operator reads only, and only what carries masked personal data (a test checks the
response models it can reach). Writes follow the organisation: the federation creates
districts, a district establishes and closes its branches, branches look after their members.
"""

from __future__ import annotations

from unionfed_chassis.access import READ, WRITE, AccessTable, read, write
from unionfed_chassis.auth import Role

AREAS = (
    "districts",
    "branches",
    "members",
    "applications",
    "imports",
    "statistics",
    "branch_systems",
    "erasures",
    "contact_points",
)

ACCESS = AccessTable(
    AREAS,
    {
        Role.FEDERATION_ADMIN: read(*AREAS) | write(*AREAS),  # contact_points: the federation only
        Role.DISTRICT_OFFICER: read(*AREAS)
        | write("branches", "members", "applications", "imports", "branch_systems", "erasures"),
        Role.BRANCH_OFFICER: read(*AREAS) | write("members", "applications", "imports"),
        Role.OPERATOR: read(*AREAS),
    },
)

Allow = ACCESS.allow

__all__ = ["ACCESS", "AREAS", "READ", "WRITE", "Allow"]
