"""The explorer: one self-contained HTML page to step through a backward pass on its graph.

`explore(output)` (or `trace_backward(output).explorer()`) gives an `Explorer`; `.save(path)`
writes the page, and in Jupyter the object shows the page inline (`_repr_html_`: an
``<iframe srcdoc=...>``, which JupyterLab and the classic notebook both display, with the
page's script kept inside the frame).

The page (explorer.js and explorer.css, inlined; no network, no external files):

- draws the graph with each tensor's value and gradient, laid out by its own small layered
  layout, with zoom (wheel, +/-) and pan (drag), opening fitted to the window;
- steps through the backward pass (slider, buttons, arrow keys): each step writes the running
  gradient into the tensor it reaches, so the picture fills with gradients as you go, and the
  URL's ``#step=N`` follows the current step (opening it with ``#step=N`` goes there);
- click a node: its full value and gradient, and every path from it to the output highlighted;
- "steps reaching": only the steps whose gradient flows on into one chosen parameter;
- modules, rolled-up repeats (a loop's steps, a module called in a loop: one box marked
  ``x N`` around all N repeats, closed at first; `rollup.find_runs` finds them as for the
  static picture) and long chains (when the graph is big) are boxes that expand and collapse;
  a sum of many terms (``total = total + x*x`` in a loop) keeps every add, unlike the static
  picture's one Σ: each add is a step of the backward pass the page steps through;
  a step inside a collapsed box opens it (unless asked not to: then the box lights up and says
  which repeat and node the step reaches, with its running gradient);
- a leaf read by more than 4 boxes (a shared weight) is drawn once, and as a small dashed
  copy at each other use (a click on a copy selects the leaf; a step into it lights the copy
  at that use), so its edges stay short.

Python's part is only data: the graph model (`build_graph`), the trace's steps, and text for
every value, embedded as JSON (with ``<``, ``>`` and ``&`` written as ``\\u003c`` ... so no name can
end the script block). The JSON is capped: at most `max_steps` steps and a table of at most
`max_rows` rows (the page says what was left out), and a graph of more than `NODE_LIMIT`
nodes is cut down to the nodes the shown steps reach.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..tensor import Tensor
from .graph import CONST, OP, TENSOR, GraphModel
from .labels import fmt_array, fmt_const, fmt_shape
from .rollup import find_runs
from .summary import fold_chains
from .sums import find_sums, sum_ops
from .view import GHOST_USES

if TYPE_CHECKING:
    from .trace import Trace

HERE = Path(__file__).parent
NODE_LIMIT = 3000  # nodes drawn at most; beyond, only what the shown steps reach
MAX_STEPS = 2000
MAX_ROWS = 1000
OPEN_NODES = 400  # above this many nodes, long chains start collapsed (steps open them)
FULL_CHARS = 4000  # the click panel's full value text is cut there
FULL_ELEMENTS = 400  # arrays up to this many elements are printed in full


def dumps_for_html(data: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` element: ``<``, ``>`` and ``&`` become
    ``\\u003c``, ``\\u003e`` and ``\\u0026`` (still valid JSON, read back unchanged), so a name
    such as ``</script>`` or ``<!--`` cannot end or comment out the block."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )


def _full(a: Any) -> str:
    arr = np.asarray(a)
    if arr.ndim == 0:
        return repr(arr.item())
    text = np.array2string(arr, threshold=FULL_ELEMENTS, max_line_width=100, precision=6)
    return text if len(text) <= FULL_CHARS else text[:FULL_CHARS] + " ..."


def _grad_of(t: Tensor) -> np.ndarray | None:
    g = t.grad
    if g is None:
        return None
    return np.asarray(g.data if isinstance(g, Tensor) else g)


def _kept_nodes(g: GraphModel, trace: Trace, max_steps: int) -> tuple[list[int], int]:
    """The node indices to draw and how many steps the page holds.

    All nodes when there are at most `NODE_LIMIT`; else the nodes the first steps reach (the
    op, its output, the input, and the op's constants), as many steps as fit in the limit.
    """
    steps = min(max_steps, len(trace.steps))
    if len(g.nodes) <= NODE_LIMIT:
        return list(range(len(g.nodes))), steps
    keep = {g.root}
    for k, s in enumerate(trace.steps[:steps]):
        new = set()
        for t in (s.input, s.output):
            n = g.node_of(t)
            if n is not None:
                new.add(n)
                new.update(g.edges[e].src for e in g.preds[n])  # the op that made it
        for n in list(new):
            if g.nodes[n].kind == OP:
                new.update(g.edges[e].src for e in g.preds[n] if g.nodes[g.edges[e].src].kind == CONST)
        if len(keep | new) > NODE_LIMIT:
            return sorted(keep), k
        keep |= new
    return sorted(keep), steps


def _roll_groups(g: GraphModel, index: dict[int, int], paths: list[list[int]],
                 groups: list[dict[str, Any]], repeat: dict[int, int]) -> None:
    """Add one closed box per rolled-up run (`rollup.find_runs`: a loop's repeated ops, a module
    called in a loop), titled ``x N``, around all N repeats: the ops, their outputs, their
    constants and the inputs each repeat reads alone (``x_t``). It sits inside the module boxes
    the whole loop runs in and around those that differ from repeat to repeat (each call of a
    module called in the loop). Shared weights stay outside: one box reads them all."""
    ops = [n for n, nd in enumerate(g.nodes) if nd.kind == OP]
    # As in the picture, a loop that only adds up independent terms is a sum, not a repeat:
    # the page keeps its adds (each one is a step of the backward pass it steps through).
    for s, p, reps in sorted(find_runs(g, sum_ops(find_sums(g)))):
        first, last = ops[s : s + p], ops[s + (reps - 1) * p : s + reps * p]
        depth = min(_shared(g.nodes[a].scope, g.nodes[b].scope) for a, b in zip(first, last, strict=True))
        members: list[int] = []
        for q in range(reps):
            for op in ops[s + q * p : s + (q + 1) * p]:
                mine = [op, g.output_of(op)]
                for m in g.inputs_of(op):
                    nd = g.nodes[m]
                    if nd.kind == CONST or (nd.kind == TENSOR and not g.preds[m] and len(g.succs[m]) == 1):
                        mine.append(m)
                for m in mine:
                    repeat.setdefault(m, q + 1)
                members.extend(mine)
        gid = len(groups)
        inside = [index[m] for m in dict.fromkeys(members) if m in index]
        if not inside:
            continue
        outer = paths[inside[0]][:depth]
        groups.append({"title": f"x {reps}", "kind": "roll", "parent": outer[-1] if outer else -1,
                       "open": False, "count": reps, "period": p})
        for k in inside:
            d = min(depth, len(paths[k]))
            paths[k] = [*paths[k][:d], gid, *paths[k][d:]]


def _shared(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """How many leading scope elements (module calls) a and b share."""
    k = 0
    while k < min(len(a), len(b)) and a[k] == b[k]:
        k += 1
    return k


def page_data(trace: Trace, *, max_steps: int = MAX_STEPS, max_nodes: int = OPEN_NODES) -> dict[str, Any]:
    """Everything the page shows, as plain JSON-able data (see the module doc)."""
    g = trace.model
    kept, n_steps = _kept_nodes(g, trace, max_steps)
    shown_steps = trace.steps[:n_steps]
    left_out = len(g.nodes) - len(kept)
    index = {n: k for k, n in enumerate(kept)}
    name = trace.name

    # Groups: one per module scope prefix (nested), and long chains when the graph is big.
    groups: list[dict[str, Any]] = []
    scope_group: dict[tuple[str, ...], int] = {}

    def scope_path(scope: tuple[str, ...]) -> list[int]:
        path = []
        for k in range(1, len(scope) + 1):
            pre = scope[:k]
            if pre not in scope_group:
                scope_group[pre] = len(groups)
                parent = scope_group.get(pre[:-1], -1) if k > 1 else -1
                groups.append({"title": pre[-1], "kind": "module", "parent": parent, "open": True})
            path.append(scope_group[pre])
        return path

    paths = [scope_path(g.nodes[n].scope) for n in kept]
    repeat: dict[int, int] = {}  # node -> which repeat of its rolled-up run (1 = the first)
    if not left_out:
        _roll_groups(g, index, paths, groups, repeat)
    if not left_out and len(kept) > max_nodes:
        group_of = [-1] * len(g.nodes)
        chains: list[Any] = []
        fold_chains(g, group_of, chains)
        for ch in chains:
            members = [index[m] for m in ch.members if m in index]
            if not members:
                continue
            n_ops = sum(1 for m in ch.members if g.nodes[m].kind == OP)
            if n_ops < 3:  # a box hiding one or two ops costs more than it saves
                continue
            gid = len(groups)
            parent = paths[members[0]][-1] if paths[members[0]] else -1
            groups.append({"title": f"chain of {n_ops} ops", "kind": "chain", "parent": parent,
                           "open": False})
            inside = set(ch.members)
            for m in ch.members:  # constants used only inside the chain go in with it
                for e in g.preds[m]:
                    c = g.edges[e].src
                    if g.nodes[c].kind == CONST and all(g.edges[f].dst in inside for f in g.succs[c]):
                        members.append(index[c])
            for m in members:
                paths[m] = [*paths[m], gid]

    nodes: list[dict[str, Any]] = []
    for k, n in enumerate(kept):
        node = g.nodes[n]
        item: dict[str, Any] = {"id": node.id, "kind": node.kind[0], "groups": paths[k]}
        t = node.tensor
        if node.kind == TENSOR and t is not None:
            item["name"] = name(t)
            item["shape"] = "" if t.ndim == 0 else f"{fmt_shape(t.shape)} {t.dtype}"
            item["data"] = fmt_array(t.data)
            item["full"] = _full(t.data)
            item["param"] = t._ctx is None and t.requires_grad
            grad = _grad_of(t)
            if grad is not None:
                item["stored_grad"] = _full(grad)
        elif node.kind == OP and node.ctx is not None:
            item["name"] = node.ctx.label()
        else:
            item["name"] = fmt_const(node.value)
        if n in repeat:
            item["rep"] = repeat[n]
        nodes.append(item)
    edges = []
    for e in g.edges:
        if e.src in index and e.dst in index:
            edges.append([index[e.src], index[e.dst], e.index])

    steps = []
    for s in shown_steps:
        d = trace.describe(s)
        ids = [g.node_of(s.input), g.node_of(s.output)]
        op = next((g.edges[e].src for e in g.preds[ids[1]]), None) if ids[1] is not None else None
        steps.append([
            index.get(op, -1) if op is not None else -1,
            index.get(ids[0], -1) if ids[0] is not None else -1,
            index.get(ids[1], -1) if ids[1] is not None else -1,
            s.index, d["edge"], d["formula"], d["upstream"], d["local"], d["contribution"],
            fmt_array(s.total), _full(s.total),
        ])
    seed = trace.steps[0].upstream if trace.steps else np.ones(trace.output.shape)
    notes = []
    if len(trace.steps) > len(shown_steps):
        notes.append(
            f"Showing the first {len(shown_steps):,} of {len(trace.steps):,} steps "
            + ("(pass max_steps= for more)." if n_steps == max_steps else
               f"(the most whose nodes fit in a picture of {NODE_LIMIT:,} nodes).")
        )
    if left_out:
        notes.append(
            f"The graph has {len(g.nodes):,} nodes: drawn are the {len(kept):,} that the shown "
            f"steps reach; {left_out:,} are left out."
        )
    return {
        "title": name(trace.output),
        "root": index[g.root],
        "seed": fmt_array(seed),
        "seed_full": _full(seed),
        "nodes": nodes,
        "edges": edges,
        "groups": groups,
        "steps": steps,
        "total_steps": len(trace.steps),
        "matches": trace.matches,
        "notes": notes,
        "ghost_uses": GHOST_USES,
    }


def _table(trace: Trace, max_rows: int) -> str:
    heads = ("step", "edge", "local derivative", "upstream", "local", "contribution", "running total")
    rows = []
    for k, s in enumerate(trace.steps[:max_rows]):
        d = trace.describe(s)
        cells = "".join(
            f"<td>{html.escape(d[f])}</td>"
            for f in ("edge", "formula", "upstream", "local", "contribution", "total")
        )
        rows.append(f'<tr id="row{k}"><td>{s.number}</td>{cells}</tr>')
    more = ""
    if len(trace.steps) > max_rows:
        more = (
            f'<p class="note" id="table-note">The table lists the first {max_rows:,} of '
            f"{len(trace.steps):,} steps (pass max_rows= for more); the slider reaches every "
            "step the page holds.</p>"
        )
    head = "".join(f"<th>{h}</th>" for h in heads)
    return f'<table id="steps-table"><thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(rows) + (
        f"\n</tbody></table>{more}"
    )


def page(trace: Trace, *, max_steps: int = MAX_STEPS, max_rows: int = MAX_ROWS,
         max_nodes: int = OPEN_NODES) -> str:
    """The explorer's HTML page for `trace`, as text."""
    for label, v in (("max_steps", max_steps), ("max_rows", max_rows), ("max_nodes", max_nodes)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"explorer: {label} must be a positive int, got {v!r}")
    data = page_data(trace, max_steps=max_steps, max_nodes=max_nodes)
    root = html.escape(data["title"])
    n = len(data["steps"])
    verdict = "match" if trace.matches else "DO NOT MATCH"
    notes = "".join(f'<p class="note">{html.escape(t)}</p>' for t in data["notes"])
    css = (HERE / "explorer.css").read_text(encoding="utf-8")
    js = (HERE / "explorer.js").read_text(encoding="utf-8")
    fields = "".join(
        f'<dt>{label}</dt><dd id="f-{f}"></dd>'
        for f, label in (("edge", "Edge"), ("formula", "Local derivative"), ("upstream", "Upstream gradient"),
                         ("local", "Local value"), ("contribution", "Contribution"),
                         ("total", "Running total"))
    )
    status = f"Step 1 of {n}" if n else "No steps: the output is a leaf"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Backward pass of {root}</title>
<style>{css}</style>
</head>
<body>
<header>
<h1>Backward pass of {root}</h1>
<p class="intro">The chain rule, one step at a time: each step passes the upstream gradient
d{root}/d(output) through one op's local derivative into one of its inputs, and adds it to that
input's running total (written into the node). {data["total_steps"]:,} steps; the final gradients
{verdict} the engine's. Click a node for its values and its paths to {root}.</p>
{notes}
<div id="controls">
<button id="first" title="first step (Home)">&laquo;</button>
<button id="prev" title="previous step (&larr;)">&lsaquo; Prev</button>
<input id="slider" type="range" min="1" max="{max(n, 1)}" value="1" aria-label="step">
<button id="next" title="next step (&rarr;)">Next &rsaquo;</button>
<button id="last" title="last step (End)">&raquo;</button>
<span id="status">{status}</span>
<label>steps reaching <select id="param"><option value="-1">any parameter</option></select></label>
<label><input type="checkbox" id="autoopen" checked> open boxes the steps reach</label>
<button id="fit" title="fit the graph to the window">fit</button>
<button id="turn" title="turn the layout: left to right or top to bottom">turn</button>
<button id="zoomin" title="zoom in (+)">+</button><button id="zoomout" title="zoom out (-)">&minus;</button>
</div>
</header>
<main>
<div id="graph" tabindex="0">
<svg id="canvas" xmlns="http://www.w3.org/2000/svg"><g id="viewport"></g></svg></div>
<aside>
<h2>This step</h2>
<dl id="panel">{fields}</dl>
<h2>Selected node</h2>
<div id="node-panel"><p class="hint">Click a node in the graph.</p></div>
</aside>
</main>
<details id="table-box"><summary>All steps as a table</summary>
{_table(trace, max_rows)}
</details>
<script type="application/json" id="explorer-data">{dumps_for_html(data)}</script>
<script>{js}</script>
</body>
</html>
"""


class Explorer:
    """The explorer page of one backward pass (see the module doc).

    >>> import autograd as ag
    >>> x = ag.tensor(2.0, requires_grad=True, name="x")
    >>> ex = ag.explore((x * 3).exp())
    >>> ex.html.startswith("<!DOCTYPE html>"), len(ex.trace.steps)
    (True, 2)
    """

    def __init__(self, trace: Trace, *, max_steps: int = MAX_STEPS, max_rows: int = MAX_ROWS,
                 max_nodes: int = OPEN_NODES, height: int = 620) -> None:
        self.trace = trace
        self.height = int(height)
        self.html = page(trace, max_steps=max_steps, max_rows=max_rows, max_nodes=max_nodes)

    def save(self, path: str | Path) -> str:
        """Write the page to `path` (made if needed); returns the path as a string."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(self.html, encoding="utf-8")
        return str(p)

    def _repr_html_(self) -> str:
        # An iframe keeps the page's script and style to itself, in JupyterLab and classic.
        return (
            f'<iframe class="seegrad-explorer" srcdoc="{html.escape(self.html, quote=True)}" '
            f'style="width: 100%; height: {self.height}px; border: 1px solid #ddd;" '
            'title="backward pass explorer"></iframe>'
        )

    def __repr__(self) -> str:
        return (
            f"<Explorer of the backward pass of {self.trace.name(self.trace.output)}: "
            f"{len(self.trace.steps)} steps; .save(path) writes the page>"
        )


def explore(output: Tensor, gradient: Any = None, **options: Any) -> Explorer:
    """The explorer of output's backward pass: `Explorer(trace_backward(output, gradient))`.

    Shown inline as a notebook cell's last expression; `.save("page.html")` writes the page.
    options: max_steps (2,000), max_rows (table rows, 1,000), max_nodes (above which long
    chains start collapsed, 400), height (of the inline frame, px).
    """
    from .trace import trace_backward

    return Explorer(trace_backward(output, gradient), **options)
