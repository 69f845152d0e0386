"""The jq expression of a stream filter: compiled once per filter, run on each record's payload.

Cost is bounded by what the expression may say, checked before it is compiled. libjq has no
timeout and runs inside the request, so an expression must not be able to grow values or
multiply work beyond the payload's own size: no constructors (`[…]` literals, `{…}`, `,`,
`+`, `*`, string interpolation), no variables, definitions, loops or reductions, at most one
recursive descent (`..`), and only the builtins listed here (none of which reads the
environment, a file or input beyond the payload). Paths, comparisons, `and`/`or`/`not`, `//`,
`if`, `try`, `select`, `any`/`all`, `test`, `contains`, `length` and the like remain: what
filtering a payload needs. Regular expressions are bounded by Oniguruma's match retry limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jq

MAX_LENGTH = 300

KEYWORDS = frozenset(
    ("if", "then", "elif", "else", "end", "and", "or", "not", "try", "catch", "true", "false", "null")
)
# Builtins whose output is at most about as large as their input, and that read nothing else.
BUILTINS = frozenset(
    (
        "select",
        "empty",
        "error",
        "any",
        "all",
        "has",
        "in",
        "inside",
        "contains",
        "startswith",
        "endswith",
        "ltrimstr",
        "rtrimstr",
        "test",
        "length",
        "utf8bytelength",
        "keys",
        "keys_unsorted",
        "values",
        "type",
        "tostring",
        "tonumber",
        "ascii_downcase",
        "ascii_upcase",
        "first",
        "last",
        "min",
        "max",
        "sort",
        "unique",
        "floor",
        "ceil",
        "fabs",
        "map",
        "map_values",
        "isnumber",
        "isstring",
        "isboolean",
        "isnull",
        "isvalid",
        "numbers",
        "strings",
        "booleans",
        "nulls",
        "arrays",
        "objects",
        "iterables",
        "scalars",
        "index",
        "rindex",
        "split",
    )
)
ALLOWED_NAMES = KEYWORDS | BUILTINS
_FORBIDDEN_CHARACTERS = {
    "{": "object construction",
    ",": "`,` (several outputs)",
    "+": "`+`",
    "*": "`*`",
    "$": "variables",
    "@": "formats (`@base64`, …)",
    "#": "comments",
}
# `[` indexes a path only right after one (`.items[]`, `.a[0]`, `(…)[1:]`, `."x"[0]`).
_POSTFIX_BEFORE_BRACKET = re.compile(r"(?:[\]\)\?\.\"]|\.[A-Za-z_][A-Za-z0-9_]*)$")
_ASSIGNMENT = re.compile(r"(?<![=!<>])=(?!=)")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?")


class InvalidJq(ValueError):
    """An expression that does not compile or is not allowed; the message says why."""


@dataclass(frozen=True)
class JqFilter:
    """A compiled expression; a record matches when its first output is neither false nor null."""

    source: str
    program: Any

    def matches(self, payload: Any) -> bool:
        try:
            output = self.program.input_value(payload).first()
        except StopIteration:  # no output (`select` said no)
            return False
        except ValueError:  # a runtime error on this record (`tonumber` of a name, …): no match
            return False
        return output is not None and output is not False


@lru_cache(maxsize=256)
def compile_jq(source: str) -> JqFilter:
    """The checked, compiled expression; raises InvalidJq (cached: a live stream reconnecting
    with the same filter compiles it once)."""
    source = source.strip()
    if not source:
        raise InvalidJq("must not be empty")
    if len(source) > MAX_LENGTH:
        raise InvalidJq(f"at most {MAX_LENGTH} characters")
    _check_allowed(source)
    try:
        return JqFilter(source, jq.compile(source))
    except ValueError as exc:
        raise InvalidJq(_compile_error(str(exc))) from None


def _compile_error(message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else "does not compile"
    return first.removeprefix("jq: error: ")


def _check_allowed(source: str) -> None:
    code = _code_outside_strings(source)
    if code.count("..") > 1:
        raise InvalidJq("at most one recursive descent `..` (each one walks the whole payload)")
    for character, what in _FORBIDDEN_CHARACTERS.items():
        if character in code:
            raise InvalidJq(f"{what} is not allowed in a stream filter (it could grow without bound)")
    if _ASSIGNMENT.search(code):
        raise InvalidJq("assignment is not allowed in a stream filter (it could grow without bound)")
    for position, character in enumerate(code):
        if character == "[" and not _POSTFIX_BEFORE_BRACKET.search(code[:position]):
            raise InvalidJq("array construction `[…]` is not allowed; index a path instead (`.items[]`)")
    _check_names(code)


def _check_names(code: str) -> None:
    position = 0
    while position < len(code):
        number = _NUMBER.match(code, position)
        if number and (position == 0 or not code[position - 1].isalnum()):
            position = number.end()
            continue
        name = _NAME.match(code, position)
        if name is None:
            position += 1
            continue
        is_field = position > 0 and code[position - 1] == "."
        if not is_field and name.group() not in ALLOWED_NAMES:
            raise InvalidJq(f"`{name.group()}` is not allowed in a stream filter")
        position = name.end()


def _code_outside_strings(source: str) -> str:
    """The expression with string literals replaced by `""`; interpolation is refused."""
    out: list[str] = []
    position = 0
    while position < len(source):
        character = source[position]
        if character != '"':
            out.append(character)
            position += 1
            continue
        position += 1
        while position < len(source) and source[position] != '"':
            if source[position] == "\\":
                if source[position + 1 : position + 2] == "(":
                    raise InvalidJq("string interpolation `\\(…)` is not allowed in a stream filter")
                position += 1
            position += 1
        out.append('""')
        position += 1
    return "".join(out)
