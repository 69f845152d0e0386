"""`python -m unionfed_devstack.k8s [--check] [--root deploy/k8s]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import load
from .layout import drift, render, write

REGENERATE = "uv run python -m unionfed_devstack.k8s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m unionfed_devstack.k8s", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path("deploy/k8s"), help="holds generator.toml")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file drifts")
    args = parser.parse_args(argv)
    files = render(load(args.root / "generator.toml"))
    if args.check:
        differs = drift(args.root, files)
        for path in differs:
            print(f"drifted: {args.root / path}", file=sys.stderr)
        if differs:
            print(f"run `{REGENERATE}` and commit the result", file=sys.stderr)
        return 1 if differs else 0
    for path in write(args.root, files):
        print(f"wrote {args.root / path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
