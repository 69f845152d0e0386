"""Who must approve what, and how much a member may receive a year: the configured rules."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from unionfed_events.assistance import MONETARY_AID, AidType, ApprovalLevel

from assistance.domain.money import to_cents

LEVELS = (ApprovalLevel.BRANCH, ApprovalLevel.DISTRICT, ApprovalLevel.FEDERATION)


@dataclass(frozen=True)
class ApprovalThresholds:
    """Money aid up to `branch_limit` needs the branch; up to `district_limit` branch and
    district; above it the federation as well. A service case needs the branch."""

    branch_limit: Decimal
    district_limit: Decimal

    def levels_for(self, aid_type: AidType, amount_cents: int | None) -> list[ApprovalLevel]:
        if aid_type not in MONETARY_AID or amount_cents is None:
            return [ApprovalLevel.BRANCH]
        if amount_cents <= to_cents(self.branch_limit):
            return [ApprovalLevel.BRANCH]
        if amount_cents <= to_cents(self.district_limit):
            return [ApprovalLevel.BRANCH, ApprovalLevel.DISTRICT]
        return list(LEVELS)


@dataclass(frozen=True)
class YearlyCaps:
    """Most a member may be granted per calendar year, per money aid type (mutual aid has its
    plan's cap instead)."""

    living: Decimal
    education: Decimal
    medical: Decimal

    def cap_cents(self, aid_type: AidType) -> int | None:
        cap = {AidType.LIVING: self.living, AidType.EDUCATION: self.education, AidType.MEDICAL: self.medical}
        return to_cents(cap[aid_type]) if aid_type in cap else None


@dataclass(frozen=True)
class AssistancePolicy:
    thresholds: ApprovalThresholds
    caps: YearlyCaps


def level_above(level: ApprovalLevel) -> ApprovalLevel | None:
    index = LEVELS.index(level)
    return LEVELS[index + 1] if index + 1 < len(LEVELS) else None


def rank(level: ApprovalLevel) -> int:
    return LEVELS.index(level)
