"""Run the ```python blocks of a Markdown file, in order, in one namespace.

The docs tests (`tests/test_docs.py`) use this so that no example in README.md or docs/*.md can
rot; `python -m demos.gen_images` uses it to make the pictures a page's own code draws.

A block is skipped when fenced as ```text (or anything but python), or when the line right
before its fence (blank lines aside) is the comment `<!-- skip -->`. After a comment
`<!-- requires: torch -->` (module names, comma-separated) a block runs only where those modules
can be imported: optional libraries (PyTorch, onnxruntime) are used where they are installed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")
SKIP = "<!-- skip -->"
REQUIRES = re.compile(r"^<!--\s*requires:\s*([\w.,\s]+?)\s*-->$")


@dataclass(frozen=True)
class Block:
    """A fenced python block: its code and the line (1-based) of its first code line."""

    path: Path
    line: int
    code: str
    requires: tuple[str, ...] = ()  # modules the block needs (see `<!-- requires: ... -->`)

    def runnable(self) -> bool:
        """Whether every module the block requires can be imported here."""
        return all(importlib.util.find_spec(m) is not None for m in self.requires)


def python_blocks(path: Path) -> list[Block]:
    """The ```python blocks of a Markdown file that are meant to run, in order."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    skip = False
    requires: tuple[str, ...] = ()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = FENCE.match(line)
        if not m:
            r = REQUIRES.match(line.strip())
            if line.strip() == SKIP:
                skip = True
            elif r:
                requires = tuple(x.strip() for x in r.group(1).split(",") if x.strip())
            elif line.strip():
                skip = False
                requires = ()
            i += 1
            continue
        indent, fence, lang = m.groups()
        start = i + 1
        i = start
        while i < len(lines) and not lines[i].strip().startswith(fence):
            i += 1
        body = [ln[len(indent):] if ln.startswith(indent) else ln for ln in lines[start:i]]
        if lang == "python" and not skip:
            blocks.append(Block(Path(path), start + 1, "\n".join(body) + "\n", requires))
        skip = False
        requires = ()
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
            if not block.runnable():
                continue
            source = "\n" * (block.line - 1) + block.code
            exec(compile(source, str(block.path), "exec"), namespace)
    return namespace
