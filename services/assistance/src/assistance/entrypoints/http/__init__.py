"""HTTP API for officers (bearer token, scoped). One router per area; `ROUTERS` is what the app includes."""

from assistance.entrypoints.http import (
    aid_windows,
    appeals,
    cases,
    funds,
    hardship,
    members,
    mutual_aid,
    payments,
    reports,
    reports_decisions,
)
from assistance.entrypoints.http._common import install_domain_errors

ROUTERS = [
    members.router,
    cases.router,
    funds.router,
    payments.router,
    mutual_aid.router,
    appeals.router,
    reports.router,
    aid_windows.router,
    hardship.router,
    reports_decisions.router,
]

__all__ = ["ROUTERS", "install_domain_errors"]
