from __future__ import annotations

import typing
from enum import StrEnum
from uuid import UUID

import pytest
from unionfed_events import Event, assistance, campaigns, membership, notifications
from unionfed_events.fields import mask_national_id, mask_phone
from unionfed_events.registry import all_event_classes

MODULES = (membership, assistance, campaigns, notifications)
FORBIDDEN_FIELDS = {"national_id", "phone"}


def test_ce_types_are_unique_and_well_formed() -> None:
    classes = all_event_classes()
    types = [cls.ce_type() for cls in classes]
    assert len(types) == len(set(types))
    for module in MODULES:
        for cls in module.EVENTS:
            assert cls.domain == module.DOMAIN
            assert cls.event_name == cls.__name__, cls
            assert cls.ce_type() == f"org.unionfed.{module.DOMAIN}.{cls.__name__}.v{cls.version}"


def test_every_class_is_documented_and_every_field_described() -> None:
    for cls in all_event_classes():
        assert cls.__doc__ and cls.__doc__.strip(), cls
        for name, info in cls.model_fields.items():
            assert info.description, f"{cls.__name__}.{name} has no description"


def test_no_unmasked_personal_data_outside_personal_data_events() -> None:
    assert {membership.MemberRegistrationRequested} == membership.PERSONAL_DATA_EVENTS
    for cls in all_event_classes():
        fields = set(cls.model_fields)
        if cls in membership.PERSONAL_DATA_EVENTS:
            assert fields & FORBIDDEN_FIELDS
        else:
            assert not fields & FORBIDDEN_FIELDS, cls


def test_sample_covers_every_event_type_and_subjects_are_strings(events: list[Event]) -> None:
    assert {type(e) for e in events} == set(all_event_classes())
    for event in events:
        subject = event.subject()
        assert isinstance(subject, str) and subject


def test_enums_are_str_enums() -> None:
    for module in MODULES:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum:
                assert all(member.value == member.value.lower() for member in value)


def test_ids_of_members_cases_campaigns_are_uuids() -> None:
    for cls in all_event_classes():
        hints = typing.get_type_hints(cls)
        for name in ("member_id", "case_id", "campaign_id", "proposal_id", "application_id"):
            if name in cls.model_fields:
                assert UUID in (hints[name], *typing.get_args(hints[name])), f"{cls.__name__}.{name}"


def test_events_are_frozen(events: list[Event]) -> None:
    with pytest.raises(ValueError):
        events[0].district = "pudong"  # type: ignore[attr-defined]


def test_member_name_field_and_type_name_do_not_mix(events: list[Event]) -> None:
    joined = next(e for e in events if isinstance(e, membership.MemberJoined))
    assert joined.name == "张三"
    assert type(joined).event_name == "MemberJoined"
    assert '"name":"张三"' in joined.model_dump_json()


def test_masks() -> None:
    assert mask_national_id("11010119900307123x") == "1101**********123X"
    assert mask_phone("+86 138-1234-5678") == "138****5678"
    with pytest.raises(ValueError):
        mask_national_id("1234")
    with pytest.raises(ValueError):
        mask_phone("12345")


def test_masked_fields_refuse_unmasked_values() -> None:
    base = dict(
        member_id=UUID(int=1), branch_id="xuhui-b012", district="xuhui", employer=None, employment_type=None
    )
    membership.MemberContactUpdated(**base, phone_masked="138****5678")
    with pytest.raises(ValueError, match="phone_masked"):
        membership.MemberContactUpdated(**base, phone_masked="13812345678")


def test_registration_answer_outcome_consistency() -> None:
    answered = membership.MemberRegistrationAnswered
    answered(request_id="r1", outcome=membership.RegistrationOutcome.PENDING_APPROVAL)
    answered(
        request_id="r1", outcome=membership.RegistrationOutcome.REJECTED, reason="bad id", field="national_id"
    )
    with pytest.raises(ValueError, match="member_id"):
        answered(request_id="r1", outcome=membership.RegistrationOutcome.ACCEPTED)
    with pytest.raises(ValueError, match="reason"):
        answered(request_id="r1", outcome=membership.RegistrationOutcome.REJECTED)
    with pytest.raises(ValueError):
        answered(request_id="x" * 65, outcome=membership.RegistrationOutcome.PENDING_APPROVAL)
