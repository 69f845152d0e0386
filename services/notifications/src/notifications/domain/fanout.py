"""A campaign's invitation to its audience, plain Python: which channels a bulk message uses.

Campaign messages go to the in-app inbox and by e-mail unless the member narrowed the campaign
category (`preferences.channels["campaign"]`) or opted out; SMS only for a member who chose it,
as SMS costs money per message and a campaign invitation is not urgent. A channel is used only
where the member can be reached (an e-mail address or a phone number among their contact points).
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from notifications.domain.model import Category, Channel

INVITATION_TEMPLATE = "campaign_invitation"

# (channel, used when the member made no choice for the category)
CAMPAIGN_CHANNELS: tuple[tuple[Channel, bool], ...] = (
    (Channel.IN_APP, True),
    (Channel.EMAIL, True),
    (Channel.SMS, False),
)
CATEGORY = Category.CAMPAIGN


def invitation_content_id(campaign_id: UUID) -> UUID:
    """The id of a campaign's invitation content, derived from the campaign: every audience chunk
    finds it by primary key, with no column or index for the campaign id."""
    return uuid5(NAMESPACE_URL, f"unionfed:notifications:{INVITATION_TEMPLATE}:{campaign_id}")
