"""`python -m unionfed_devstack.chaos` (what `make chaos` runs): every scenario, one table.

Exit code 1 when any scenario breaks the oracle."""

from __future__ import annotations

import asyncio
import random
import shutil
import tempfile
import time
from pathlib import Path

import typer
from rich.console import Console

from .platform import ChaosPlatform
from .report import print_table
from .scenarios import SCENARIOS, Row, Scale

console = Console(highlight=False)


def _log(message: str) -> None:
    console.print(f"{time.strftime('%H:%M:%S')} {message}", markup=False, soft_wrap=True)


def run_scenarios(platform: ChaosPlatform, names: list[str], scale: Scale, seed: int) -> list[Row]:
    rng = random.Random(seed)
    rows: list[Row] = []
    for name in names:
        _log(f"scenario {name}")
        rows.append(asyncio.run(SCENARIOS[name](platform, scale, rng, _log)))
    return rows


def main(
    scenario: list[str] = typer.Option(
        [], "--scenario", help=f"Only these scenarios (repeatable): {', '.join(SCENARIOS)}."
    ),
    small: bool = typer.Option(False, "--small", help="The reduced numbers `make test` uses."),
    seed: int = typer.Option(7, "--seed", help="Seed of the random kill moments and the poison order."),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Keep servers' data and logs here."),
    pg_port: int = typer.Option(0, "--pg-port", help="Embedded PostgreSQL port (0: a free one)."),
    kafka_port: int = typer.Option(0, "--kafka-port", help="Embedded broker port (0: a free one)."),
    http_port: int = typer.Option(0, "--http-port", help="Membership service port (0: a free one)."),
) -> None:
    """Run the platform under faults and print what the oracle saw."""
    names = scenario or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise typer.BadParameter(f"unknown scenario(s) {unknown}; known: {list(SCENARIOS)}")
    root = data_dir or Path(tempfile.mkdtemp(prefix="unionfed-chaos-"))
    if data_dir is None:
        root.chmod(0o711)  # the postgres system user (when running as root) must traverse it
    ports = {"pg": pg_port, "kafka": kafka_port, "http": http_port}
    started = time.monotonic()
    try:
        with ChaosPlatform(root, log=_log, ports=ports) as platform:
            rows = run_scenarios(platform, names, Scale.small() if small else Scale(), seed)
    finally:
        if data_dir is None:
            shutil.rmtree(root, ignore_errors=True)
    print_table(console, rows)
    console.print(f"{len(rows)} scenario(s) in {time.monotonic() - started:.0f}s", markup=False)
    if not all(row.passed for row in rows):
        raise typer.Exit(1)


if __name__ == "__main__":
    typer.run(main)
