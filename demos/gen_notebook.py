"""Write docs/tutorial.ipynb from docs/tutorial.md: the markdown is the one source.

    python -m demos.gen_notebook            # regenerate docs/tutorial.ipynb
    python -m demos.gen_notebook --check    # exit 1 if the committed notebook is out of date

Each ```python block that runs in the docs tests (see `demos/doc_blocks.py`: not fenced as
text, not after `<!-- skip -->`) becomes a code cell; the text between them becomes markdown
cells, with the other fenced blocks (outputs, skipped code) kept as they are. A line
`<!-- notebook: omit -->` drops the next line from the notebook: it marks the committed
picture that follows an `ag.draw(...)` cell, which the notebook draws live instead.

The output is deterministic (cell ids are numbered, no outputs are stored), so a test can
regenerate it and compare: the markdown and the notebook cannot drift.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .doc_blocks import FENCE, SKIP

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "docs" / "tutorial.md"
TARGET = ROOT / "docs" / "tutorial.ipynb"
OMIT = "<!-- notebook: omit -->"
HEADER = (
    "*This notebook is generated from [tutorial.md](tutorial.md) by `python -m demos.gen_notebook`; "
    "edit the markdown, not this file. Run the cells in order (Shift+Enter); the pictures of "
    "`ag.draw(...)` appear below their cells.*"
)


def _cell(kind: str, lines: list[str], number: int) -> dict[str, Any]:
    text = "\n".join(lines).strip("\n")
    source = [ln + "\n" for ln in text.split("\n")]
    source[-1] = source[-1].rstrip("\n")
    cell: dict[str, Any] = {"cell_type": kind, "id": f"cell-{number}", "metadata": {}, "source": source}
    if kind == "code":
        cell["execution_count"] = None
        cell["outputs"] = []
    return cell


def cells(markdown: str) -> list[tuple[str, list[str]]]:
    """(kind, lines) of each cell, in order: "markdown" or "code"."""
    lines = markdown.splitlines()
    out: list[tuple[str, list[str]]] = []
    text: list[str] = []
    skip = False  # the next block is after <!-- skip -->
    i = 0

    def flush() -> None:
        if any(ln.strip() for ln in text):
            out.append(("markdown", list(text)))
        text.clear()

    while i < len(lines):
        line = lines[i]
        if line.strip() == OMIT:
            i += 2  # the marker and the line it marks
            continue
        m = FENCE.match(line)
        if not m:
            if line.strip() == SKIP:
                skip = True
            elif line.strip():
                skip = False
            text.append(line)
            i += 1
            continue
        indent, fence, lang = m.groups()
        end = i + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        if lang == "python" and not skip and not indent:
            flush()
            out.append(("code", lines[i + 1 : end]))
        else:
            text.extend(lines[i : end + 1])
        skip = False
        i = end + 1
    flush()
    return out


def generate(source: Path = SOURCE) -> str:
    """The notebook's JSON text for the markdown file `source`."""
    parts = cells(source.read_text(encoding="utf-8"))
    if parts and parts[0][0] == "markdown":  # the header goes under the page title
        kind, lines = parts[0]
        parts[0] = (kind, [lines[0], "", HEADER, *lines[1:]])
    nb = {
        "cells": [_cell(kind, lines, k) for k, (kind, lines) in enumerate(parts)],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the notebook is out of date")
    args = parser.parse_args(argv)
    text = generate()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date: run `python -m demos.gen_notebook`", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
