"""Routes of the service's member view (built from membership's events): the chassis' own."""

from __future__ import annotations

from unionfed_chassis.member_view_routes import member_view_router

from notifications.adapters.orm import member_view
from notifications.entrypoints.http.access import READ, Allow

router = member_view_router(member_view, Allow("members", READ))
