"""Schemathesis checks every service's fuzz suite applies, beyond "no server error" and "the
response matches the document": a refusal never echoes what was sent, and without a token an
operation behind the access table answers 401. Imports schemathesis, a development dependency."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

# Shorter values turn up in any answer by chance ("a", "0", "id").
ECHO_MIN_LENGTH = 6


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _sent(case: schemathesis.Case) -> Iterator[str]:
    """What the request carried: path, query and body."""
    body = case.body
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body)
        except ValueError:
            body = body.decode(errors="replace") if isinstance(body, bytes) else body
    for part in (case.path_parameters, case.query, body):
        yield from _strings(part)


def _vocabulary(document: Any) -> frozenset[str]:
    """Every enum value of the document: the API's own words ("living aid needs an amount")."""
    words: set[str] = set()
    if isinstance(document, dict):
        words.update(v for v in document.get("enum", []) if isinstance(v, str))
        if isinstance(document.get("const"), str):
            words.add(document["const"])
        for item in document.values():
            words |= _vocabulary(item)
    elif isinstance(document, list):
        for item in document:
            words |= _vocabulary(item)
    return frozenset(words)


@cache
def _vocabulary_of(document_json: str) -> frozenset[str]:
    return _vocabulary(json.loads(document_json))


@schemathesis.check
def refusals_do_not_echo_the_input(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """A 4xx names the field, never the value: what someone typed into the wrong field may be
    personal data. A message may use the API's own enum words."""
    if not 400 <= response.status_code < 500:
        return None
    text = response.text
    vocabulary = _vocabulary_of(json.dumps(case.operation.schema.raw_schema, sort_keys=True))
    # A 404 may name the path's id it did not find (the path's validation accepted it: a UUID,
    # a district code), wherever else the request repeats it.
    named = set(_strings(case.path_parameters)) if response.status_code == 404 else set()
    for value in _sent(case):
        if len(value) < ECHO_MIN_LENGTH or value in vocabulary or value in named:
            continue
        if value in text:
            raise AssertionError(
                f"{response.status_code} echoes a {len(value)}-character input: {text[:300]}"
            )
    return None


def _never_reached_the_route(response: Any) -> bool:
    """Refusals that come before any route runs, whoever asks: a body that is not JSON at all
    (FastAPI parses it before the dependencies: 422, or 400 for bytes that are not even text),
    or a path that matches no route (an id with a slash in it)."""
    if response.status_code == 404:
        return bool(response.json() == {"detail": "Not Found"})
    if response.status_code == 400:
        return bool(response.json() == {"detail": "There was an error parsing the body"})
    if response.status_code == 422:
        return all(e["type"] == "json_invalid" for e in response.json()["detail"])
    return False


@schemathesis.check
def guarded_operations_answer_401(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """Without a token, an operation behind the access table (it declares a bearer scheme in the
    document) answers 401 before it looks at the input: nothing is read, nothing changes."""
    # The headers the request went out with: a token given to `call(headers=...)` is not in the case.
    sent: Any = getattr(getattr(response, "request", None), "headers", None) or case.headers or {}
    if "authorization" in {k.lower() for k in sent}:
        return None
    if not case.operation.definition.raw.get("security"):
        return None
    if response.status_code != 401 and not _never_reached_the_route(response):
        raise AssertionError(f"{response.status_code} without a token: {response.text[:300]}")
    return None


CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    refusals_do_not_echo_the_input,
    guarded_operations_answer_401,
]
"""What every service's fuzz tests check, with a token and without."""
