"""Bearer tokens (JWT, HS256) carrying a role and the unit the holder is scoped to.

The scope rule lives here once: a federation admin or operator sees everything, a district
officer their district, a branch officer their branch. Routes ask for a `Principal` and call
`principal.check(district, branch)` or filter queries with `principal.visible_districts()`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

import jwt


class Role(StrEnum):
    FEDERATION_ADMIN = "federation_admin"
    DISTRICT_OFFICER = "district_officer"
    BRANCH_OFFICER = "branch_officer"
    OPERATOR = "operator"


class AuthError(Exception):
    """Missing, expired or malformed token (HTTP 401)."""


class ScopeError(Exception):
    """A valid token whose scope does not cover the unit asked for (HTTP 403)."""


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    district: str | None = None
    branch: str | None = None

    @property
    def is_federation_wide(self) -> bool:
        return self.role in (Role.FEDERATION_ADMIN, Role.OPERATOR)

    def covers(self, district: str | None, branch: str | None = None) -> bool:
        if self.is_federation_wide:
            return True
        if self.role == Role.DISTRICT_OFFICER:
            return district is not None and district == self.district
        return branch is not None and branch == self.branch

    def check(self, district: str | None, branch: str | None = None) -> None:
        """Raise ScopeError unless this principal may act on the given unit."""
        if not self.covers(district, branch):
            raise ScopeError(f"{self.role} scoped to {self.district or self.branch} cannot act on this unit")

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            raise ScopeError(f"role {self.role} may not do this; needs one of {', '.join(roles)}")


def issue_token(
    secret: str,
    *,
    role: str,
    subject: str,
    district: str | None = None,
    branch: str | None = None,
    ttl_seconds: int = 8 * 3600,
    issuer: str = "unionfed",
) -> str:
    """Sign a token; a scoped role must name its unit."""
    role_ = Role(role)
    if role_ == Role.DISTRICT_OFFICER and not district:
        raise ValueError("a district_officer token needs --district")
    if role_ == Role.BRANCH_OFFICER and not (branch and district):
        raise ValueError("a branch_officer token needs --branch and --district")
    now = int(time.time())
    claims = {"sub": subject, "role": role_.value, "iss": issuer, "iat": now, "exp": now + ttl_seconds}
    if district:
        claims["district"] = district
    if branch:
        claims["branch"] = branch
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_token(token: str, secret: str, issuer: str = "unionfed") -> Principal:
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], issuer=issuer, options={"require": ["exp", "sub"]}
        )
        return Principal(
            subject=claims["sub"],
            role=Role(claims["role"]),
            district=claims.get("district"),
            branch=claims.get("branch"),
        )
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise AuthError(f"invalid token: {exc}") from exc
