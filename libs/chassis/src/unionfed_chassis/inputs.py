"""Constrained input types every service's HTTP API shares: text without control characters,
bounded lengths, bounded page numbers. Declared as types, so the OpenAPI document states what
the API enforces and clients and fuzzers generate valid data.

Why: PostgreSQL refuses NUL in text and a lone surrogate cannot be encoded as UTF-8, so either
used to reach the database and fail there as a 500; other control characters are never part of
a name, code or reason and only hide things in logs and screens. Refused: the Unicode category
Cc (C0 controls, DEL, C1 controls) and lone surrogates. `Comment` alone allows tab and line
breaks, for free text people write over several lines.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError
from unionfed_events import topics

# JSON Schema (ECMA-262) and pydantic's regex engine (Rust) read these patterns alike; in both `$`
# is the end of the text (Python's `re` would also let a final newline through). Lone surrogates
# cannot be written in them (an ECMA class over UTF-16 would also refuse valid astral
# characters such as rare Chinese names), so `_no_lone_surrogates` refuses those.
SINGLE_LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
MULTI_LINE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
CONTROL_CHARACTERS_MESSAGE = "must not contain control characters"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# The same refusal for text that does not come through a pydantic model (CSV cells, file names).
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

# Page numbers stop where deep paging stops making sense: page x page size stays far below
# what an SQL OFFSET (int64) or a 32-bit integer holds.
MAX_PAGE = 100_000
MAX_PAGE_SIZE = 200


def _no_lone_surrogates(value: str) -> str:
    if _LONE_SURROGATE.search(value):
        raise PydanticCustomError("lone_surrogate", "must be valid Unicode text (a lone surrogate is not)")
    return value


def without_control_characters(value: str, max_length: int) -> str:
    """`value` with control characters and lone surrogates removed, cut to `max_length`: for
    metadata worth keeping but not worth refusing a request over (an upload's file name)."""
    return CONTROL_CHARACTERS.sub("", value)[:max_length]


def text(max_length: int, *, min_length: int = 0, multi_line: bool = False) -> object:
    """Annotated metadata of a text input: `Annotated[str, text(100)]`."""
    return Field(
        min_length=min_length or None,
        max_length=max_length,
        pattern=MULTI_LINE_PATTERN if multi_line else SINGLE_LINE_PATTERN,
    )


_VALID_UNICODE = AfterValidator(_no_lone_surrogates)

Name = Annotated[str, text(200, min_length=1), _VALID_UNICODE]
"""A person's or an organisation's name, as typed (services normalise and check it further)."""
ShortText = Annotated[str, text(100), _VALID_UNICODE]
"""A code, number or filter value: single line, at most 100 characters."""
Reason = Annotated[str, text(500, min_length=1), _VALID_UNICODE]
"""Why something was done, one line; shown to people."""
Comment = Annotated[str, text(500, multi_line=True), _VALID_UNICODE]
"""Free text over several lines (tab, CR and LF allowed)."""
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$", max_length=64)]
"""Identifier as used in URLs (branch ids): lowercase letters, digits, dashes."""
DistrictCode = Annotated[str, Field(pattern=topics.DISTRICT_CODE.pattern, max_length=32)]
"""A district's code, as in topic names."""
