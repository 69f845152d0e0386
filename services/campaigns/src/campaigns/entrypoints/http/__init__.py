"""HTTP API for organisers (bearer token, scoped). One router per area; `ROUTERS` is what the app includes."""

from fastapi import APIRouter

from campaigns.entrypoints.http import competitions, deliveries, honours, participation, proposals, surveys
from campaigns.entrypoints.http._common import install_domain_errors

ROUTERS: list[APIRouter] = [
    participation.router,
    deliveries.router,
    proposals.router,
    competitions.router,
    honours.router,
    surveys.router,
]

__all__ = ["ROUTERS", "install_domain_errors"]
