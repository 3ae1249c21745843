"""What the demos share: the output folder, plots and progress bars, number tables, graph files.

matplotlib and tqdm come with the optional `demos` extra; the library never imports them, and
the demos import them only when they draw or train, with a clear message when they are missing.
Figures are drawn on matplotlib's Agg canvas directly (no pyplot, no GUI, no global backend).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

INSTALL_HINT = (
    'The demos draw with matplotlib and show progress with tqdm. Install them with\n'
    '    pip install -e ".[demos]"      (from a clone of the repository)\n'
    "or  pip install matplotlib tqdm"
)


class MissingExtraError(ImportError):
    """matplotlib or tqdm is not installed; the message says how to install them."""


def require_extras() -> None:
    """Fail early, before any training, when the demos' optional packages are missing."""
    missing = []
    for name in ("matplotlib", "tqdm"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise MissingExtraError(f"missing: {', '.join(missing)}.\n{INSTALL_HINT}")


def out_dir(out: str | Path) -> Path:
    """The output folder, created if needed."""
    path = Path(out)
    path.mkdir(parents=True, exist_ok=True)
    return path


# -- plots ----------------------------------------------------------------------------------------
def figure(width: float = 6.4, height: float = 4.0) -> Any:
    """A matplotlib Figure on the Agg canvas (no pyplot: nothing global is switched)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:
        raise MissingExtraError(f"{e}.\n{INSTALL_HINT}") from None
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Any, path: Path, dpi: int = 100) -> Path:
    """Write a PNG; no software/date metadata, so the same run gives the same bytes."""
    fig.savefig(path, dpi=dpi, metadata={"Software": None})
    return path


def grid(points: np.ndarray, steps: int, pad: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A steps x steps grid covering the points: (xx, yy, the grid as (steps*steps, 2) rows)."""
    lo = points.min(axis=0) - pad
    hi = points.max(axis=0) + pad
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


CLASS_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")


# -- progress ---------------------------------------------------------------------------------------
class _Silent:
    """Stands in for a tqdm bar in quick mode: iterates, ignores postfixes."""

    def __init__(self, iterable: Iterable[Any]) -> None:
        self.iterable = iterable

    def __iter__(self) -> Iterator[Any]:
        return iter(self.iterable)

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        pass


def progress(iterable: Iterable[Any], *, desc: str, enabled: bool = True, total: int | None = None) -> Any:
    """A tqdm progress bar over `iterable` (or a silent stand-in when not `enabled`)."""
    if not enabled:
        return _Silent(iterable)
    try:
        from tqdm import tqdm
    except ImportError as e:
        raise MissingExtraError(f"{e}.\n{INSTALL_HINT}") from None
    return tqdm(iterable, desc=desc, total=total, dynamic_ncols=True, leave=True)


# -- printing -------------------------------------------------------------------------------------
def fmt(value: Any) -> str:
    """A number or array as Python prints it (full precision for floats)."""
    if isinstance(value, np.ndarray):
        return np.array2string(value, separator=", ", precision=8, floatmode="maxprec")
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def compare(title: str, rows: Sequence[tuple[str, str, Any, bool]]) -> None:
    """Print the notebook's numbers next to ours: (what, notebook, ours, agree?)."""
    print(f"\n{title}")
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len("notebook"), *(len(r[1]) for r in rows))
    ours = [fmt(r[2]) for r in rows]
    w2 = max(len("seegrad"), *(len(o) for o in ours))
    print(f"  {'':<{w0}}  {'notebook':<{w1}}  {'seegrad':<{w2}}")
    for (what, nb, _, ok), o in zip(rows, ours, strict=True):
        print(f"  {what:<{w0}}  {nb:<{w1}}  {o:<{w2}}  {'ok' if ok else 'DIFFERENT'}")


def wrote(paths: Iterable[Path]) -> None:
    """Say where the files are."""
    print("\nWrote:")
    for p in paths:
        print(f"  {p}")


# -- graph pictures ----------------------------------------------------------------------------------
def save_graph(picture: Any, path: Path) -> Path:
    """Render an `ag.draw(...)` picture to `path` (.svg or .png).

    With no Graphviz renderer installed, write the DOT text next to it instead and say how to
    get a renderer: the demo still runs.
    """
    from autograd.viz import HOW_TO_GET_ONE, RendererNotFoundError

    try:
        return Path(picture.render(outfile=path))
    except RendererNotFoundError:
        dot = path.with_suffix(".dot")
        dot.write_text(picture.source, encoding="utf-8")
        print(f"\nNo Graphviz renderer: wrote the graph's DOT text to {dot} instead of {path.name}.")
        print(HOW_TO_GET_ONE)
        return dot
