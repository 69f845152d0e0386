from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from unionfed_events import schemas
from unionfed_events.membership import MemberContactUpdated, MemberJoined
from unionfed_events.registry import all_event_classes

COMMITTED = schemas.DEFAULT_DIR


def joined() -> dict[str, Any]:
    return schemas.schema_for(MemberJoined)


def test_schema_for_identifies_the_type() -> None:
    s = joined()
    assert s["$id"] == "org.unionfed.membership.MemberJoined.v1"
    assert s["title"] == "MemberJoined"
    assert s["x-unionfed-version"] == 1
    assert s["additionalProperties"] is False
    assert s["properties"]["member_id"]["format"] == "uuid"
    assert s["properties"]["member_id"]["description"]


def test_committed_schemas_equal_a_fresh_export(tmp_path: Path) -> None:
    written = schemas.export(tmp_path)
    assert len(written) == len(all_event_classes())
    fresh = {p.name: p.read_text(encoding="utf-8") for p in written}
    committed = {p.name: p.read_text(encoding="utf-8") for p in COMMITTED.glob("*.json")}
    assert committed == fresh, "event schemas changed: run `make contracts` and commit libs/events/schemas"
    assert all(text.endswith("}\n") for text in fresh.values())


def test_check_of_committed_dir_is_clean() -> None:
    assert schemas.check(COMMITTED) == []


def test_check_reports_missing_stale_and_removed(tmp_path: Path) -> None:
    schemas.export(tmp_path)
    (tmp_path / "org.unionfed.membership.MemberLeft.v1.json").unlink()
    stale = tmp_path / "org.unionfed.membership.MemberJoined.v1.json"
    doc = json.loads(stale.read_text())
    doc["properties"]["name"]["description"] = "an older wording"
    stale.write_text(schemas.render(doc))
    gone = dict(doc, **{"$id": "org.unionfed.membership.MemberVanished.v1"})
    (tmp_path / "org.unionfed.membership.MemberVanished.v1.json").write_text(schemas.render(gone))

    problems = schemas.check(tmp_path)
    assert len(problems) == 3, problems
    text = "\n".join(problems)
    assert "MemberLeft.v1: no committed schema" in text and "make contracts" in text
    assert "MemberJoined.v1: schema changed (compatibly) but not exported" in text
    assert "MemberVanished.v1" in text and "no event class in code" in text


def test_check_reports_a_committed_property_the_code_lacks(tmp_path: Path) -> None:
    schemas.export(tmp_path)
    path = tmp_path / "org.unionfed.membership.MemberJoined.v1.json"
    doc = json.loads(path.read_text())
    doc["properties"]["union_dues_yuan"] = {"type": "string", "description": "dropped by the code"}
    path.write_text(schemas.render(doc))

    problems = schemas.check(tmp_path)
    assert len(problems) == 1, problems
    assert "MemberJoined.v1: incompatible change" in problems[0]
    assert "property `union_dues_yuan` removed" in problems[0]
    assert "add a new version class (v2) instead" in problems[0]


def test_export_refuses_to_overwrite_an_incompatible_change(tmp_path: Path) -> None:
    schemas.export(tmp_path)
    path = tmp_path / "org.unionfed.membership.MemberJoined.v1.json"
    doc = json.loads(path.read_text())
    doc["properties"]["union_dues_yuan"] = {"type": "string"}
    path.write_text(schemas.render(doc))
    with pytest.raises(schemas.IncompatibleSchemaError, match="union_dues_yuan"):
        schemas.export(tmp_path)
    assert "union_dues_yuan" in path.read_text()
    schemas.export(tmp_path, force=True)
    assert "union_dues_yuan" not in path.read_text()


# --- incompatibilities(): build a modified "new" schema from the current one --------------------------


def changed(change: Any) -> list[str]:
    old = joined()
    new = copy.deepcopy(old)
    change(new)
    return schemas.incompatibilities(old, new)


def test_identical_schemas_are_compatible() -> None:
    assert schemas.incompatibilities(joined(), joined()) == []


