"""HTTP API: members read their inbox and set their preferences (member token); officers register
for alerts; district officers manage their branch systems' webhooks. One router per area; `ROUTERS`
is what the app includes."""

from fastapi import APIRouter

from notifications.entrypoints.http import inbox, members, officers, preferences, webhooks
from notifications.entrypoints.http._common import install_domain_errors

ROUTERS: list[APIRouter] = [
    members.router,
    inbox.router,
    preferences.router,
    officers.router,
    webhooks.router,
]

__all__ = ["ROUTERS", "install_domain_errors"]
