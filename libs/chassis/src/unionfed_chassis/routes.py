"""What every service's routers share: list filters within the caller's scope, one resource
within it, pages, and domain errors as HTTP answers."""

from __future__ import annotations

from typing import Annotated, Any, Generic, Protocol, TypeVar

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from .auth import Principal, Role, ScopeError
from .errors import error_body
from .inputs import MAX_PAGE, MAX_PAGE_SIZE, DistrictCode, ShortText, Slug

PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
DistrictFilter = Annotated[DistrictCode | None, Query(description="Only this district")]
BranchFilter = Annotated[Slug | None, Query(description="Only this branch")]
TextFilter = Annotated[ShortText | None, Query()]

T = TypeVar("T")


class Public(BaseModel):
    """Base of response models: built from rows or domain objects by attribute."""

    model_config = ConfigDict(from_attributes=True)


class Page(Public, Generic[T]):
    items: list[T]
    total: int = Field(description="Matching items over all pages")
    page: int
    page_size: int


class DomainErrorShape(Protocol):
    """What a service's domain errors carry: a reason for people, the input field at fault,
    optionally the business rule that refused (`rule`) and whether it was a missing thing."""

    reason: str
    field: str | None


def install_domain_errors(app: FastAPI, error: type[Exception], not_found: type[Exception]) -> None:
    """`error` becomes 422 naming the field (and the rule, when it has one); `not_found` 404."""

    @app.exception_handler(error)
    async def _domain(_: Request, exc: Exception) -> JSONResponse:
        status = 404 if isinstance(exc, not_found) else 422
        body = error_body(exc.reason, exc.field, rule=getattr(exc, "rule", None))  # type: ignore[attr-defined]
        return JSONResponse(body, status_code=status)


def scoped(
    principal: Principal, district: str | None, branch_id: str | None
) -> tuple[str | None, str | None]:
    """The list filters a principal may use: their own unit, whatever they asked for."""
    if principal.is_federation_wide:
        return district, branch_id
    if district is not None and district != principal.district:
        # The refusal names the caller's own unit, never the one asked for (errors echo no input).
        raise ScopeError(f"{principal.role} of {principal.district} cannot see another district")
    if principal.role == Role.DISTRICT_OFFICER:
        return principal.district, branch_id
    if principal.role != Role.BRANCH_OFFICER:  # a member covers no unit: no list of units
        raise ScopeError(f"a {principal.role} lists no unit's records")
    if branch_id is not None and branch_id != principal.branch:
        raise ScopeError(f"branch officer of {principal.branch} cannot see another branch")
    return district, principal.branch


def in_scope(row: Any, what: str, principal: Principal, not_found: type[Exception]) -> Any:
    """The row of a unit-owned resource (its `district` and `branch_id`), or `not_found(what)`
    (a 404) when there is none; 403 unless the principal's scope covers it."""
    if row is None:
        raise not_found(what)
    principal.check(row.district, row.branch_id)
    return row


_ITEMS: dict[type[Any], TypeAdapter[list[Any]]] = {}


def _items(model: type[Any]) -> TypeAdapter[list[Any]]:
    if model not in _ITEMS:
        _ITEMS[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return _ITEMS[model]


def page_of(items: list[Any], total: int, model: type[Any], page: int, size: int) -> dict[str, Any]:
    # One validation call for the whole page (rows read by attribute inside pydantic-core), not one per row.
    return {"items": _items(model).validate_python(items), "total": total, "page": page, "page_size": size}
