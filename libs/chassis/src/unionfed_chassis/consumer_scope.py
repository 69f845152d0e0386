"""Which districts' topics a process consumes (`CONSUMER_DISTRICTS`, `CONSUMER_EXCLUDED_DISTRICTS`).

A busy district gets its own consumer Deployment (scaled on its own lag) by narrowing every
pattern subscription of that process to its topics; the other Deployment excludes it. Both stay
in the same consumer groups, so committed offsets, the inbox, the dead-letter and retry topics
are the group's whatever process reads a district, and moving a district from one Deployment to
the other neither re-reads nor skips an event.

`fed` in either list stands for the federation-level topics (`unionfed.fed.<domain>.events`):
an included list reads them only if it names `fed`, an excluded list reads them unless it names
`fed` — so exactly one Deployment set reads them (the unrestricted or excluding one, as
generated). Only pattern subscriptions are narrowed; topics a consumer names (contact points,
its retry topic) are read by whichever member of the group Kafka assigns them to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from unionfed_events import topics

FEDERATION = "fed"


def parse_districts(value: str, setting: str) -> frozenset[str]:
    """`huangpu, xuhui,fed` → the set; an invalid code fails naming the setting (at start-up)."""
    codes = frozenset(code.strip() for code in value.split(",") if code.strip())
    invalid = sorted(c for c in codes if c != FEDERATION and not topics.DISTRICT_CODE.match(c))
    if invalid:
        raise ValueError(
            f"{setting}: invalid district code(s) {', '.join(invalid)}; use district codes "
            f"(2-32 lowercase letters, digits or '-') or `{FEDERATION}`, comma-separated"
        )
    return codes


@dataclass(frozen=True)
class ConsumerScope:
    """Districts read (`included`, empty = all) or not read (`excluded`); never both."""

    included: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.included and self.excluded:
            raise ValueError("set CONSUMER_DISTRICTS or CONSUMER_EXCLUDED_DISTRICTS, not both")

    @property
    def unrestricted(self) -> bool:
        return not self.included and not self.excluded

    def narrow(self, pattern: str) -> str:
        """`pattern` limited to the scope's topics, by a look-ahead on their prefixes."""
        if self.unrestricted:
            return pattern
        prefixes = "|".join(re.escape(_prefix(code)) for code in sorted(self.included or self.excluded))
        look = "?=" if self.included else "?!"
        return f"^({look}{prefixes})(?:{pattern})"

    def describe(self) -> str:
        if self.unrestricted:
            return "all districts and federation topics"
        kind = "only" if self.included else "all but"
        return f"{kind} {', '.join(sorted(self.included or self.excluded))}"


def _prefix(code: str) -> str:
    return f"{topics.PREFIX}.{FEDERATION}." if code == FEDERATION else topics.district_prefix(code)
