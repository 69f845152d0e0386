"""Who "me" is on the routes a person uses for themselves (inbox, preferences, officers): the
token's subject, never a path parameter, so no one can name someone else's records."""

from __future__ import annotations

from unionfed_chassis.auth import Principal, Role, ScopeError

from notifications.domain.model import RecipientKind

OFFICER_ROLES = frozenset({Role.FEDERATION_ADMIN, Role.DISTRICT_OFFICER, Role.BRANCH_OFFICER})


def recipient_of(principal: Principal) -> tuple[RecipientKind, str]:
    """The recipient a token speaks for: a member (subject = member id) or an officer (subject =
    the identity provider's user id). The kind is part of the key, so an officer whose subject
    happened to equal a member's id still reads only officer rows."""
    if principal.role == Role.MEMBER:
        return RecipientKind.MEMBER, principal.subject
    if principal.role in OFFICER_ROLES:
        return RecipientKind.OFFICER, principal.subject
    raise ScopeError(f"a {principal.role} token has no inbox or preferences")
