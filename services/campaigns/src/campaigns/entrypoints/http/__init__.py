"""HTTP API for organisers (bearer token, scoped). One router per area; `ROUTERS` is what the app includes."""

from fastapi import APIRouter

from campaigns.entrypoints.http import competitions, honours, proposals, surveys
from campaigns.entrypoints.http._common import install_domain_errors

ROUTERS: list[APIRouter] = []
ROUTERS.append(proposals.router)
ROUTERS.append(competitions.router)
ROUTERS.append(honours.router)
ROUTERS.append(surveys.router)

__all__ = ["ROUTERS", "install_domain_errors"]
