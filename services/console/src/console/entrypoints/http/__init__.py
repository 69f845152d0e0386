"""The console's pages and JSON API. One module per page (its HTML route and its `/api/` route);
`ROUTERS` is what the app includes."""

from fastapi import APIRouter

from console.entrypoints.http import contracts, groups, outbox, session

ROUTERS: list[APIRouter] = [
    session.router,
    groups.router,
    outbox.router,
    contracts.router,
]

__all__ = ["ROUTERS"]
