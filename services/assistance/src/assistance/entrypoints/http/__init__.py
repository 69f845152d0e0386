"""HTTP API for officers (bearer token, scoped). One router per area; `ROUTERS` is what the app includes."""

from assistance.entrypoints.http import (
    cases,
    funds,
    hardship,
    members,
    mutual_aid,
    payments,
    reports_decisions,
)
from assistance.entrypoints.http._common import install_domain_errors

ROUTERS = [
    members.router,
    cases.router,
    funds.router,
    payments.router,
    mutual_aid.router,
    hardship.router,
    reports_decisions.router,
]

__all__ = ["ROUTERS", "install_domain_errors"]
