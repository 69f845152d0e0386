"""HTTP API: officers (bearer token, scoped) and the public self-service application form.
One router per area; `ROUTERS` is what the app includes."""

from membership.entrypoints.http import branch_systems, imports, joining, members, organisation, stats
from membership.entrypoints.http._common import install_domain_errors

ROUTERS = [
    organisation.router,
    joining.router,
    branch_systems.router,
    imports.router,
    members.router,
    stats.router,
]

__all__ = ["ROUTERS", "install_domain_errors"]
