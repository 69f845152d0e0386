"""How a unionfed record is shown to people (the CLI's `events tail` and `dlq`, the operator
console): decoded from its CloudEvents headers, its type shortened, personal identifiers masked.
Plain functions, no I/O."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from unionfed_events.envelope import Envelope, EnvelopeError
from unionfed_events.topics import parse_district

MAX_FIELDS = 4
MAX_VALUE_LEN = 40
Headers = Sequence[tuple[str, bytes]]


def short_type(ce_type: str) -> str:
    """'org.unionfed.membership.MemberJoined.v1' -> 'MemberJoined.v1' (the type as is otherwise)."""
    parts = ce_type.split(".")
    if len(parts) >= 2 and parts[-1].startswith("v") and parts[-1][1:].isdigit():
        return f"{parts[-2]}.{parts[-1]}"
    return ce_type


def mask(field: str, value: str) -> str:
    """Hide personal identifiers: national ids keep first 4/last 4, phones first 3/last 4."""
    name = field.lower()
    if "national_id" in name:
        keep_head, keep_tail = 4, 4
    elif "phone" in name:
        keep_head, keep_tail = 3, 4
    else:
        return value
    if len(value) <= keep_head + keep_tail:
        return "*" * len(value)
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[-keep_tail:]


def key_fields(data: Any, skip: Iterable[str] = ()) -> list[str]:
    """Up to MAX_FIELDS short scalar top-level fields as key=value, masked where personal."""
    if not isinstance(data, dict):
        return []
    skipped = set(skip)
    out: list[str] = []
    for name, value in data.items():
        if name in skipped or value is None or isinstance(value, dict | list):
            continue
        text = json.dumps(value) if isinstance(value, bool) else str(value)
        if len(text) > MAX_VALUE_LEN:
            continue
        out.append(f"{name}={mask(name, text)}")
        if len(out) == MAX_FIELDS:
            break
    return out


def is_known_type(ce_type: str) -> bool:
    try:
        from unionfed_events.registry import event_class

        event_class(ce_type)
    except Exception:  # unknown type, or a domain module not written yet: both mean "unknown"
        return False
    return True


def decode(headers: Headers | None, value: bytes | None) -> Envelope | None:
    try:
        return Envelope.from_headers(headers or [], value)
    except (EnvelopeError, UnicodeDecodeError):  # a header value that is not UTF-8: not ours either
        return None


def matches(
    envelope: Envelope | None, topic: str, types: Sequence[str] = (), districts: Sequence[str] = ()
) -> bool:
    """Type filter by short name, case-insensitive ('memberjoined' matches 'MemberJoined.v1')."""
    if types:
        if envelope is None:
            return False
        wanted = {t.lower() for t in types}
        short = short_type(envelope.type).lower()
        if short not in wanted and short.rsplit(".", 1)[0] not in wanted:
            return False
    if districts:
        district = (envelope.district if envelope else None) or parse_district(topic)
        if district not in set(districts):
            return False
    return True


# Personal identifiers inside free text (a handler error may quote a row): 18-character national
# ids and 11-digit mainland mobile numbers, masked the way `events tail` masks fields. Digits
# inside a longer alphanumeric token (a UUID, a trace id) are neither: both need a boundary that
# is not a Latin letter or digit (CJK text around a number is a boundary).
_IDENTIFIER_RE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[0-9Xx]|1\d{10})(?![0-9A-Za-z])")
# Bytes -> b"0" for an ASCII digit or any byte of a non-ASCII character (`\d` matches other
# scripts' digits), b"." otherwise: a run of 11 b"0" is where an identifier may be.
_DIGIT_BYTES = bytes(0x30 if 0x30 <= b <= 0x39 or b >= 0x80 else 0x2E for b in range(256))
SHORTEST_IDENTIFIER = 11  # characters: a mobile number (a national id has 18)
_SHORTEST_RUN = b"0" * SHORTEST_IDENTIFIER


def _masked_identifier(found: re.Match[str]) -> str:
    value = found.group()
    return mask("national_id" if len(value) == 18 else "phone", value)


def mask_text(text: str) -> str:
    return _IDENTIFIER_RE.sub(_masked_identifier, text)


def holds_identifier(text: str) -> bool:
    """Whether `mask_text` would change `text`."""
    return _IDENTIFIER_RE.search(text) is not None


def identifier_windows(raw: bytes) -> list[tuple[int, int]]:
    """(start, end) character ranges of `raw`'s UTF-8 text outside which `mask_text` changes
    nothing, overlapping ones merged; most records have none.

    Python's regular expressions look at every position of a text (about 10 µs for a 300-byte
    payload); these are found with C byte scans: every identifier lies in a run of 11 or more
    characters that are digits or not ASCII, and such a run is a run of 11 "digit" bytes. A
    range is that run with the character before it and the two after (the boundaries, and a
    national id's final X with its own)."""
    marks = raw.translate(_DIGIT_BYTES)
    runs: list[tuple[int, int]] = []
    at = marks.find(_SHORTEST_RUN)
    while at != -1:
        end = marks.find(b".", at)
        end = len(marks) if end == -1 else end
        runs.append((at, end))
        at = marks.find(_SHORTEST_RUN, end)
    if not runs:
        return []
    if not raw.isascii():  # byte offsets -> character offsets (a run starts and ends at ASCII)
        runs = [(len(raw[:start].decode()), len(raw[:end].decode())) for start, end in runs]
    windows: list[tuple[int, int]] = []
    for start, end in runs:
        start, end = max(start - 1, 0), end + 2
        if windows and start < windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def mask_text_within(text: str, windows: list[tuple[int, int]]) -> str:
    """`mask_text(text)`, given `identifier_windows` of its bytes (or of text that differed
    from it only by characters replaced with others, never by digits)."""
    if not windows:
        return text
    pieces, done = [], 0
    for start, end in windows:
        pieces += [text[done:start], mask_text(text[start:end])]
        done = end
    return "".join(pieces) + text[done:]
