"""The chaos table: a rich table on a terminal, plain tab-separated lines otherwise."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from .scenarios import SCENARIO_TITLES
from .verdict import Row

COLUMNS = (
    "scenario",
    "events in",
    "effects out",
    "duplicates",
    "lost",
    "dead-lettered",
    "recover s",
    "drain s",
    "verdict",
)


def cells(row: Row) -> list[str]:
    dead = (
        f"{row.dead_lettered}/{row.dead_letters_expected}"
        if row.dead_letters_expected
        else str(row.dead_lettered)
    )
    return [
        SCENARIO_TITLES.get(row.scenario, row.scenario),
        str(row.events_in),
        str(row.effects_out),
        str(row.duplicates),
        str(row.lost),
        dead,
        "-" if row.recover_seconds is None else f"{row.recover_seconds:.1f}",
        "-" if row.drain_seconds is None else f"{row.drain_seconds:.1f}",
        "ok" if row.passed else "FAIL",
    ]


def print_table(console: Console, rows: Sequence[Row]) -> None:
    if console.is_terminal:
        table = Table(*COLUMNS, title="make chaos", title_justify="left")
        for row in rows:
            table.add_row(*cells(row))
        console.print(table)
    else:
        console.print("\t".join(COLUMNS), markup=False, soft_wrap=True)
        for row in rows:
            console.print("\t".join(cells(row)), markup=False, soft_wrap=True)
    for row in rows:
        for note in row.notes:
            console.print(
                f"  {SCENARIO_TITLES.get(row.scenario, row.scenario)}: {note}", markup=False, soft_wrap=True
            )
