from __future__ import annotations

import re

import pytest
from unionfed_events import topics


@pytest.mark.parametrize("bad", ["", "x", "Xuhui", "xu hui", "1xuhui", "xu.hui", "xu_hui", "a" * 33, "徐汇"])
def test_bad_district_codes_are_rejected(bad: str) -> None:
    for make in (topics.district_inbound, topics.district_replies, topics.district_events):
        with pytest.raises(ValueError, match="district"):
            make("membership", bad)
    with pytest.raises(ValueError):
        topics.district_prefix(bad)


def test_unknown_domain_is_rejected() -> None:
    with pytest.raises(ValueError, match="domain"):
        topics.district_events("payroll", "xuhui")
    with pytest.raises(ValueError, match="domain"):
        topics.federation_events("payroll")


def test_topic_names() -> None:
    assert topics.district_events("membership", "xuhui") == "unionfed.d.xuhui.membership.events"
    assert topics.district_inbound("membership", "pudong-new") == "unionfed.d.pudong-new.membership.inbound"
    assert topics.district_replies("membership", "xuhui") == "unionfed.d.xuhui.membership.replies"
    assert topics.federation_events("assistance") == "unionfed.fed.assistance.events"
    assert topics.dead_letter("notifier") == "unionfed.dlq.notifier"
    assert topics.events_topic("campaigns", None) == "unionfed.fed.campaigns.events"
    assert topics.events_topic("campaigns", "xuhui") == "unionfed.d.xuhui.campaigns.events"
    assert topics.district_events("membership", "xuhui").startswith(topics.district_prefix("xuhui"))


def test_events_pattern_matches_district_and_federation_events_of_its_domain_only() -> None:
    pattern = re.compile(topics.events_pattern("membership"))
    assert pattern.match("unionfed.d.xuhui.membership.events")
    assert pattern.match("unionfed.d.pudong-new.membership.events")
    assert pattern.match("unionfed.fed.membership.events")
    for other in (
        "unionfed.d.xuhui.membership.inbound",
        "unionfed.d.xuhui.membership.replies",
        "unionfed.d.xuhui.assistance.events",
        "unionfed.fed.assistance.events",
        "unionfed.dlq.membership",
        "unionfed.d.xuhui.membership.events.extra",
        "other.d.xuhui.membership.events",
        "unionfed.d.Xuhui.membership.events",
    ):
        assert not pattern.match(other), other


def test_inbound_pattern_matches_inbound_topics_only() -> None:
    pattern = re.compile(topics.inbound_pattern("membership"))
    assert pattern.match("unionfed.d.xuhui.membership.inbound")
    for other in (
        "unionfed.d.xuhui.membership.events",
        "unionfed.d.xuhui.membership.replies",
        "unionfed.fed.membership.inbound",
        "unionfed.d.xuhui.assistance.inbound",
    ):
        assert not pattern.match(other), other


def test_parse_district() -> None:
    assert topics.parse_district("unionfed.d.xuhui.membership.events") == "xuhui"
    assert topics.parse_district(topics.district_inbound("membership", "pudong-new")) == "pudong-new"
    assert topics.parse_district("unionfed.fed.membership.events") is None
    assert topics.parse_district("unionfed.dlq.notifier") is None
    assert topics.parse_district("elsewhere.d.xuhui.membership.events") is None


def test_platform_topics() -> None:
    specs = topics.platform_topics(["xuhui", "pudong"], ["notifier"])
    names = [s.name for s in specs]
    assert len(names) == len(set(names))
    assert "unionfed.d.xuhui.membership.inbound" in names
    assert "unionfed.d.pudong.notifications.events" in names
    assert "unionfed.fed.campaigns.events" in names
    dlq = next(s for s in specs if s.name == "unionfed.dlq.notifier")
    assert dlq.partitions == 1
    assert all(topics.parse_district(n) in (None, "xuhui", "pudong") for n in names)
