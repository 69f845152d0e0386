"""Aid windows from campaigns' events: a Golden-Autumn drive opens an education-aid window for
its districts, industries and dates; closing the campaign early closes the window."""

from __future__ import annotations

from unionfed_chassis.db import UnitOfWork
from unionfed_events import campaigns as cev
from unionfed_events.assistance import AidType

from assistance.adapters import aid_windows

# Which campaign kinds open an aid window, and for which aid type.
WINDOW_OF_KIND = {cev.CampaignKind.GOLDEN_AUTUMN.value: AidType.EDUCATION}


async def campaign_launched(uow: UnitOfWork, event: cev.CampaignLaunched) -> None:
    """Open (or refresh) the window of a drive that opens one; other kinds open nothing."""
    aid_type = WINDOW_OF_KIND.get(str(event.kind))
    if aid_type is None:
        return
    await aid_windows.open_window(
        uow.session,
        {
            "campaign_id": event.campaign_id,
            "aid_type": aid_type.value,
            "title": event.title,
            "districts": list(event.districts),
            "industries": list(event.industries),
            "opens_on": event.starts_on,
            "closes_on": event.ends_on,
        },
    )


async def campaign_closed(uow: UnitOfWork, event: cev.CampaignClosed) -> None:
    """Close the campaign's window on its closing day, if it has one (most campaigns do not)."""
    await aid_windows.close_window(uow.session, event.campaign_id, event.closed_on)
