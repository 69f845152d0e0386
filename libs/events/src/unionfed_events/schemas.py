"""JSON Schema contracts of the event catalog: export them, and check code against the committed ones.

    python -m unionfed_events.schemas export [dir]   # write <ce_type>.json for every event type
    python -m unionfed_events.schemas check [dir]    # exit 1 if code and committed schemas disagree

A committed schema is a published contract. Within one type + version only compatible changes are
allowed (new optional properties, new enum values, changed descriptions or constraints); anything
that breaks a consumer or producer of the old schema needs a new class with `version` + 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .base import Event
from .registry import all_event_classes

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "schemas"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
FIX_EXPORT = "run `make contracts` (python -m unionfed_events.schemas export)"
FIX_VERSION = "add a new version class (v2) instead"


class IncompatibleSchemaError(ValueError):
    """`export` refused to overwrite committed schemas with incompatible ones."""


def schema_for(cls: type[Event]) -> dict[str, Any]:
    """The JSON Schema of one event type, identified by its CloudEvents type."""
    schema: dict[str, Any] = cls.model_json_schema()
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$id"] = cls.ce_type()
    schema["title"] = cls.event_name
    schema["x-unionfed-version"] = cls.version
    return schema


def render(schema: dict[str, Any]) -> str:
    """The committed text of a schema: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def export(dir: Path, *, force: bool = False) -> list[Path]:
    """Write `<ce_type>.json` for every event type into `dir`; returns the paths. Removes nothing.

    Refuses (IncompatibleSchemaError, nothing written) to overwrite a committed schema with an
    incompatible one, unless `force` (only for a type that was never published).
    """
    dir.mkdir(parents=True, exist_ok=True)
    planned = [(dir / f"{cls.ce_type()}.json", schema_for(cls)) for cls in _classes()]
    if not force:
        broken = [
            f"{path.stem}: {'; '.join(reasons)}"
            for path, schema in planned
            if path.exists() and (reasons := incompatibilities(_load(path), schema))
        ]
        if broken:
            raise IncompatibleSchemaError(
                f"incompatible change(s) to published contracts, {FIX_VERSION}: " + " | ".join(broken)
            )
    written = []
    for path, schema in planned:
        text = render(schema)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def check(dir: Path) -> list[str]:
    """Compare the committed schemas in `dir` with the code; one human-readable line per problem."""
    problems: list[str] = []
    code: dict[str, type[Event]] = {}
    for cls in all_event_classes():
        if cls.ce_type() in code:
            problems.append(
                f"{cls.ce_type()}: defined twice ({code[cls.ce_type()].__name__}, {cls.__name__})"
            )
        code[cls.ce_type()] = cls
    committed = {p.stem: p for p in sorted(dir.glob("*.json"))} if dir.is_dir() else {}

    for ce_type, path in committed.items():
        try:
            old = _load(path)
        except ValueError as exc:
            problems.append(f"{path.name}: not a JSON schema file ({exc})")
            continue
        if old.get("$id") != ce_type:
            problems.append(f"{path.name}: its $id is {old.get('$id')!r}, not the file's name")
        current = code.get(ce_type)
        if current is None:
            problems.append(
                f"{ce_type}: committed schema {path.name} has no event class in code any more "
                "(consumers may still rely on it: restore the class; delete the file only if never published)"
            )
            continue
        new = schema_for(current)
        reasons = incompatibilities(old, new)
        if reasons:
            problems.append(f"{ce_type}: incompatible change: {'; '.join(reasons)} — {FIX_VERSION}")
        elif path.read_text(encoding="utf-8") != render(new):
            problems.append(f"{ce_type}: schema changed (compatibly) but not exported — {FIX_EXPORT}")

    for ce_type in sorted(code.keys() - committed.keys()):
        problems.append(f"{ce_type}: no committed schema in {dir} — {FIX_EXPORT}")
    return problems


# ---------------------------------------------------------------------------------------------------
# compatibility of two schemas of the same type + version


