"""What the routers share: dependencies, the scope of list filters, pagination, domain errors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter
from unionfed_chassis.auth import Principal, Role, ScopeError
from unionfed_chassis.errors import error_body
from unionfed_chassis.inputs import MAX_PAGE, MAX_PAGE_SIZE, DistrictCode, ShortText, Slug

from membership.adapters import queries
from membership.adapters.vault import NationalIdVault
from membership.domain.errors import DomainError, NotFound

PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
# Parameter types of the routes: bounded, no control characters (see unionfed_chassis.inputs).
BranchIdPath = Annotated[Slug, Path(description="Branch id, e.g. `xuhui-b012`")]
DistrictFilter = Annotated[DistrictCode | None, Query(description="Only this district")]
BranchFilter = Annotated[Slug | None, Query(description="Only this branch")]
TextFilter = Annotated[ShortText | None, Query()]


async def get_vault(request: Request) -> NationalIdVault:
    vault: NationalIdVault = request.app.state.vault
    return vault


VaultDep = Annotated[NationalIdVault, Depends(get_vault)]


def install_domain_errors(app: FastAPI) -> None:
    """Domain errors become 422 naming the field; unknown ids 404."""

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        status = 404 if isinstance(exc, NotFound) else 422
        return JSONResponse(error_body(exc.reason, exc.field), status_code=status)


def scoped(
    principal: Principal, district: str | None, branch_id: str | None
) -> tuple[str | None, str | None]:
    """The list filters a principal may use: their own unit, whatever they asked for."""
    if principal.is_federation_wide:
        return district, branch_id
    if district is not None and district != principal.district:
        raise ScopeError(f"{principal.role} of {principal.district} cannot see district {district}")
    if principal.role == Role.DISTRICT_OFFICER:
        return principal.district, branch_id
    if branch_id is not None and branch_id != principal.branch:
        raise ScopeError(f"branch officer of {principal.branch} cannot see branch {branch_id}")
    return district, principal.branch


_ITEMS: dict[type[Any], TypeAdapter[list[Any]]] = {}


def _items(model: type[Any]) -> TypeAdapter[list[Any]]:
    if model not in _ITEMS:
        _ITEMS[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return _ITEMS[model]


def in_scope(row: Any, what: str, principal: Principal) -> Any:
    """The row of a unit-owned resource (its `district` and `branch_id`), or 404 when there is
    none; 403 unless the principal's scope covers it."""
    if row is None:
        raise NotFound(what)
    principal.check(row.district, row.branch_id)
    return row


def page_of(result: queries.Page, model: type[Any], page: int, size: int) -> dict[str, Any]:
    # One validation call for the whole page (rows read by attribute inside pydantic-core), not one per row.
    return {
        "items": _items(model).validate_python(result.items),
        "total": result.total,
        "page": page,
        "page_size": size,
    }
