"""Free-text identity fields. Names are checked as written on a resident ID: Chinese
(including rare characters outside the basic CJK block), Latin, and the interpunct that
separates parts of minority names (阿卜杜·热合曼)."""

from __future__ import annotations

import re
import unicodedata

from membership.domain.errors import DomainError, InvalidName

# Lookalike dots typed by different input methods all mean the interpunct U+00B7.
_DOTS = str.maketrans({"・": "·", "•": "·", "‧": "·", "･": "·", "．": "·"})
_LETTER = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"  # CJK incl. extensions B-G
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"  # Latin incl. accented letters
)
_NAME = re.compile(f"[{_LETTER}]+(?:[· ][{_LETTER}]+)*")
_SPACES = re.compile(r"\s+")
_SPACED_DOT = re.compile(r" ?· ?")


def validate_name(raw: str) -> str:
    """Return the cleaned name or raise InvalidName."""
    # NFKC first would turn the full-width dot into '.', so map dots before normalising.
    name = unicodedata.normalize("NFKC", raw.translate(_DOTS)).translate(_DOTS)
    name = _SPACED_DOT.sub("·", _SPACES.sub(" ", name).strip())
    if not name:
        raise InvalidName("is required")
    if not 2 <= len(name) <= 40:
        raise InvalidName(f"must be 2-40 characters, got {len(name)}")
    if not _NAME.fullmatch(name):
        raise InvalidName("may contain only Chinese or Latin letters, '·' and single spaces between parts")
    return name


def validate_employer(raw: str) -> str:
    employer = " ".join(raw.split())
    if not 1 <= len(employer) <= 100:
        raise DomainError("must be 1-100 characters", field="employer")
    return employer
