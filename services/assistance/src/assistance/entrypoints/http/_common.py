"""What the routers share: the policy, the approver's level, and the assistance bindings of
the chassis' route helpers."""

from __future__ import annotations

from typing import Annotated, Any

import unionfed_chassis.routes as routes
from fastapi import Depends, FastAPI, Request
from unionfed_chassis.auth import Principal, Role, ScopeError
from unionfed_events.assistance import ApprovalLevel

from assistance.adapters import queries
from assistance.domain.errors import DomainError, NotFound
from assistance.domain.policy import AssistancePolicy


async def get_policy(request: Request) -> AssistancePolicy:
    policy: AssistancePolicy = request.app.state.policy
    return policy


PolicyDep = Annotated[AssistancePolicy, Depends(get_policy)]

_LEVEL_OF_ROLE = {
    Role.BRANCH_OFFICER: ApprovalLevel.BRANCH,
    Role.DISTRICT_OFFICER: ApprovalLevel.DISTRICT,
    Role.FEDERATION_ADMIN: ApprovalLevel.FEDERATION,
}


def level_of(principal: Principal) -> ApprovalLevel:
    """The approval level an officer decides for: their place in the organisation."""
    level = _LEVEL_OF_ROLE.get(principal.role)
    if level is None:
        raise DomainError(f"a {principal.role} does not decide on aid cases", field="decision")
    return level


def district_scope(principal: Principal, district: str | None) -> str | None:
    """The district filter of a district-wide resource (funds, reports): a branch officer sees
    their district's, like its district officer."""
    if principal.is_federation_wide:
        return district
    if district is not None and district != principal.district:
        raise ScopeError(f"{principal.role} of {principal.district} cannot see another district")
    return principal.district


def install_domain_errors(app: FastAPI) -> None:
    """Domain errors become 422 naming the field and the rule; unknown ids 404."""
    routes.install_domain_errors(app, DomainError, NotFound)


def in_scope(row: Any, what: str, principal: Principal) -> Any:
    return routes.in_scope(row, what, principal, NotFound)


def page_of(result: queries.Page, model: type[Any], page: int, size: int) -> dict[str, Any]:
    return routes.page_of(result.items, result.total, model, page, size)
