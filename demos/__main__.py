"""`python -m demos [NAME | all] [--list] [--out DIR] [--quick]`."""

from __future__ import annotations

import argparse
import sys
import time

from . import DEMOS, MAIN, module
from ._common import MissingExtraError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m demos",
        description="seegrad's demos. With no NAME, the main demo: an MLP on the two moons.",
    )
    p.add_argument("name", nargs="?", default=MAIN, help=f"a demo (see --list), or 'all'; default {MAIN}")
    p.add_argument("--list", action="store_true", help="list the demos and exit")
    p.add_argument("--out", default="out", help="folder for the pictures (default: ./out)")
    p.add_argument("--quick", action="store_true", help="a smaller, faster run (used by the tests)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list:
        width = max(len(n) for n in DEMOS)
        for name in DEMOS:
            tag = "  (the main demo)" if name == MAIN else ""
            print(f"{name:<{width}}  {module(name).TITLE}{tag}")
        return 0
    names = list(DEMOS) if args.name == "all" else [args.name]
    try:
        mods = [module(n) for n in names]
    except KeyError as e:
        print(f"python -m demos: {e.args[0]}", file=sys.stderr)
        return 2
    timings = []
    for name, mod in zip(names, mods, strict=True):
        print(f"== {name}: {mod.TITLE} ==")
        start = time.perf_counter()
        try:
            mod.main(out=args.out, quick=args.quick)
        except MissingExtraError as e:
            print(f"python -m demos: {e}", file=sys.stderr)
            return 1
        timings.append((name, time.perf_counter() - start))
        print(f"({name} took {timings[-1][1]:.1f} s)\n")
    if len(timings) > 1:
        print("Timings: " + ", ".join(f"{n} {s:.1f} s" for n, s in timings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
