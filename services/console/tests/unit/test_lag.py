"""When a partition lags and when a group's lag counts as growing."""

from __future__ import annotations

import pytest
from console.domain.lag import Growth, PartitionLag


def test_lag_is_the_records_between_the_commit_and_the_end() -> None:
    assert PartitionLag("g", "t", 0, committed=3, end_offset=10).lag == 7
    assert PartitionLag("g", "t", 0, committed=None, end_offset=4).lag == 4
    # The end was read before the group's latest commit: no lag, never a negative one.
    assert PartitionLag("g", "t", 0, committed=12, end_offset=10).lag == 0


GROWTH = Growth(samples=4, threshold=100)


@pytest.mark.parametrize(
    ("lags", "growing"),
    [
        ([100, 150, 150, 400], True),  # never fell, rose overall, large
        ([0, 0, 100, 150, 150, 400], True),  # only the last samples count
        ([500, 150, 150, 400], False),  # fell once (the group caught up a little)
        ([150, 150, 150, 150], False),  # steady, however large
        ([10, 20, 30, 90], False),  # rising but small
        ([100, 200, 300], False),  # too few samples to tell
        ([300, 250, 200, 260, 270], False),  # a fall within the window
    ],
)
def test_a_group_grows_when_its_lag_rose_over_the_last_samples_and_is_large(
    lags: list[int], growing: bool
) -> None:
    assert GROWTH.is_growing(lags) is growing
