"""One function per command: load (locking what changes), decide with the domain, save, emit.

Handlers never commit: the caller's unit of work commits the state and the outbox rows
together. `scope` is called with the (district, branch) a command touches once they are loaded,
so an officer's reach is checked against stored data, not against what the request claims.
The scope is a required argument: a caller acting for the whole federation passes the named
`federation_wide`. Who acted is not an argument: the unit of work stamps its events and the
history rows carry `uow.actor` (set by the route's access check or the consumer).
"""

from unionfed_chassis.access import Scope, federation_wide

from membership.handlers._shared import ValidPerson, member_joined, validate_person
from membership.handlers.branch_systems import register_branch_system, set_branch_system_branches
from membership.handlers.contact_points import republish_active_batch
from membership.handlers.imports import ImportResult, import_members, import_result
from membership.handlers.joining import (
    ApplicationOutcome,
    Submitted,
    Verified,
    approve_application,
    register_from_branch_system,
    register_member,
    reject_application,
    submit_application,
    verify_application,
)
from membership.handlers.lifecycle import (
    erase_member,
    member_leaves,
    reinstate_member,
    transfer_member,
    update_contact,
)
from membership.handlers.organisation import BranchClosure, close_branch, create_district, establish_branch

__all__ = [
    "ApplicationOutcome",
    "BranchClosure",
    "ImportResult",
    "Scope",
    "Submitted",
    "ValidPerson",
    "Verified",
    "approve_application",
    "close_branch",
    "create_district",
    "erase_member",
    "establish_branch",
    "federation_wide",
    "import_members",
    "import_result",
    "member_joined",
    "member_leaves",
    "register_branch_system",
    "register_from_branch_system",
    "register_member",
    "reinstate_member",
    "reject_application",
    "republish_active_batch",
    "set_branch_system_branches",
    "submit_application",
    "transfer_member",
    "update_contact",
    "validate_person",
    "verify_application",
]
