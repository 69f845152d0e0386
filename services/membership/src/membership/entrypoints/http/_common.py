"""What the routers share: dependencies and the membership bindings of the chassis' route helpers."""

from __future__ import annotations

from typing import Annotated, Any

import unionfed_chassis.routes as routes
from fastapi import Depends, FastAPI, Path, Request
from unionfed_chassis.auth import Principal
from unionfed_chassis.inputs import Slug
from unionfed_chassis.routes import BranchFilter, DistrictFilter, PageNo, PageSize, TextFilter, scoped

from membership.adapters import queries
from membership.adapters.vault import NationalIdVault
from membership.domain.errors import DomainError, NotFound

__all__ = ["BranchFilter", "DistrictFilter", "PageNo", "PageSize", "TextFilter", "scoped"]

BranchIdPath = Annotated[Slug, Path(description="Branch id, e.g. `xuhui-b012`")]


async def get_vault(request: Request) -> NationalIdVault:
    vault: NationalIdVault = request.app.state.vault
    return vault


VaultDep = Annotated[NationalIdVault, Depends(get_vault)]


def install_domain_errors(app: FastAPI) -> None:
    """Domain errors become 422 naming the field; unknown ids 404."""
    routes.install_domain_errors(app, DomainError, NotFound)


def in_scope(row: Any, what: str, principal: Principal) -> Any:
    return routes.in_scope(row, what, principal, NotFound)


def page_of(result: queries.Page, model: type[Any], page: int, size: int) -> dict[str, Any]:
    return routes.page_of(result.items, result.total, model, page, size)
