"""Run the ```python blocks of a Markdown file, in order, in one namespace.

The docs tests (`tests/test_docs.py`) use this so that no example in README.md or docs/*.md can
rot; `python -m demos.gen_images` uses it to make the pictures a page's own code draws.

A block is skipped when fenced as ```text (or anything but python), or when the line right
before its fence (blank lines aside) is the comment `<!-- skip -->`.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")
SKIP = "<!-- skip -->"


@dataclass(frozen=True)
class Block:
    """A fenced python block: its code and the line (1-based) of its first code line."""

    path: Path
    line: int
    code: str


def python_blocks(path: Path) -> list[Block]:
    """The ```python blocks of a Markdown file that are meant to run, in order."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    skip = False
    i = 0
    while i < len(lines):
        line = lines[i]
        m = FENCE.match(line)
        if not m:
            if line.strip() == SKIP:
                skip = True
            elif line.strip():
                skip = False
            i += 1
            continue
        indent, fence, lang = m.groups()
        start = i + 1
        i = start
        while i < len(lines) and not lines[i].strip().startswith(fence):
            i += 1
        body = [ln[len(indent):] if ln.startswith(indent) else ln for ln in lines[start:i]]
        if lang == "python" and not skip:
            blocks.append(Block(Path(path), start + 1, "\n".join(body) + "\n"))
        skip = False
        i += 1
    return blocks


@contextlib.contextmanager
def working_dir(path: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def run_blocks(path: Path, cwd: Path, quiet: bool = True) -> dict[str, Any]:
    """Execute the file's python blocks in order in one namespace, inside `cwd`.

    Line numbers in tracebacks are those of the Markdown file.
    """
    blocks = python_blocks(Path(path).resolve())
    namespace: dict[str, Any] = {"__name__": "__doc_example__"}
    out = io.StringIO()
    with working_dir(cwd), contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
        for block in blocks:
            source = "\n" * (block.line - 1) + block.code
            exec(compile(source, str(block.path), "exec"), namespace)
    return namespace
