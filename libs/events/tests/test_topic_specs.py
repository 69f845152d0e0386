"""Topic specs: what `unionfed topics create`, `unionfed run` and the outbox relay create."""

from __future__ import annotations

import pytest
from unionfed_events import topics

RETENTION = ("retention.ms", str(7 * 24 * 3600 * 1000))


def test_topics_carrying_full_ids_get_a_short_retention_and_the_others_none() -> None:
    specs = {s.name: s for s in topics.platform_topics(["xuhui", "pudong-new"], ["membership-registrations"])}
    carrying_ids = {
        topics.dead_letter("membership-registrations"),
        topics.retry("membership-registrations"),  # dead letters replayed to that group
    }
    assert carrying_ids <= set(specs)
    for name, spec in specs.items():
        if name == topics.DLQ_REPLAYS:  # replay records: no personal data, one per letter
            assert spec.configs == (("cleanup.policy", "compact"),)
            continue
        if name == topics.CONTACT_POINTS:  # the latest sealed record per member; tombstones kept a day
            assert spec.configs == (("cleanup.policy", "compact"), ("delete.retention.ms", "86400000"))
            continue
        assert spec.configs == ((RETENTION,) if name in carrying_ids else ()), name
    assert topics.PERSONAL_DATA_CONFIGS == (RETENTION,)
    # Branch systems' topics are created when a system is registered, not by the platform list.
    inbound, replies = topics.system_topics("membership", "xuhui", "hr-1")
    assert (inbound.configs, replies.configs) == ((RETENTION,), ())
    assert not any(".sys." in name for name in specs)


def test_spec_for_gives_every_platform_topic_its_spec_for_any_district_or_group() -> None:
    for spec in topics.platform_topics(["xuhui", "new-district"], ["membership-registrations", "notifier"]):
        assert topics.spec_for(spec.name) == spec
    for spec in topics.system_topics("membership", "new-district", "hr-1"):
        assert topics.spec_for(spec.name) == spec


@pytest.mark.parametrize(
    "name",
    [
        "unionfed.x.xuhui.unknown",
        "unionfed.d.xuhui.membership.other",
        "unionfed.d.xuhui.assistance.inbound",  # only membership takes requests from branch systems
        "unionfed.d.xuhui.membership.inbound",  # the old district-wide topic: gone
        "unionfed.d.xuhui.sys.hr-1.assistance.inbound",
        "unionfed.d.xuhui.sys.HR.membership.inbound",
        "unionfed.d.xuhui.sys.hr-1.membership.events",
        "unionfed.d.Xuhui.membership.events",
        "unionfed.d.xuhui.payroll.events",
        "unionfed.d.xuhui.membership.events.extra",
        "unionfed.fed.payroll.events",
        "unionfed.dlq.",
        "unionfed.dlq..g",
        "unionfed.dlq.bad group!",
        "unionfed.retry.",
        "unionfed",
        "other.d.xuhui.membership.events",
        "",
    ],
)
def test_spec_for_is_none_for_names_the_registry_does_not_describe(name: str) -> None:
    assert topics.spec_for(name) is None
