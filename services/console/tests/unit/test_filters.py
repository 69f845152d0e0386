"""Stream filters without a database: jq expressions (compiled once, errors named, cost bounded,
a runtime error is no match), type names, header filters."""

from __future__ import annotations

import pytest
from console.domain.filters import InvalidFilter, build_filter, resolve_types
from console.domain.jq_filter import InvalidJq, compile_jq

JOINED = "org.unionfed.membership.MemberJoined.v1"


@pytest.mark.parametrize(
    ("expression", "payload", "expected"),
    [
        ('.industry == "construction"', {"industry": "construction"}, True),
        ('.industry == "construction"', {"industry": "mining"}, False),
        ("select(.household_size > 2)", {"household_size": 3}, True),
        ("select(.household_size > 2)", {"household_size": 1}, False),
        ('.name | test("张")', {"name": "张三"}, True),
        ('any(.causes[]; . == "illness")', {"causes": ["injury", "illness"]}, True),
        (".amount", {"amount": 0}, True),  # 0 is true in jq: only false and null are not
        (".missing", {"other": 1}, False),
        ('any(..; . == "T-000007")', {"card": {"number": "T-000007"}}, True),
        ('.a.b // "x" | startswith("x")', {"a": None}, True),
    ],
)
def test_a_jq_expression_matches_payloads(expression: str, payload: object, expected: bool) -> None:
    assert compile_jq(expression).matches(payload) is expected


def test_an_expression_that_errors_on_a_record_does_not_match_it() -> None:
    numeric = compile_jq(".amount | tonumber > 100")
    assert numeric.matches({"amount": "150"}) is True
    assert numeric.matches({"amount": "a lot"}) is False
    assert numeric.matches(None) is False


def test_an_expression_is_compiled_once() -> None:
    assert compile_jq(".x == 1") is compile_jq(".x == 1")


def test_an_expression_that_does_not_compile_names_the_jq_field() -> None:
    with pytest.raises(InvalidFilter) as caught:
        build_filter(jq=".a |||")
    assert caught.value.field == "jq"
    assert "syntax error" in caught.value.reason


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ("[range(1e9)]", "array construction"),
        ("range(1e9)", "`range`"),
        ('"x" * 1000000000', "`*`"),
        (". + . | . + .", "`+`"),
        ("(., .) | (., .)", "`,`"),
        ("{a: .}", "object construction"),
        ("env", "`env`"),
        ("$ENV", "variables"),
        ('"\\(env)"', "interpolation"),
        ("reduce .[] as $x (0; . + 1)", "`+`"),
        ("def f: f; f", "`def`"),
        ("[.[] | ..] | length", "array construction"),
        ("any(..; any(..; false))", "recursive descent"),
        ("until(false; .)", "`until`"),
        (".a = .", "assignment"),
        ("tojson | tojson", "`tojson`"),
        ("input", "`input`"),
        (".x and [1]", "array construction"),
        ("@base64", "formats"),
        ("x" * 301, "at most 300"),
    ],
)
def test_an_expression_that_could_grow_without_bound_is_refused(expression: str, why: str) -> None:
    with pytest.raises(InvalidJq) as caught:
        compile_jq(expression)
    assert why in str(caught.value)


def test_strings_may_hold_anything_without_being_read_as_code() -> None:
    assert compile_jq('.reason == "range, env, $ENV + [x] {y} * @z"').matches(
        {"reason": "range, env, $ENV + [x] {y} * @z"}
    )


def test_short_type_names_resolve_to_the_contracts_full_types() -> None:
    for name in ("MemberJoined", "memberjoined", "MemberJoined.v1", JOINED):
        assert JOINED in resolve_types([name]).exact
    unknown = resolve_types(["SomethingNew"])
    assert unknown.exact == frozenset()
    assert unknown.patterns == ("%.SomethingNew.v%",)


def test_types_and_headers_come_repeated_or_comma_separated() -> None:
    f = build_filter(
        types=["MemberJoined, AidGranted", "MemberLeft"], headers=["ce_actor=op-1, ce_source=/x"]
    )
    assert f.types == ("MemberJoined", "AidGranted", "MemberLeft")
    assert f.headers == (("ce_actor", "op-1"), ("ce_source", "/x"))


@pytest.mark.parametrize(
    ("field", "kwargs"), [("header", {"headers": ["no-equals"]}), ("type", {"types": ["1bad"]})]
)
def test_a_malformed_filter_names_its_field(field: str, kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidFilter) as caught:
        build_filter(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
