"""The step-through page of a backward trace: the explorer page (see `explorer.py`).

Kept as the module `Trace.to_html` calls. The page no longer asks Graphviz for its picture: it
lays the graph out itself, in the browser, so a missing, slow or broken renderer (one that
writes something other than SVG) cannot stop the page from being written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .explorer import MAX_ROWS, MAX_STEPS, OPEN_NODES, Explorer

if TYPE_CHECKING:
    from .trace import Trace


def write_html(
    trace: Trace, path: Path, *, max_nodes: int = OPEN_NODES, max_steps: int = MAX_STEPS,
    max_rows: int = MAX_ROWS,
) -> str:
    """Write the page for `trace` to `path` and return the path as a string."""
    return Explorer(trace, max_steps=max_steps, max_rows=max_rows, max_nodes=max_nodes).save(path)
