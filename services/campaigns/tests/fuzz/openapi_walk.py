"""The campaigns service's operations as its OpenAPI document describes them, for tests that
send each one hostile inputs without being written per route: every parameter with its
schema, and the JSON body's top-level fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from campaigns.main import build_app
from campaigns.settings import CampaignsSettings
from unionfed_devstack.fuzzing import openapi_document

DOCUMENT = openapi_document(build_app, CampaignsSettings)


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a `$ref` points to (components of this document), else the schema itself."""
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = DOCUMENT["components"]["schemas"][name]
    return schema


def not_null(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives of an optional value (`anyOf: [X, null]`), resolved."""
    options = schema.get("anyOf") or schema.get("oneOf") or [schema]
    return [resolve(s) for s in options if s.get("type") != "null"]


def constrained(schema: dict[str, Any]) -> bool:
    """Whether a value must be more than any string: a type, format, pattern or enum."""
    return any(
        s.get("type") not in (None, "string") or {"format", "pattern", "enum", "const"} & s.keys()
        for s in not_null(schema)
    )


@dataclass(frozen=True)
class Parameter:
    name: str
    where: str  # path or query
    schema: dict[str, Any]
    required: bool

    @property
    def is_uuid(self) -> bool:
        return any(s.get("format") == "uuid" for s in not_null(self.schema))


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    parameters: list[Parameter]
    body: dict[str, Any] | None  # the JSON body's schema, resolved
    guarded: bool
    body_required: bool = field(default=False)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def path_parameters(self) -> list[Parameter]:
        return [p for p in self.parameters if p.where == "path"]

    @property
    def query_parameters(self) -> list[Parameter]:
        return [p for p in self.parameters if p.where == "query"]

    @property
    def fields(self) -> dict[str, dict[str, Any]]:
        """The body's top-level fields and their schemas."""
        return dict((self.body or {}).get("properties", {}))

    @property
    def changes_state(self) -> bool:
        return self.method not in ("get", "head", "options")


def _operations() -> list[Operation]:
    found = []
    for path, item in DOCUMENT["paths"].items():
        for method, op in item.items():
            parameters = [
                Parameter(p["name"], p["in"], p.get("schema", {}), p.get("required", False))
                for p in op.get("parameters", [])
                if p["in"] in ("path", "query")
            ]
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            body = resolve(content["schema"]) if content else None
            required = bool(op.get("requestBody", {}).get("required"))
            found.append(Operation(method, path, parameters, body, bool(op.get("security")), required))
    return found


# Only what an officer calls: the platform's public routes (health, metrics) take no input.
OPERATIONS = [op for op in _operations() if op.guarded]


def with_parameter(ops: list[Operation], where: str, which: Any = None) -> list[tuple[Operation, Parameter]]:
    """(operation, parameter) pairs of the parameters in `where` that `which` accepts (all if None)."""
    return [(op, p) for op in ops for p in op.parameters if p.where == where and (which is None or which(p))]


def pair_id(value: Any) -> str:
    if isinstance(value, Operation):
        return str(value)
    if isinstance(value, Parameter):
        return value.name
    return str(value)
