"""The domain keeps its own enums (it imports nothing but the standard library); the events
carry the contract's. A value added on one side only would fail at the edge, so catch it here."""

from __future__ import annotations

import pytest
from membership.domain import enums as domain
from unionfed_events import membership as contract


@pytest.mark.parametrize("name", ["BranchKind", "EmploymentType", "JoinChannel", "LeaveReason"])
def test_domain_enum_has_exactly_the_contract_values(name: str) -> None:
    assert {e.value for e in getattr(domain, name)} == {e.value for e in getattr(contract, name)}
