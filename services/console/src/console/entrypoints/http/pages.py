"""Server-rendered pages: Jinja2 templates (autoescaped) with htmx for the live parts. Why not a
single-page app: an operator's pages are tables and forms over the console's own API, htmx adds
the live stream (server-sent events) and partial updates without a build step or a CDN, and
every page is one GET a browser test or `curl` can read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from unionfed_chassis.auth import Principal

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parents[2] / "templates"))

NAVIGATION = (
    ("stream", "/stream", "Live stream"),
    ("members", "/members", "Member timeline"),
    ("groups", "/groups", "Consumer groups"),
    ("dead_letters", "/dead-letters", "Dead letters"),
    ("contracts", "/contracts", "Contracts"),
    ("outbox", "/outbox", "Outbox"),
)


def render(
    request: Request,
    template: str,
    principal: Principal | None,
    *,
    page: str,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page inside the layout (`templates/base.html`): navigation with `page` marked current,
    who is signed in and their scope."""
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {"principal": principal, "page": page, "navigation": NAVIGATION, **context},
        status_code=status,
    )
