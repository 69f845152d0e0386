"""Message templates, rendered in a sandbox.

Templates are files in `templates/<language>/<name>.{subject,txt,html}.j2`, in Simplified Chinese
(the default) and English. They run in Jinja2's SandboxedEnvironment with StrictUndefined: a
value that came from a member or an event (a name, a rejection reason) is data, never template
code, and the HTML part escapes it (autoescape), so member-supplied text cannot inject markup.

Dates, times and money go through Babel filters in the recipient's locale (`zh_CN`, `en`) and
time zone: `format_date`, `format_datetime`, `format_currency` (yuan, CNY). Parameters arrive as
JSON (a `contents` row), so the filters accept ISO strings and decimal strings as well as values.

The `.txt` part is the short form: an SMS carries it, so the Chinese one stays within 70
characters (free text from an officer is truncated there); the HTML part carries everything.
Member templates may greet with `name`, which the caller adds from the member view at render
time (it is never stored with the parameters).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime
from babel.numbers import format_currency as babel_currency
from jinja2 import FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from notifications.domain.model import Rendered
from notifications.domain.preferences import DEFAULT_LANGUAGE, LANGUAGES

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
DEFAULT_TIMEZONE = "Asia/Shanghai"
LOCALES = {"zh": "zh_CN", "en": "en"}

# Context entries the renderer sets for the filters (after the parameters, so never overridden).
_LOCALE = "_locale"
_ZONE = "_zone"


class UnknownTemplate(Exception):
    """No template of this name (a programming error: routing names only existing templates)."""


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


@pass_context
def format_date(context: Context, value: Any, format: str = "long") -> str:
    """A date (or an ISO date string) in the recipient's locale: 2025年1月15日, January 15, 2025."""
    return babel_date(_as_date(value), format=format, locale=context[_LOCALE])


@pass_context
def format_datetime(context: Context, value: Any, format: str = "medium") -> str:
    """An instant (or an ISO string with its offset) in the recipient's locale and time zone."""
    return babel_datetime(
        _as_datetime(value), format=format, tzinfo=ZoneInfo(context[_ZONE]), locale=context[_LOCALE]
    )


@pass_context
def format_currency(context: Context, value: Any) -> str:
    """An amount of yuan (a decimal or its string; events carry money as exact strings)."""
    return babel_currency(Decimal(str(value)), "CNY", locale=context[_LOCALE])


class Renderer:
    def __init__(self, root: Path = TEMPLATES) -> None:
        self._env = SandboxedEnvironment(
            loader=FileSystemLoader(root),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
            undefined=StrictUndefined,
            keep_trailing_newline=False,
        )
        self._env.filters.update(
            format_date=format_date, format_datetime=format_datetime, format_currency=format_currency
        )
        self._root = root

    @property
    def environment(self) -> SandboxedEnvironment:
        """The sandbox every template runs in (tests try hostile template sources through it)."""
        return self._env

    def render(
        self, template: str, language: str, params: dict[str, Any], timezone: str = DEFAULT_TIMEZONE
    ) -> Rendered:
        """The message in `language` (Chinese if not one of ours), dates in `timezone`."""
        language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        if not (self._root / language / f"{template}.txt.j2").exists():
            raise UnknownTemplate(template)
        values = {**params, _LOCALE: LOCALES[language], _ZONE: timezone}
        part = lambda kind: self._env.get_template(f"{language}/{template}.{kind}.j2").render(values)  # noqa: E731
        return Rendered(subject=part("subject").strip(), text=part("txt").strip(), html=part("html"))