def test_removed_property_is_reported() -> None:
    def drop(s: dict[str, Any]) -> None:
        del s["properties"]["card_number"]
        s["required"].remove("card_number")

    assert changed(drop) == ["property `card_number` removed"]


def test_type_change_is_reported() -> None:
    def to_int(s: dict[str, Any]) -> None:
        s["properties"]["card_number"] = {"type": "integer"}

    reasons = changed(to_int)
    assert len(reasons) == 1
    assert "`card_number`: type changed from string to integer" in reasons[0]


def test_format_change_is_reported() -> None:
    def drop_format(s: dict[str, Any]) -> None:
        del s["properties"]["member_id"]["format"]

    assert changed(drop_format) == ["property `member_id`: type changed from string (uuid) to string"]


def test_nullability_change_is_reported() -> None:
    def nullable(s: dict[str, Any]) -> None:
        s["properties"]["card_number"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}

    assert changed(nullable) == ["property `card_number`: type changed from string to null | string"]


def test_new_required_property_is_reported() -> None:
    def add_required(s: dict[str, Any]) -> None:
        s["properties"]["union_dues_yuan"] = {"type": "string"}
        s["required"].append("union_dues_yuan")

    assert changed(add_required) == ["new required property `union_dues_yuan`"]


def test_existing_property_made_required_is_reported() -> None:
    old = schemas.schema_for(MemberContactUpdated)
    old["required"].remove("employer")
    assert schemas.incompatibilities(old, schemas.schema_for(MemberContactUpdated)) == [
        "property `employer` became required"
    ]


def test_removed_enum_value_is_reported_through_ref() -> None:
    def drop_value(s: dict[str, Any]) -> None:
        s["$defs"]["EmploymentType"]["enum"].remove("migrant")

    assert changed(drop_value) == ['property `employment_type`: enum value(s) removed: "migrant"']


def test_enum_replaced_by_plain_string_is_reported() -> None:
    def plain(s: dict[str, Any]) -> None:
        s["properties"]["channel"] = {"type": "string"}

    reasons = changed(plain)
    assert len(reasons) == 1 and "`channel`: type changed from JoinChannel [" in reasons[0]


def test_added_optional_property_and_enum_value_and_wording_are_compatible() -> None:
    def extend(s: dict[str, Any]) -> None:
        s["properties"]["nickname"] = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
        s["$defs"]["EmploymentType"]["enum"].append("platform")
        s["properties"]["name"]["description"] = "reworded"
        s["properties"]["name"]["maxLength"] = 50

    assert changed(extend) == []


def test_nested_objects_in_defs_are_compared() -> None:
    def schema(address: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {
                "home": {"$ref": "#/$defs/Address"},
                "history": {"type": "array", "items": {"$ref": "#/$defs/Address"}},
            },
            "required": ["home"],
            "$defs": {"Address": {"type": "object", **address}},
        }

    old = schema(
        {"properties": {"city": {"type": "string"}, "zip": {"type": "string"}}, "required": ["city"]}
    )
    same = copy.deepcopy(old)
    same["$defs"]["Address"]["properties"]["street"] = {"type": "string"}
    assert schemas.incompatibilities(old, same) == []

    new = schema({"properties": {"city": {"type": "integer"}}, "required": ["city", "district"]})
    reasons = schemas.incompatibilities(old, new)
    assert "property `home.zip` removed" in reasons
    assert "new required property `home.district`" in reasons
    assert "property `home.city`: type changed from string to integer" in reasons
    assert "property `history[].city`: type changed from string to integer" in reasons


def test_recursive_definitions_terminate() -> None:
    tree = {
        "$ref": "#/$defs/Node",
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
            }
        },
    }
    assert schemas.incompatibilities(tree, copy.deepcopy(tree)) == []


# --- command line ---------------------------------------------------------------------------------


def test_main_export_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert schemas.main(["check", str(tmp_path)]) == 1
    assert "make contracts" in capsys.readouterr().err
    assert schemas.main(["export", str(tmp_path)]) == 0
    assert schemas.main(["check", str(tmp_path)]) == 0
    assert "OK" in capsys.readouterr().out
