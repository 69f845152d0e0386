"""The floor the HTTP bench compares the membership service with: a bare FastAPI app on a plain
asyncpg pool doing the same work per request, no chassis. `uvicorn bench.http_floor:app`.

Same work means: the bearer token is verified (PyJWT, HS256, the service's audience and issuer)
where the service verifies one, the
same rows are read from the same database (one member; count + a page of 20 for a list), and the
public join validates the same body (national-ID checksum, mobile number) and inserts one row.
Environment: FLOOR_DSN (asyncpg DSN of the membership database), JWT_SECRET.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

import asyncpg
import jwt
from fastapi import Depends, FastAPI, Header, HTTPException, Query
from membership.domain.errors import DomainError
from membership.domain.national_id import mask_national_id, validate_national_id
from membership.domain.phone import mask_phone, validate_mobile
from pydantic import BaseModel, field_validator

MEMBER = (
    "member_id, card_number, name, national_id_masked, phone_masked, employer, employment_type, "
    "branch_id, district, industry, status, channel, joined_on, left_on, leave_reason, version"
)
APPLICATIONS = """CREATE TABLE IF NOT EXISTS floor_applications (
  application_id uuid PRIMARY KEY, branch_id text NOT NULL, name text NOT NULL,
  national_id_masked text NOT NULL, phone_masked text NOT NULL, employer text NOT NULL,
  employment_type text NOT NULL, submitted_on date NOT NULL DEFAULT current_date)"""

AUDIENCE = "unionfed-membership"
pool: asyncpg.Pool | None = None


@contextlib.asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    global pool
    pool = await asyncpg.create_pool(os.environ["FLOOR_DSN"], min_size=2, max_size=10)
    await pool.execute(APPLICATIONS)
    yield
    await pool.close()


app = FastAPI(lifespan=lifespan)


def caller(authorization: Annotated[str, Header()] = "") -> dict[str, Any]:
    _scheme, _, token = authorization.partition(" ")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            os.environ["JWT_SECRET"],
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer="unionfed",
            options={"require": ["exp", "sub"]},
        )
    except jwt.PyJWTError:
        raise HTTPException(401) from None
    return claims


Caller = Annotated[dict[str, Any], Depends(caller)]


@app.get("/health/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/members/{member_id}")
async def one_member(member_id: uuid.UUID, _: Caller) -> dict[str, Any]:
    assert pool is not None
    row = await pool.fetchrow(f"SELECT {MEMBER} FROM members WHERE member_id = $1", member_id)
    if row is None:
        raise HTTPException(404)
    return dict(row)


@app.get("/members")
async def page_of_members(
    _: Caller, page: Annotated[int, Query(ge=1)] = 1, page_size: Annotated[int, Query(ge=1, le=200)] = 50
) -> dict[str, Any]:
    assert pool is not None
    async with pool.acquire() as conn:
        total = await conn.fetchval("SELECT count(*) FROM members")
        rows = await conn.fetch(
            f"SELECT {MEMBER} FROM members ORDER BY card_number LIMIT $1 OFFSET $2",
            page_size,
            (page - 1) * page_size,
        )
    return {"items": [dict(r) for r in rows], "total": total, "page": page, "page_size": page_size}


class ApplicationIn(BaseModel):
    branch_id: str
    name: str
    national_id: str
    phone: str
    employer: str
    employment_type: str

    @field_validator("national_id")
    @classmethod
    def _national_id(cls, value: str) -> str:
        try:
            return validate_national_id(value)
        except DomainError as exc:
            raise ValueError(exc.reason) from None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        try:
            return validate_mobile(value)
        except DomainError as exc:
            raise ValueError(exc.reason) from None


@app.post("/applications", status_code=201)
async def join(body: ApplicationIn) -> dict[str, Any]:
    assert pool is not None
    application_id = uuid.uuid4()
    await pool.execute(
        "INSERT INTO floor_applications (application_id, branch_id, name, national_id_masked, "
        "phone_masked, employer, employment_type) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        application_id,
        body.branch_id,
        body.name,
        mask_national_id(body.national_id),
        mask_phone(body.phone),
        body.employer,
        body.employment_type,
    )
    return {"application_id": application_id, "branch_id": body.branch_id, "status": "pending"}
