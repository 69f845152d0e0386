"""Routes of preferences: one's own (members and officers alike, keyed by the token's subject)
and, read-only, a member's for the officers whose scope covers them."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep

from notifications.adapters import preferences_store as store
from notifications.adapters.orm import members
from notifications.entrypoints.http._common import in_scope
from notifications.entrypoints.http._me import recipient_of
from notifications.entrypoints.http.access import READ, WRITE, Allow
from notifications.entrypoints.schemas import preferences as s

PreferencesReader = Annotated[Principal, Allow("preferences", READ)]
PreferencesWriter = Annotated[Principal, Allow("preferences", WRITE)]

router = APIRouter(tags=["preferences"])


@router.get("/me/preferences", response_model=s.PreferencesPublic)
async def my_preferences(uow: UowDep, principal: PreferencesReader) -> Any:
    """One's own preferences (the defaults until one chooses)."""
    _, recipient_id = recipient_of(principal)
    return s.PreferencesPublic.of(await store.load(uow.session, recipient_id))


@router.put("/me/preferences", response_model=s.PreferencesPublic)
async def set_my_preferences(body: s.PreferencesUpdate, uow: UowDep, principal: PreferencesWriter) -> Any:
    """Replace one's own preferences; critical messages (decisions on one's own case) ignore them."""
    _, recipient_id = recipient_of(principal)
    prefs = body.to_domain()
    await store.save(uow.session, recipient_id, prefs)
    await uow.commit()
    return s.PreferencesPublic.of(prefs)


@router.get("/preferences/{member_id}", response_model=s.PreferencesPublic)
async def member_preferences(member_id: UUID, uow: UowDep, principal: PreferencesReader) -> Any:
    """A member's preferences, for an officer whose scope covers the member (read-only)."""
    row = (
        await uow.session.execute(
            members.select()
            .with_only_columns(members.c.district, members.c.branch_id)
            .where(members.c.member_id == member_id)
        )
    ).one_or_none()
    in_scope(row, "member", principal)
    return s.PreferencesPublic.of(await store.load(uow.session, str(member_id)))
