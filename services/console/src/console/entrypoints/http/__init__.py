"""The console's pages and JSON API. One module per page (its HTML route and its `/api/` route);
`ROUTERS` is what the app includes."""

from fastapi import APIRouter

from console.entrypoints.http import contracts, dead_letters, groups, members, outbox, session, stream

ROUTERS: list[APIRouter] = [
    session.router,
    stream.router,
    members.router,
    dead_letters.router,
    groups.router,
    outbox.router,
    contracts.router,
]

__all__ = ["ROUTERS"]
