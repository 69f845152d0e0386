"""The shared input types: the documented pattern, the plain regex and the validators agree."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError
from unionfed_chassis.inputs import (
    CONTROL_CHARACTERS,
    MULTI_LINE_PATTERN,
    SINGLE_LINE_PATTERN,
    Comment,
    ShortText,
    text,
    without_control_characters,
)


class Form(BaseModel):
    line: ShortText = ""
    comment: Comment = ""


def test_the_pattern_and_the_plain_regex_refuse_exactly_the_control_characters() -> None:
    # As JSON Schema reads it: `$` is the end of the text (Python's `$` would also match before a
    # final newline, so the check uses fullmatch on the pattern's body).
    single = re.compile(SINGLE_LINE_PATTERN.removeprefix("^").removesuffix("$"))
    for code in range(0x110000):
        char = chr(code)
        if unicodedata.category(char) == "Cs":
            assert CONTROL_CHARACTERS.search(char)
            continue
        control = unicodedata.category(char) == "Cc"
        assert (single.fullmatch(char) is None) == control, hex(code)
        assert bool(CONTROL_CHARACTERS.search(char)) == control, hex(code)


def test_a_comment_may_hold_line_breaks_and_tabs_only() -> None:
    multi = re.compile(MULTI_LINE_PATTERN.removeprefix("^").removesuffix("$"))
    assert multi.fullmatch("第一行\r\n第二行\t完")
    assert not any(multi.fullmatch(f"a{c}b") for c in "\x00\x0b\x0c\x7f\x85")
    assert Form(comment="一\n二").comment == "一\n二"


@pytest.mark.parametrize("value", ["a\x00b", "a\nb", "\x1b[31m", "a\x9fb", "a\ud800b", "x" * 101])
def test_a_single_line_text_refuses(value: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Form(line=value)
    assert refused.value.errors()[0]["loc"] == ("line",)


def test_the_bounds_are_in_the_json_schema() -> None:
    class Named(BaseModel):
        name: Annotated[str, text(40, min_length=2)]

    schema = Named.model_json_schema()["properties"]["name"]
    assert (schema["minLength"], schema["maxLength"], schema["pattern"]) == (2, 40, SINGLE_LINE_PATTERN)


def test_a_file_name_keeps_what_is_printable() -> None:
    assert without_control_characters("名单\x00\n.csv", 255) == "名单.csv"
    assert without_control_characters("a" * 300, 255) == "a" * 255
