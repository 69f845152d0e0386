from __future__ import annotations

import re

import pytest
from unionfed_events import topics


@pytest.mark.parametrize("bad", ["", "x", "Xuhui", "xu hui", "1xuhui", "xu.hui", "xu_hui", "a" * 33, "徐汇"])
def test_bad_district_codes_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="district"):
        topics.district_events("membership", bad)
    for make in (topics.system_inbound, topics.system_replies):
        with pytest.raises(ValueError, match="district"):
            make("membership", bad, "hr-1")
        with pytest.raises(ValueError, match="branch system"):
            make("membership", "xuhui", bad)
    with pytest.raises(ValueError):
        topics.district_prefix(bad)


def test_unknown_domain_is_rejected() -> None:
    with pytest.raises(ValueError, match="domain"):
        topics.district_events("payroll", "xuhui")
    with pytest.raises(ValueError, match="domain"):
        topics.federation_events("payroll")


def test_topic_names() -> None:
    assert topics.district_events("membership", "xuhui") == "unionfed.d.xuhui.membership.events"
    assert (
        topics.system_inbound("membership", "pudong-new", "hr-1")
        == "unionfed.d.pudong-new.sys.hr-1.membership.inbound"
    )
    assert (
        topics.system_replies("membership", "xuhui", "hr-1") == "unionfed.d.xuhui.sys.hr-1.membership.replies"
    )
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
        "unionfed.d.xuhui.sys.hr-1.membership.inbound",
        "unionfed.d.xuhui.sys.hr-1.membership.replies",
        "unionfed.d.xuhui.sys.hr-1.membership.events",
        "unionfed.d.xuhui.assistance.events",
        "unionfed.fed.assistance.events",
        "unionfed.dlq.membership",
        "unionfed.d.xuhui.membership.events.extra",
        "other.d.xuhui.membership.events",
        "unionfed.d.Xuhui.membership.events",
    ):
        assert not pattern.match(other), other


def test_system_inbound_pattern_matches_branch_system_inbound_topics_only() -> None:
    pattern = re.compile(topics.system_inbound_pattern("membership"))
    assert pattern.match("unionfed.d.xuhui.sys.hr-1.membership.inbound")
    for other in (
        "unionfed.d.xuhui.membership.inbound",  # the old district-wide topic is gone
        "unionfed.d.xuhui.sys.hr-1.membership.replies",
        "unionfed.d.xuhui.sys.hr-1.assistance.inbound",
        "unionfed.d.xuhui.membership.events",
        "unionfed.fed.membership.inbound",
    ):
        assert not pattern.match(other), other


def test_one_system_prefix_covers_its_own_topics_and_no_other_systems() -> None:
    prefix = topics.system_prefix("xuhui", "hr1")
    own = [s.name for s in topics.system_topics("membership", "xuhui", "hr1")]
    assert own and all(name.startswith(prefix) for name in own)
    for other in (
        topics.system_replies("membership", "xuhui", "hr10"),  # a longer id sharing the start
        topics.system_replies("membership", "xuhui", "hr2"),
        topics.system_replies("membership", "pudong", "hr1"),
        topics.district_events("membership", "xuhui"),
    ):
        assert not other.startswith(prefix), other
    assert topics.parse_system(own[0]) == ("xuhui", "hr1")
    assert topics.parse_system(topics.district_events("membership", "xuhui")) is None
    inbound = topics.system_topics("membership", "xuhui", "hr1")[0]
    assert (
        inbound.name.endswith(".inbound") and ("retention.ms", str(7 * 24 * 3600 * 1000)) in inbound.configs
    )


def test_parse_district() -> None:
    assert topics.parse_district("unionfed.d.xuhui.membership.events") == "xuhui"
    assert topics.parse_district(topics.system_inbound("membership", "pudong-new", "hr-1")) == "pudong-new"
    assert topics.parse_district("unionfed.fed.membership.events") is None
    assert topics.parse_district("unionfed.dlq.notifier") is None
    assert topics.parse_district("elsewhere.d.xuhui.membership.events") is None


def test_platform_topics() -> None:
    specs = topics.platform_topics(["xuhui", "pudong"], ["notifier"])
    names = [s.name for s in specs]
    assert len(names) == len(set(names))
    assert "unionfed.d.xuhui.membership.events" in names
    assert not any(n.endswith((".inbound", ".replies")) for n in names)  # made per branch system
    assert "unionfed.d.pudong.notifications.events" in names
    assert "unionfed.fed.campaigns.events" in names
    dlq = next(s for s in specs if s.name == "unionfed.dlq.notifier")
    assert dlq.partitions == 1
    assert all(topics.parse_district(n) in (None, "xuhui", "pudong") for n in names)