def incompatibilities(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Why `new` would break a consumer or producer of `old` (same type and version); [] if it would not.

    Breaking: a property removed; a property's type changed (JSON type, format, enum ↔ non-enum,
    nullability, array items, nested object — `$ref`s are resolved into `$defs`); enum values
    removed; a new required property, or an existing one made required. Nested objects are compared
    the same way. Not breaking: new optional properties, new enum values, descriptions, constraints.
    """
    diff = _Diff(old_root=old, new_root=new)
    diff.object("", _resolve(old, old), _resolve(new, new))
    return diff.reasons


@dataclass
class _Diff:
    old_root: dict[str, Any]
    new_root: dict[str, Any]
    reasons: list[str] = field(default_factory=list)
    _open: set[tuple[str, str]] = field(default_factory=set)

    def node(self, path: str, old: Any, new: Any) -> None:
        old_vs = _variants(old, self.old_root)
        new_vs = _variants(new, self.new_root)
        old_by_shape = {_shape(v): v for v in old_vs}
        new_by_shape = {_shape(v): v for v in new_vs}
        if old_by_shape.keys() != new_by_shape.keys():
            self.reasons.append(
                f"{_name(path)}: type changed from {_describe(old_vs, self.old_root)} "
                f"to {_describe(new_vs, self.new_root)}"
            )
            return
        for shape, o in old_by_shape.items():
            n = new_by_shape[shape]
            if shape[0] == "enum":
                removed = [v for v in _enum_values(o) if v not in _enum_values(n)]
                if removed:
                    self.reasons.append(f"{_name(path)}: enum value(s) removed: {', '.join(removed)}")
            elif shape[0] == "array":
                self.node(f"{path}[]", o.get("items", {}), n.get("items", {}))
            elif shape[0] == "object":
                self.object(path, o, n)

    def object(self, path: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        refs = (str(old.get(_REF_NAME)), str(new.get(_REF_NAME)))
        if _REF_NAME in old and _REF_NAME in new:
            if refs in self._open:  # a recursive definition, already being compared further up
                return
            self._open.add(refs)
        try:
            self._object_properties(path, old, new)
        finally:
            self._open.discard(refs)

    def _object_properties(self, path: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        old_props: dict[str, Any] = old.get("properties", {})
        new_props: dict[str, Any] = new.get("properties", {})
        old_req, new_req = set(old.get("required", ())), set(new.get("required", ()))
        prefix = f"{path}." if path else ""
        for prop in old_props:
            if prop not in new_props:
                self.reasons.append(f"{_name(prefix + prop)} removed")
        for prop in sorted(new_req - old_req):
            if prop in old_props:
                self.reasons.append(f"{_name(prefix + prop)} became required")
            else:
                self.reasons.append(f"new required {_name(prefix + prop)}")
        for prop, old_schema in old_props.items():
            if prop in new_props:
                self.node(prefix + prop, old_schema, new_props[prop])
        old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_extra, dict) and isinstance(new_extra, dict):  # mappings: compare value types
            self.node(f"{path}{{*}}", old_extra, new_extra)


_REF_NAME = "x-ref"  # marks a node resolved from a $ref (for cycle detection and messages)


def _name(path: str) -> str:
    return f"property `{path}`" if path else "the payload"


def _lookup(root: dict[str, Any], ref: str) -> dict[str, Any]:
    if not ref.startswith("#/"):
        return {"x-unresolved": ref}
    node: Any = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return {"x-unresolved": ref}
        node = node[part]
    return node if isinstance(node, dict) else {"x-unresolved": ref}


def _resolve(node: Any, root: dict[str, Any]) -> dict[str, Any]:
    """Follow `$ref`s (keeping sibling keywords) and single-element `allOf` wrappers."""
    if not isinstance(node, dict):
        return {}  # `true` / `false` schemas: treated as "anything"
    for _ in range(64):  # bounded: a $ref loop without structure would otherwise never end
        if "$ref" in node:
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node = {**_lookup(root, node["$ref"]), **siblings, _REF_NAME: node["$ref"]}
        elif isinstance(node.get("allOf"), list) and len(node["allOf"]) == 1:
            siblings = {k: v for k, v in node.items() if k != "allOf"}
            node = {**_resolve(node["allOf"][0], root), **siblings}
        else:
            break
    return node


def _variants(node: Any, root: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives a schema allows: `anyOf`/`oneOf` members and `type` lists flattened."""
    node = _resolve(node, root)
    for key in ("anyOf", "oneOf"):
        if isinstance(node.get(key), list):
            return [v for member in node[key] for v in _variants(member, root)]
    if isinstance(node.get("type"), list):
        return [{**node, "type": t} for t in node["type"]]
    return [node]


def _shape(v: dict[str, Any]) -> tuple[str | None, ...]:
    if "x-unresolved" in v:
        return ("unresolved", v["x-unresolved"])
    if "enum" in v or "const" in v:
        return ("enum",)
    kind = v.get("type") or ("object" if "properties" in v else None)
    if kind in ("object", "array"):
        return (kind,)
    return ("scalar", kind or "any", v.get("format"))


def _enum_values(v: dict[str, Any]) -> list[str]:
    values = v["enum"] if "enum" in v else [v.get("const")]
    return [json.dumps(x, ensure_ascii=False, sort_keys=True) for x in values]


def _describe(variants: Iterable[dict[str, Any]], root: dict[str, Any]) -> str:
    parts = []
    for v in variants:
        shape = _shape(v)
        ref = v.get(_REF_NAME, "").rsplit("/", 1)[-1]
        if shape[0] == "unresolved":
            parts.append(f"unresolvable $ref {shape[1]}")
        elif shape[0] == "enum":
            parts.append(f"{ref or 'enum'} [{', '.join(_enum_values(v))}]")
        elif shape[0] == "array":
            items = _variants(v.get("items", {}), root)
            parts.append(f"array of {_describe(items, root) if 'items' in v else 'any'}")
        elif shape[0] == "object":
            parts.append(f"object {ref}".rstrip())
        else:
            parts.append(f"{shape[1]}" + (f" ({shape[2]})" if shape[2] else ""))
    return " | ".join(sorted(parts))


# ---------------------------------------------------------------------------------------------------


def _classes() -> list[type[Event]]:
    return sorted(all_event_classes(), key=lambda cls: cls.ce_type())


def _load(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("top level is not an object")
    return data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m unionfed_events.schemas", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_export = sub.add_parser("export", help="write the JSON Schema of every event type")
    p_export.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR)
    p_export.add_argument("--force", action="store_true", help="overwrite even incompatible changes")
    p_check = sub.add_parser("check", help="compare committed schemas with the code")
    p_check.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)

    if args.command == "export":
        try:
            paths = export(args.dir, force=args.force)
        except IncompatibleSchemaError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"{len(paths)} event schemas in {args.dir}")
        return 0
    problems = check(args.dir)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"event contracts OK ({args.dir})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
