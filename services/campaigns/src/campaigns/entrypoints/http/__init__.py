"""HTTP API for organisers (bearer token, scoped). One router per area; `ROUTERS` is what the app includes."""

from fastapi import APIRouter

from campaigns.entrypoints.http import campaigns, members
from campaigns.entrypoints.http._common import install_domain_errors

ROUTERS: list[APIRouter] = [
    members.router,
    campaigns.router,
]

__all__ = ["ROUTERS", "install_domain_errors"]
