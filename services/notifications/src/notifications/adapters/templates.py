"""Message templates, rendered in a sandbox.

Templates are files in `templates/<language>/<name>.{subject,txt,html}.j2`, in Simplified Chinese
(the default) and English. They run in Jinja2's SandboxedEnvironment with StrictUndefined: a
value that came from a member or an event (a name, a campaign title) is data, never template
code, and the HTML part escapes it (autoescape), so member-supplied text cannot inject markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from notifications.domain.model import Rendered
from notifications.domain.preferences import DEFAULT_LANGUAGE, LANGUAGES

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


class UnknownTemplate(Exception):
    """No template of this name (a programming error: routing names only existing templates)."""


class Renderer:
    def __init__(self, root: Path = TEMPLATES) -> None:
        self._env = SandboxedEnvironment(
            loader=FileSystemLoader(root),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
            undefined=StrictUndefined,
            keep_trailing_newline=False,
        )
        self._root = root

    def render(self, template: str, language: str, params: dict[str, Any]) -> Rendered:
        language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        if not (self._root / language / f"{template}.txt.j2").exists():
            raise UnknownTemplate(template)
        part = lambda kind: self._env.get_template(f"{language}/{template}.{kind}.j2").render(**params)  # noqa: E731
        return Rendered(subject=part("subject").strip(), text=part("txt").strip(), html=part("html"))
