"""Branch systems: a branch's own software (HR, a union app) that registers members through its
own Kafka topics. It may register members only into the branches it is registered for."""

from __future__ import annotations

from dataclasses import dataclass

from membership.domain.errors import DomainError


@dataclass(frozen=True)
class BranchSystem:
    system_id: str  # a topic-name segment: unionfed.d.<district>.sys.<system_id>.
    district: str
    name: str
    branch_ids: frozenset[str]

    def check_serves(self, branch_id: str) -> None:
        if branch_id not in self.branch_ids:
            raise DomainError(
                f"branch system {self.system_id} is not registered for branch {branch_id}", field="branch_id"
            )
