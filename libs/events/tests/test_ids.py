from __future__ import annotations

import time

from unionfed_events import uuid7


def test_uuid7_version_and_variant_bits() -> None:
    for _ in range(1000):
        u = uuid7()
        assert u.version == 7
        assert (u.int >> 76) & 0xF == 7
        assert (u.int >> 62) & 0b11 == 0b10  # RFC 9562 variant


def test_uuid7_is_strictly_increasing_over_10k_ids() -> None:
    ids = [uuid7() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert [str(u) for u in ids] == sorted(str(u) for u in ids)  # textual order too


def test_uuid7_embeds_unix_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    ms = uuid7().int >> 80
    after = time.time_ns() // 1_000_000
    assert before <= ms <= after + 1  # +1: counter overflow may borrow the next millisecond
