"""HeldPartitions with a hand-written fake of the Kafka consumer's partition control."""

from __future__ import annotations

from aiokafka import TopicPartition
from unionfed_chassis.held_partitions import HeldPartitions
from unionfed_devstack.testing import wait_for

TP = TopicPartition("t", 2)


class FakeControl:
    def __init__(self, assigned: set[TopicPartition]) -> None:
        self.assigned = assigned
        self.calls: list[tuple[str, TopicPartition, int | None]] = []

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.calls.append(("seek", partition, offset))

    def pause(self, *partitions: TopicPartition) -> None:
        self.calls.extend(("pause", p, None) for p in partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self.calls.extend(("resume", p, None) for p in partitions)

    def assignment(self) -> set[TopicPartition]:
        return self.assigned


async def test_hold_rewinds_pauses_and_resumes_with_doubling_capped_backoff() -> None:
    held = HeldPartitions(first_backoff=0.01, max_backoff=0.03)
    control = FakeControl({TP})
    delays = []
    for attempt in range(1, 5):
        hold = held.failed(TP, 40)
        assert hold.attempts == attempt
        delays.append(held.hold(TP, control))
        await wait_for(lambda: control.calls[-1][0] == "resume", timeout=5)
    assert delays == [0.01, 0.02, 0.03, 0.03]
    assert control.calls[:3] == [("seek", TP, 40), ("pause", TP, None), ("resume", TP, None)]
    assert TP in held and held.oldest() is not None

    assert held.failed(TP, 41).attempts == 1, "a new event starts a new window"
    held.release(TP)
    assert TP not in held and held.oldest() is None and len(held) == 0


async def test_a_revoked_partition_is_not_resumed() -> None:
    held = HeldPartitions(first_backoff=0.01, max_backoff=1)
    control = FakeControl(set())  # revoked before the backoff ends
    held.failed(TP, 7)
    held.hold(TP, control)
    other = TopicPartition("t", 3)
    marker = FakeControl({other})
    held.failed(other, 1)
    held.hold(other, marker)  # scheduled after TP's resume: once it ran, TP's had its turn
    await wait_for(lambda: marker.calls[-1][0] == "resume", timeout=5)
    assert [c[0] for c in control.calls] == ["seek", "pause"]
