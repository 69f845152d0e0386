"""HTTP API for officers (bearer token, scoped). One router per area; `ROUTERS` is what the app includes."""

from assistance.entrypoints.http import cases, funds, members, mutual_aid, payments
from assistance.entrypoints.http._common import install_domain_errors

ROUTERS = [members.router, cases.router, funds.router, payments.router, mutual_aid.router]

__all__ = ["ROUTERS", "install_domain_errors"]
