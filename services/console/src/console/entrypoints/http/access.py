"""Who may do what in the console: the role × (area, action) table.

Areas: `events` (live stream, export, member timelines, samples), `groups` (consumer-group lag),
`dead_letters` (browse; write = redrive), `contracts` (the event catalog), `outbox` (each
service's backlog and parked rows; write = retry). Operators and federation admins see the whole
federation; a district officer reads only their own district's events, groups' partitions and
dead letters, and changes nothing. Branch officers and members have no console.
"""

from __future__ import annotations

from unionfed_chassis.access import READ, WRITE, AccessTable, Permission, read, write
from unionfed_chassis.auth import Role

AREAS = ("events", "groups", "dead_letters", "contracts", "outbox")

ACCESS = AccessTable(
    AREAS,
    {
        Role.FEDERATION_ADMIN: read(*AREAS) | write("dead_letters", "outbox"),
        Role.OPERATOR: read(*AREAS) | write("dead_letters", "outbox"),
        Role.DISTRICT_OFFICER: read("events", "groups", "dead_letters", "contracts"),
    },
)

Allow = ACCESS.allow
SIGN_IN = Permission("events", READ)  # a token whose role lacks it is refused at the login form

__all__ = ["ACCESS", "AREAS", "READ", "SIGN_IN", "WRITE", "Allow"]
