"""Bearer tokens (JWT) carrying a role and the unit the holder is scoped to.

A service only verifies tokens: asymmetric signatures (RS256, ES256, EdDSA) against the
identity provider's JWKS (a file or a URL), its own audience, the configured issuer. HS256 with a
shared secret exists for development only (`unionfed token`); settings refuse it elsewhere.

The scope rule lives here once: a federation admin or operator covers everything, a district
officer their district, a branch officer their branch. What a role may do at all (read, write
per area) is the access table's business (`unionfed_chassis.access`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import jwt

ASYMMETRIC_ALGORITHMS = ("RS256", "ES256", "EdDSA")
DEV_ALGORITHM = "HS256"
VERIFIED_CACHE_SIZE = 4096


def audience_of(service_name: str) -> str:
    """The `aud` a service requires unless JWT_AUDIENCE says otherwise."""
    return f"unionfed-{service_name}"


class Role(StrEnum):
    FEDERATION_ADMIN = "federation_admin"
    DISTRICT_OFFICER = "district_officer"
    BRANCH_OFFICER = "branch_officer"
    OPERATOR = "operator"
    # A member of the union, signed in to their own inbox and preferences (notifications): the
    # token's subject is their member id, and they cover no unit at all.
    MEMBER = "member"


class AuthError(Exception):
    """Missing, expired or malformed token (HTTP 401)."""


class ScopeError(Exception):
    """A valid token whose role or scope does not cover what was asked (HTTP 403)."""


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
        """Whether the unit (district, branch) is within reach; (None, None) is the federation
        itself, which only federation-wide roles cover."""
        if self.is_federation_wide:
            return True
        if self.role == Role.DISTRICT_OFFICER:
            return district is not None and district == self.district
        if self.role == Role.BRANCH_OFFICER:
            return branch is not None and branch == self.branch
        return False

    def check(self, district: str | None, branch: str | None = None) -> None:
        """Raise ScopeError unless this principal may act on the given unit."""
        if not self.covers(district, branch):
            raise ScopeError(f"{self.role} scoped to {self.district or self.branch} cannot act on this unit")


@dataclass(frozen=True)
class ClaimNames:
    """Where the identity provider puts the role and the unit (top-level claims)."""

    role: str = "role"
    district: str = "district"
    branch: str = "branch"


class TokenVerifier:
    """Verifies bearer tokens for one service: its audience, the issuer, and a key the token's
    `alg` is allowed to use. Keys come from a JWKS file (read once), a JWKS URL (PyJWKClient,
    cached; fetched off the event loop), and, in development only, an HS256 secret.

    A client sends the same token with every request and checking a signature is a large part
    of a cheap request's CPU (more so RS256), so verified tokens are remembered until their
    `exp`: the exact token string was verified, with this verifier's audience, issuer and keys.
    The price: a token stays accepted until it expires even if its key is withdrawn meanwhile."""

    def __init__(
        self,
        *,
        audience: str,
        issuer: str,
        jwks_file: Path | None = None,
        jwks_url: str | None = None,
        dev_secret: str | None = None,
        claims: ClaimNames = ClaimNames(),
        leeway_seconds: int = 30,
        jwks_cooldown_seconds: float = 30,
    ) -> None:
        self.audience = audience
        self.issuer = issuer
        self.claims = claims
        self.leeway = leeway_seconds
        self._dev_secret = dev_secret
        self._jwks = jwt.PyJWKSet.from_dict(json.loads(jwks_file.read_text())) if jwks_file else None
        # The key set is cached for 5 minutes and refetched early (at most every cooldown) for a
        # kid it lacks, so a rotated key is picked up; no per-kid cache, which would keep a key
        # the provider withdrew for good.
        self._jwks_client = (
            jwt.PyJWKClient(jwks_url, lifespan=300, cooldown_duration=jwks_cooldown_seconds)
            if jwks_url
            else None
        )
        self._verified: dict[str, tuple[Principal, float]] = {}

    async def verify(self, token: str) -> Principal:
        """The principal a token proves; AuthError (401) for anything else."""
        cached = self._verified.get(token)
        if cached is not None and cached[1] > time.time():
            return cached[0]
        principal, expires = await self._verify(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()  # simpler than LRU; a refill costs one verification per client
        self._verified[token] = (principal, expires)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
            alg = header.get("alg")
            key = await self._key_for(token, alg, header.get("kid"))
            claims = jwt.decode(
                token,
                key,
                algorithms=[str(alg)],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "sub", "aud", "iss"]},
            )
            return self._principal(claims), float(claims["exp"])
        except AuthError:
            raise
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            raise AuthError(f"invalid token: {exc}") from exc

    async def _key_for(self, token: str, alg: Any, kid: Any) -> Any:
        if alg == DEV_ALGORITHM and self._dev_secret is not None:
            return self._dev_secret
        if alg not in ASYMMETRIC_ALGORITHMS:
            raise AuthError(f"invalid token: algorithm {alg!r} is not accepted")
        if self._jwks is not None:
            return _key_in(self._jwks, kid).key
        if self._jwks_client is not None:
            # urllib underneath: a fetch (first use, key rotation) must not block the loop.
            signing_key = await asyncio.to_thread(self._jwks_client.get_signing_key_from_jwt, token)
            return signing_key.key
        raise AuthError("invalid token: no key to verify it with (set JWT_JWKS_FILE or JWT_JWKS_URL)")

    def _principal(self, claims: dict[str, Any]) -> Principal:
        principal = Principal(
            subject=str(claims["sub"]),
            role=Role(claims[self.claims.role]),
            district=claims.get(self.claims.district),
            branch=claims.get(self.claims.branch),
        )
        _require_unit(principal.role, principal.district, principal.branch)
        return principal


def _key_in(jwks: jwt.PyJWKSet, kid: Any) -> jwt.PyJWK:
    if kid is None and len(jwks.keys) == 1:
        return jwks.keys[0]
    for key in jwks.keys:
        if key.key_id == kid:
            return key
    raise AuthError(f"invalid token: no key with kid {kid!r} in the JWKS")


def _require_unit(role: Role, district: str | None, branch: str | None) -> None:
    """A scoped role without its unit would cover nothing useful; refuse the token outright."""
    if role == Role.DISTRICT_OFFICER and not district:
        raise ValueError("a district_officer token needs a district")
    if role == Role.BRANCH_OFFICER and not (branch and district):
        raise ValueError("a branch_officer token needs a branch and a district")


def issue_token(
    secret: str,
    *,
    role: str,
    subject: str,
    audience: str | Sequence[str],
    district: str | None = None,
    branch: str | None = None,
    ttl_seconds: int = 8 * 3600,
    issuer: str = "unionfed",
) -> str:
    """Sign a development token (HS256); a scoped role must name its unit. Services accept these
    only with ENVIRONMENT=development."""
    role_ = Role(role)
    _require_unit(role_, district, branch)
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "role": role_.value,
        "iss": issuer,
        "aud": audience if isinstance(audience, str) else list(audience),
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if district:
        claims["district"] = district
    if branch:
        claims["branch"] = branch
    return jwt.encode(claims, secret, algorithm=DEV_ALGORITHM)
