"""The demo data of `make run`, as plain data: the funds every district gets and the cases it
holds, each with the steps that bring it to its state. Same seed, same members, same plan."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from decimal import Decimal

from unionfed_events.assistance import AidType, ServiceOutcome

from assistance.domain.policy import ApprovalThresholds

# Yearly fund of each district per money aid type (yuan).
DEMO_FUNDS = {
    AidType.LIVING: Decimal("200000.00"),
    AidType.EDUCATION: Decimal("100000.00"),
    AidType.MEDICAL: Decimal("500000.00"),
    AidType.MUTUAL_AID: Decimal("100000.00"),
}

_NAMESPACE = uuid.UUID("5d1c7a52-6b0e-4c59-9a0b-8f8a3f3e2a11")


@dataclass(frozen=True)
class Step:
    """`approve` / `return` / `reject` at the level the case waits at; `cancel`; `assign` a
    caseworker; `complete` a service; `batch`: a payment batch of the district; `paid`: finance
    confirms the case's payment (`text`: the bank's reference); `leave`: the member leaves the
    union (in membership)."""

    action: str
    text: str | None = None


@dataclass(frozen=True)
class CaseRecipe:
    state: str  # what the demo shows with it, e.g. "pending at district"
    aid_type: AidType
    size: str | None  # small (the branch decides), medium (+ district), large (+ federation)
    steps: tuple[Step, ...] = ()
    description: str = "家庭困难，申请帮扶"
    needs_hardship: bool = False


_APPROVE = Step("approve", "材料齐全，同意")
_WORKER = Step("assign", "caseworker-zhang")

RECIPES: tuple[CaseRecipe, ...] = (
    # First of the district's granted cases: its payment batch (which gathers every granted case
    # of the district) then holds it alone, and finance confirms it paid.
    CaseRecipe(
        "disbursed",
        AidType.MEDICAL,
        "small",
        (_APPROVE, Step("batch"), Step("paid", "DEMO-BANK-0001")),
        "住院押金",
    ),
    CaseRecipe("pending at branch", AidType.MEDICAL, "small", description="住院自付费用较高"),
    CaseRecipe("pending at district", AidType.MEDICAL, "medium", (_APPROVE,), "重病手术"),
    CaseRecipe("pending at federation", AidType.MEDICAL, "large", (_APPROVE, _APPROVE), "大病长期治疗"),
    CaseRecipe("returned", AidType.MEDICAL, "small", (Step("return", "请补充医院收费票据"),)),
    CaseRecipe("granted", AidType.MEDICAL, "small", (_APPROVE,), "门诊慢病"),
    CaseRecipe("granted at two levels", AidType.MEDICAL, "medium", (_APPROVE, _APPROVE)),
    CaseRecipe("rejected", AidType.MEDICAL, "small", (Step("reject", "费用已由商业保险报销"),)),
    CaseRecipe("cancelled", AidType.MEDICAL, "small", (Step("cancel", "申请人撤回申请"),)),
    CaseRecipe("living aid granted", AidType.LIVING, "small", (_APPROVE,), needs_hardship=True),
    CaseRecipe("living aid pending", AidType.LIVING, "small", needs_hardship=True),
    CaseRecipe("in service", AidType.LEGAL, None, (_APPROVE, _WORKER), "被拖欠三个月工资"),
    CaseRecipe(
        "service completed",
        AidType.JOB_TRAINING,
        None,
        (_APPROVE, _WORKER, Step("complete", ServiceOutcome.RESOLVED.value)),
        "失业后希望参加电工培训",
    ),
    CaseRecipe(
        "service referred",
        AidType.CONSULTATION,
        None,
        (_APPROVE, _WORKER, Step("complete", ServiceOutcome.REFERRED.value)),
        "咨询工伤认定流程",
    ),
    CaseRecipe("flagged (the member left)", AidType.MEDICAL, "small", (Step("leave"),), "康复治疗"),
)


@dataclass(frozen=True)
class DemoCase:
    case_id: uuid.UUID  # derived from the seed, district and recipe: a re-run finds it
    member_id: uuid.UUID
    district: str
    recipe: CaseRecipe
    amount_yuan: Decimal | None


def amount_for(size: str | None, thresholds: ApprovalThresholds, rng: random.Random) -> Decimal | None:
    """An amount that needs exactly the levels of `size` under the configured thresholds."""
    if size is None:
        return None
    low, high = {
        "small": (Decimal("300"), thresholds.branch_limit),
        "medium": (thresholds.branch_limit + 100, thresholds.district_limit),
        "large": (thresholds.district_limit + 100, thresholds.district_limit + 5000),
    }[size]
    low = min(low, high)
    steps = int((high - low) // 100)
    return (low + 100 * rng.randint(0, max(steps, 0))).quantize(Decimal("0.01"))


def demo_cases(
    district: str, member_ids: list[uuid.UUID], thresholds: ApprovalThresholds, seed: int
) -> list[DemoCase]:
    """One case per recipe for the district, each for a different member (a member may have one
    open case per aid type). `member_ids` in a stable order (by card number)."""
    rng = random.Random(f"{seed}:{district}")
    chosen = rng.sample(member_ids, min(len(RECIPES), len(member_ids)))
    return [
        DemoCase(
            uuid.uuid5(_NAMESPACE, f"{seed}:{district}:{recipe.state}"),
            member,
            district,
            recipe,
            amount_for(recipe.size, thresholds, rng),
        )
        for recipe, member in zip(RECIPES, chosen, strict=False)
    ]
