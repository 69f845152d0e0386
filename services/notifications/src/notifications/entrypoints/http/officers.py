"""Routes of officers' alert registration: one's own (an officer's token gives the role and the
unit), and the list of registered officers within the caller's scope. Addresses are sealed
before they are stored and only ever shown masked."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from unionfed_chassis.auth import Principal
from unionfed_chassis.contact_seal import ContactKeyring, ContactPoints
from unionfed_chassis.http import UowDep
from unionfed_chassis.routes import BranchFilter, DistrictFilter, Page, PageNo, PageSize, scoped

from notifications.adapters import officers_store as store
from notifications.domain.errors import NotFound
from notifications.entrypoints.http._me import recipient_of
from notifications.entrypoints.http.access import READ, WRITE, Allow
from notifications.entrypoints.schemas import officers as s

OfficersReader = Annotated[Principal, Allow("officers", READ)]
OfficersWriter = Annotated[Principal, Allow("officers", WRITE)]

router = APIRouter(tags=["officers"])


def _keyring(request: Request) -> ContactKeyring:
    keyring: ContactKeyring = request.app.state.contact_keyring
    return keyring


@router.put("/officers/me", response_model=s.OfficerPublic)
async def register_me(
    body: s.OfficerRegistration, request: Request, uow: UowDep, principal: OfficersWriter
) -> Any:
    """Register (or replace) where one's alerts go: e-mail and/or mobile, and the digest choice."""
    recipient_of(principal)  # officers only, whatever the table grants
    keyring = _keyring(request)
    key_id = request.app.state.settings.contact_key_id
    contact = ContactPoints(phone=body.phone, email=body.email)
    await store.register(uow.session, principal, contact, body.digest, key_id, keyring.public_key(key_id))
    await uow.commit()
    return store.masked(await store.get(uow.session, principal.subject), keyring)


@router.get("/officers/me", response_model=s.OfficerPublic)
async def my_registration(request: Request, uow: UowDep, principal: OfficersReader) -> Any:
    """One's own registration, addresses masked; 404 when not registered."""
    row = await store.get(uow.session, principal.subject)
    if row is None:
        raise NotFound("officer registration")
    return store.masked(row, _keyring(request))


@router.delete("/officers/me", status_code=204)
async def unregister_me(uow: UowDep, principal: OfficersWriter) -> Response:
    """Withdraw one's registration and addresses (in-app alerts stay); 404 when not registered."""
    if not await store.remove(uow.session, principal.subject):
        raise NotFound("officer registration")
    await uow.commit()
    return Response(status_code=204)


@router.get("/officers", response_model=Page[s.OfficerPublic])
async def list_officers(
    request: Request,
    uow: UowDep,
    principal: OfficersReader,
    district: DistrictFilter = None,
    branch_id: BranchFilter = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Officers registered for alerts within the caller's scope, addresses masked."""
    district, branch_id = scoped(principal, district, branch_id)
    rows, total = await store.listing(uow.session, page, page_size, district=district, branch_id=branch_id)
    keyring = _keyring(request)
    items = [store.masked(row, keyring) for row in rows]
    return {"items": items, "total": total, "page": page, "page_size": page_size}
