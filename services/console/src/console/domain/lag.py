"""Consumer-group lag as the console reads it: per partition, the group's committed offset
against the console's own end of the partition, and whether a group keeps falling behind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True)
class PartitionLag:
    group_id: str
    topic: str
    partition: int
    committed: int | None  # None: the group never committed here
    end_offset: int

    @property
    def lag(self) -> int:
        """Records the group has still to read; a committed offset past the end (the end read
        before the group's latest commit) is no lag, not a negative one."""
        return max(0, self.end_offset - (self.committed or 0))


@dataclass(frozen=True)
class Growth:
    """When a group's lag counts as growing: over its last `samples` samples it never went
    down, went up overall, and ends at `threshold` records or more. A lag that only rises for a
    sample or two (a burst the group is working through) or stays small is not flagged."""

    samples: int
    threshold: int

    def is_growing(self, lags: Sequence[int]) -> bool:
        """`lags`: the group's total lag per sample, oldest first."""
        if self.samples < 2 or len(lags) < self.samples:
            return False
        recent = list(lags[-self.samples :])
        never_fell = all(later >= earlier for earlier, later in pairwise(recent))
        return never_fell and recent[-1] > recent[0] and recent[-1] >= self.threshold
