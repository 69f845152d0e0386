"""`python -m bench [names...]`: run all benchmarks or the named ones; figures are printed, nothing asserted."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Awaitable, Callable

from rich.table import Table

from . import (
    aid_race,
    campaigns_audience,
    campaigns_enrol,
    console_index,
    consumer,
    http,
    import_,
    latency,
    memory,
    notifications_email,
    notifications_fanout,
    publish,
    relay,
)
from .common import Result, console
from .servers import Servers, servers

BENCHES: dict[str, Callable[[Servers], Awaitable[Result]]] = {
    "relay": relay.run,
    "latency": latency.run,
    "publish": publish.run,
    "consumer": consumer.run,
    "memory": memory.run,
    "import": import_.run,
    "http": http.run,
    "aid_race": aid_race.run,
    "enrol": campaigns_enrol.run,
    "campaigns_audience": campaigns_audience.run,
    "notifications_email": notifications_email.run,
    "notifications_fanout": notifications_fanout.run,
    "console_index": console_index.run,
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*BENCHES, []], metavar="name", help=", ".join(BENCHES))
    return parser.parse_args(argv)


async def run_all(srv: Servers, names: list[str]) -> list[Result]:
    results = []
    for name in names:
        console.rule(f"[bold]{name}")
        started = time.monotonic()
        try:
            result = await BENCHES[name](srv)
        except Exception as exc:  # one broken bench should not hide the others' figures
            console.print_exception(max_frames=5)
            result = Result(name, [])
            result.add("failed", f"{type(exc).__name__}: {exc}")
        result.add("bench wall time", time.monotonic() - started, "s")
        result.show()
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    names = args.names or list(BENCHES)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with servers(lambda msg: console.print(f"[dim]{msg}")) as srv:
        console.print(f"[dim]servers: {srv.description}")
        results = asyncio.run(run_all(srv, names))
    console.rule("[bold]summary")
    for result in results:
        result.show()
    show_ratios(results)
    return 0


def show_ratios(results: list[Result]) -> None:
    """One table of every ratio and every figure that has a target, across the benches run."""
    table = Table(title="ratios and targets", title_justify="left", box=None, pad_edge=False)
    for column in ("bench", "figure", "value", "target"):
        table.add_column(column, justify="right" if column == "value" else "left")
    for result in results:
        bench = result.title.split(":")[0]
        for label, value, unit, note in result.rows:
            if label.strip().startswith("ratio") or "target" in note:
                table.add_row(bench, label.strip(), f"{value} {unit}".strip(), note)
    console.print(table)


if __name__ == "__main__":
    sys.exit(main())
