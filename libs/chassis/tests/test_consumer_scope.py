"""CONSUMER_DISTRICTS / CONSUMER_EXCLUDED_DISTRICTS: a process reads only some districts' topics.

The broker tests use a pattern over two fresh districts (the session's broker holds other tests'
topics); the settings narrow it as they narrow a service's `events_pattern`."""

from __future__ import annotations

import re
import uuid

import pytest
from pydantic import ValidationError
from unionfed_chassis.consumer_scope import ConsumerScope
from unionfed_chassis.settings import ServiceSettings
from unionfed_devstack.testing import wait_for
from unionfed_events import Envelope, topics

SOURCE = "/unionfed/other-service"


def matches(pattern: str, topic: str) -> bool:
    return re.match(pattern, topic) is not None


def test_an_included_list_narrows_a_pattern_to_those_districts_and_fed_only_when_named() -> None:
    pattern = ConsumerScope(included=frozenset({"huangpu"})).narrow(topics.events_pattern("membership"))
    assert matches(pattern, topics.district_events("membership", "huangpu"))
    assert not matches(pattern, topics.district_events("membership", "xuhui"))
    assert not matches(pattern, topics.district_events("membership", "huangpu2")), "the dot ends the code"
    assert not matches(pattern, topics.federation_events("membership"))
    assert not matches(pattern, topics.district_events("campaigns", "huangpu")), "still the domain's"
    with_fed = ConsumerScope(included=frozenset({"huangpu", "fed"})).narrow(
        topics.events_pattern("membership")
    )
    assert matches(with_fed, topics.federation_events("membership"))


def test_an_excluded_list_reads_every_other_district_and_fed_unless_named() -> None:
    pattern = ConsumerScope(excluded=frozenset({"huangpu"})).narrow(topics.events_pattern("membership"))
    assert not matches(pattern, topics.district_events("membership", "huangpu"))
    assert matches(pattern, topics.district_events("membership", "xuhui"))
    assert matches(pattern, topics.district_events("membership", "huangpu2"))
    assert matches(pattern, topics.federation_events("membership"))
    no_fed = ConsumerScope(excluded=frozenset({"huangpu", "fed"})).narrow(topics.events_pattern("membership"))
    assert not matches(no_fed, topics.federation_events("membership"))


def test_an_alternation_of_patterns_is_narrowed_as_a_whole() -> None:
    several = "|".join(f"(?:{topics.events_pattern(d)})" for d in ("membership", "campaigns"))
    pattern = ConsumerScope(included=frozenset({"huangpu"})).narrow(several)
    assert matches(pattern, topics.district_events("campaigns", "huangpu"))
    assert not matches(pattern, topics.district_events("campaigns", "xuhui"))
    assert not matches(pattern, topics.federation_events("membership"))


def test_branch_system_patterns_are_narrowed_too() -> None:
    pattern = ConsumerScope(included=frozenset({"xuhui"})).narrow(topics.system_inbound_pattern("membership"))
    assert matches(pattern, topics.system_inbound("membership", "xuhui", "hr1"))
    assert not matches(pattern, topics.system_inbound("membership", "huangpu", "hr1"))


def test_no_setting_leaves_the_pattern_as_it_is() -> None:
    settings = ServiceSettings(environment="development")
    assert settings.consumer_scope.unrestricted
    assert settings.consumer_scope.narrow("^x$") == "^x$"


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"consumer_districts": "huangpu,Bad_Code"}, "CONSUMER_DISTRICTS"),
        ({"consumer_excluded_districts": "x"}, "CONSUMER_EXCLUDED_DISTRICTS"),
        ({"consumer_districts": "huangpu", "consumer_excluded_districts": "xuhui"}, "not both"),
    ],
)
def test_a_wrong_district_setting_fails_at_start_up_naming_it(values: dict[str, str], named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        ServiceSettings(environment="development", **values)


def test_lists_are_comma_separated_and_trimmed() -> None:
    settings = ServiceSettings(environment="development", consumer_districts=" huangpu, xuhui ,fed,")
    assert settings.consumer_scope.included == {"huangpu", "xuhui", "fed"}


async def test_restricted_processes_of_one_group_split_the_districts_and_an_unrestricted_one_reads_all(
    db, kafka, runtimes, make_consumer, make_event, group, counts
) -> None:
    busy, quiet = (f"t{uuid.uuid4().hex[:10]}" for _ in range(2))
    busy_topic, quiet_topic = (topics.district_events("membership", d) for d in (busy, quiet))
    await kafka.create_topics(busy_topic, quiet_topic)
    sent: dict[str, set[str]] = {busy: set(), quiet: set()}
    for district, topic in ((busy, busy_topic), (quiet, quiet_topic)):
        for i in range(6):
            envelope = Envelope.wrap(make_event(f"b-{i}", district), source=SOURCE, district=district)
            await kafka.produce_envelope(topic, envelope)
            sent[district].add(str(envelope.id))
    both = rf"^unionfed\.d\.({busy}|{quiet})\.membership\.events$"

    only_busy = make_consumer(group, [], pattern=both, instance="busy")
    all_but_busy = make_consumer(group, [], pattern=both, instance="rest")
    await runtimes(db, [only_busy], consumer_districts=busy)
    await runtimes(db, [all_but_busy], consumer_excluded_districts=busy)
    everything_group = f"{group}-all"
    everything = make_consumer(everything_group, [], pattern=both, instance="all")
    await runtimes(db, [everything])

    await wait_for(lambda: _applied(counts, db, group, 12), timeout=60)
    await wait_for(lambda: _applied(counts, db, everything_group, 12), timeout=60)
    assert set(only_busy.calls) == sent[busy], "the restricted process read its district alone"
    assert set(all_but_busy.calls) == sent[quiet], "the excluding process read every other district"
    assert set(everything.calls) == sent[busy] | sent[quiet]
    assert await counts(db, group) == (12, 12), "each event applied once in the group"


async def _applied(counts, db, group: str, n: int) -> bool:  # type: ignore[no-untyped-def]
    rows, _ = await counts(db, group)
    return bool(rows >= n)
