"""The console's pages and JSON API. One module per page (its HTML route and its `/api/` route);
`ROUTERS` is what the app includes."""

from fastapi import APIRouter

from console.entrypoints.http import dead_letters, members, session, stream

ROUTERS: list[APIRouter] = [
    session.router,
    stream.router,
    members.router,
    dead_letters.router,
]

__all__ = ["ROUTERS"]
