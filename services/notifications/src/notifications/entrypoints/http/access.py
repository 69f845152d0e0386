"""Who may do what in the notifications service: the role × (area, action) table.

Areas: `members` (the service's view of membership), `inbox` (a member's own in-app messages),
`preferences` (one's own channels, opt-outs, quiet hours, language), `officers` (an officer's own
alert contact points and digest choice), `webhooks` (branch systems' subscriptions, per district),
`deliveries` (the delivery log). A member reaches only their own inbox and preferences: the
routes key them by the token's subject, never by a path parameter. The operator reads only.
"""

from __future__ import annotations

from unionfed_chassis.access import READ, WRITE, AccessTable, read, write
from unionfed_chassis.auth import Role

AREAS = ("members", "inbox", "preferences", "officers", "webhooks", "deliveries")
_OFFICE = ("members", "officers", "webhooks", "deliveries", "preferences")
# Officers get alerts in-app too: their own inbox, keyed by their token's subject like a member's.
_OWN = ("inbox", "preferences")

ACCESS = AccessTable(
    AREAS,
    {
        Role.FEDERATION_ADMIN: read(*_OFFICE, *_OWN) | write("officers", "webhooks", *_OWN),
        Role.DISTRICT_OFFICER: read(*_OFFICE, *_OWN) | write("officers", "webhooks", *_OWN),
        Role.BRANCH_OFFICER: read(*_OFFICE, *_OWN) | write("officers", *_OWN),
        Role.OPERATOR: read("members", "webhooks", "deliveries"),
        Role.MEMBER: read(*_OWN) | write(*_OWN),
    },
)

Allow = ACCESS.allow

__all__ = ["ACCESS", "AREAS", "READ", "WRITE", "Allow"]
