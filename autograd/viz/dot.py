"""`draw` and `to_dot`: a computation graph as a Graphviz picture.

Forward view (the default): tensors are boxes (name, shape, dtype, values, gradient), ops are
ellipses labelled like `sum(axis=1)`, constants are plain text; edges carry values forward and
say where the backward pass sums a broadcast gradient. Backward view: one box per gradient
function (`SigmoidBackward`, with its local derivative formulas) and the parameters whose
`.grad` it feeds, with arrows the way gradients flow.

Node ids are stable (`t7` is the 8th tensor created in the graph, `op7` the op that made it), so
the same program always gives the same DOT text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

import graphviz
import numpy as np

from .. import engine
from ..tensor import Tensor
from .digraph import Picture
from .graph import OP, TENSOR, GraphModel, backward_graph, build_graph, descendants
from .labels import (
    backward_name,
    broadcast_note,
    fmt_array,
    fmt_const,
    fmt_shape,
    formula,
    formula_vars,
    tensor_grad,
)
from .local import replayed
from .render import DEFAULT_TIMEOUT
from .summary import Group, View, summarise
from .text import tree_text

DEFAULT_MAX_NODES = 200
HIGHLIGHT = "#d62728"
COLORS = {"root": "#fff2cc", "param": "#dbeafe", "input": "#eeeeee", "tensor": "#ffffff"}


def _esc(text: str) -> str:
    """Text for a plain DOT label: backslashes would start DOT escapes (\\n, \\l)."""
    return text.replace("\\", "\\\\")


def _lines(*lines: str) -> str:
    """A plain multi-line DOT label (DOT's own line break, not a raw newline)."""
    return "\\n".join(_esc(x) for x in lines)


def _h(text: str) -> str:
    """Text for an HTML-like label (only &, < and > are special there)."""
    return escape(text, quote=False)


def _all_grads(output: Tensor, tensors: Sequence[Tensor]) -> dict[int, Any]:
    """d output / d t for each tensor that requires grad, by the engine (keyed by id)."""
    want = [t for t in tensors if t.requires_grad]
    if not want:
        return {}
    if output.data.size != 1:
        raise ValueError(
            f"draw(show_grads='all'): the output has shape {output.shape}; gradients of every "
            "tensor are defined for a single-element output (a loss). Reduce it first (y.sum())."
        )
    with replayed(output, "draw(show_grads='all')"):
        res = engine.grad(output, want, retain_graph=True, allow_unused=True)
    return {id(t): g.data for t, g in zip(want, res, strict=True) if g is not None}


def _tensor_label(
    g: GraphModel, n: int, backward: bool, show_values: bool, show_grads: bool, grads: dict[int, Any]
) -> tuple[str, str]:
    """(HTML label, fill colour) of a tensor node."""
    node = g.nodes[n]
    t = node.tensor
    assert t is not None  # internal: tensor nodes hold their tensor
    small_id = f'<FONT POINT-SIZE="8">{node.id}</FONT>'
    title = f"<B>{_h(node.name)}</B> {small_id}" if node.named else f"<B>{node.id}</B>"
    rows = [title, _h(f"{fmt_shape(t.shape)} {t.dtype}")]
    if n == g.root:
        kind = "root"
    elif t._ctx is None:
        kind = "param" if t.requires_grad else "input"
    else:
        kind = "tensor"
    if backward and n != g.root:
        rows.insert(1, _h(f"accumulate into {node.name}.grad"))
    if show_values and not backward:
        rows.append(_h(f"data {fmt_array(t.data)}"))
    if show_grads:
        grad = grads.get(id(t))
        if grad is None:
            grad = tensor_grad(t)
        if grad is None and backward and n == g.root and t.data.size == 1:
            grad = np.ones_like(t.data)
        if grad is not None:
            rows.append(f'<FONT COLOR="#b03a2e">{_h("grad " + fmt_array(grad))}</FONT>')
    return "<" + "<BR/>".join(rows) + ">", COLORS[kind]


def _op_label(g: GraphModel, n: int, backward: bool) -> str:
    ctx = g.nodes[n].ctx
    assert ctx is not None  # internal: op nodes hold their node
    if not backward:
        return _esc(ctx.label())
    names = formula_vars(ctx)
    rows = [f"<B>{_h(backward_name(ctx))}</B>"]
    for i, a in enumerate(ctx.inputs):
        if isinstance(a, Tensor) and a.requires_grad:
            rows.append(_h(f"d/d{names[i]} = {formula(ctx, i)}"))
    rows.append(f'<FONT POINT-SIZE="8">{_h(ctx.label())}</FONT>')
    return "<" + "<BR/>".join(rows) + ">"


def _group_label(g: GraphModel, grp: Group) -> str:
    counts = grp.op_counts(g)
    n_ops = sum(counts.values())
    top = ", ".join(f"{v:,} {k}" for k, v in counts.most_common(4))
    if len(counts) > 4:
        top += ", ..."
    ops = f"{n_ops:,} ops: {top}" if n_ops else "no ops"
    if grp.kind == "module":
        return _lines(grp.title, ops)
    return _lines(f"... {len(grp.members):,} nodes ...", ops)


def _clusters(
    dot: Picture, units: list[int], scope_of: dict[int, tuple[str, ...]], add: dict[int, Any]
) -> None:
    """Emit each unit into the (nested) cluster of its module scope, or at the top level."""
    prefixes: dict[tuple[str, ...], graphviz.Digraph] = {}
    for u in units:
        s = scope_of[u]
        for k in range(1, len(s) + 1):
            p = s[:k]
            if p not in prefixes:
                c = graphviz.Digraph(name=f"cluster_{len(prefixes)}")
                c.attr(label=p[-1], style="rounded,dashed", color="#888888", fontcolor="#555555")
                prefixes[p] = c
    for u in units:
        s = scope_of[u]
        add[u](prefixes[s] if s else dot)
    # Attach the deepest clusters first: `subgraph` copies a cluster's text at call time.
    for p in sorted(prefixes, key=len, reverse=True):
        parent = prefixes[p[:-1]] if len(p) > 1 else dot
        parent.subgraph(prefixes[p])


def _emit(
    view: View,
    fwd: GraphModel,
    backward: bool,
    show_values: bool,
    show_grads: bool,
    grads: dict[int, Any],
    group_modules: bool,
    hl: set[int],
    rankdir: str,
) -> Picture:
    """The DOT picture of a (summarised) view; `fwd` is the forward graph, for names."""
    g = view.model
    dot = Picture(name="computation")
    dot.attr(rankdir=rankdir, fontsize="10")
    dot.attr("node", fontname="Helvetica", fontsize="10")
    dot.attr("edge", fontname="Helvetica", fontsize="9")
    if backward:
        dot.attr("edge", dir="back")
    units = view.units()
    hl_units = {view.unit(n) for n in hl}
    ids: dict[int, str] = {}
    add: dict[int, Any] = {}
    scope_of: dict[int, tuple[str, ...]] = {}
    for u in units:
        grp = view.group(u)
        mark = {"color": HIGHLIGHT, "penwidth": "2.5"} if u in hl_units else {}
        if grp is not None:
            ids[u] = grp.id
            box = grp.kind == "module"
            shape = {"shape": "box3d"} if box else {"shape": "box", "style": "dashed,rounded"}
            label = _group_label(g, grp)
            scope_of[u] = grp.scope if group_modules else ()
            add[u] = lambda c, i=grp.id, lab=label, a={**shape, **mark}: c.node(i, lab, id=i, **a)
            continue
        node = g.nodes[u]
        ids[u] = node.id
        scope_of[u] = node.scope if group_modules else ()
        if node.kind == TENSOR:
            label, fill = _tensor_label(g, u, backward, show_values, show_grads, grads)
            attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": fill}
        elif node.kind == OP:
            label = _op_label(g, u, backward)
            attrs = (
                {"shape": "box", "style": "filled", "fillcolor": "#fde9d9"}
                if backward
                else {"shape": "ellipse", "style": "filled", "fillcolor": "#f3f3f3"}
            )
        else:
            label, attrs = _esc(fmt_const(node.value)), {"shape": "plaintext", "fontsize": "9"}
        add[u] = lambda c, i=node.id, lab=label, a={**attrs, **mark}: c.node(i, lab, id=i, **a)
    _clusters(dot, units, scope_of, add)
    root_t = fwd.nodes[fwd.root].tensor
    root_name = fwd.name(root_t) if root_t is not None else "out"
    for ve in view.edges:
        attrs = {}
        if ve.edge >= 0:
            e = g.edges[ve.edge]
            eid = f"e_{ids[ve.src]}_{ids[ve.dst]}_{e.index}"
            dst = g.nodes[e.dst]
            notes = []
            if backward and e.tensor is not None and e.tensor is not dst.tensor:
                t = e.tensor
                grad = grads.get(id(t))
                if grad is None:
                    grad = tensor_grad(t)
                notes.append(f"d{root_name}/d{fwd.name(t)} {fmt_shape(t.shape)}")
                if grad is not None and show_grads:
                    notes.append(f"= {fmt_array(grad)}")
            if dst.kind == OP and dst.ctx is not None and dst.tensor is not None:
                note = broadcast_note(dst.ctx, e.index, dst.tensor.shape)
                if note:
                    notes.append(note)
                    attrs["fontcolor"] = "#b03a2e"
            if notes:
                attrs["label"] = _lines(*notes)
        else:
            eid = f"e_{ids[ve.src]}_{ids[ve.dst]}"
            attrs["style"] = "dashed"
            if ve.count > 1:
                attrs["label"] = f"{ve.count:,} edges"
        if ve.src in hl_units and ve.dst in hl_units:
            attrs.update(color=HIGHLIGHT, penwidth="2.5")
        dot.edge(ids[ve.src], ids[ve.dst], id=eid, **attrs)
    drawn = len(units)
    if view.notes:
        note = f"{len(g.nodes):,} nodes, {drawn} drawn: {'; '.join(view.notes)}"
        dot.attr(label=_esc(note), labelloc="b")
    dot.node_count = drawn
    return dot


def draw(
    output: Tensor,
    *,
    show_values: bool = True,
    show_grads: bool | str = True,
    rankdir: str = "LR",
    max_nodes: int | None = DEFAULT_MAX_NODES,
    group_modules: bool = True,
    collapse: bool | str | Iterable[str] | None = None,
    highlight: Tensor | Sequence[Tensor] | None = None,
    view: str = "forward",
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Picture:
    """A picture of the graph that computed `output` (a `graphviz.Digraph`).

    - show_values / show_grads: print each tensor's values and gradient (all of them when
      there are at most 6, else min / mean / max). Gradients are the stored `.grad` (leaves
      after `backward()`, and tensors that called `retain_grad()`). `show_grads="all"`
      computes the gradient of every tensor with `ag.grad(output, ..., retain_graph=True)`
      instead (after a `backward()`, released nodes are replayed from their inputs).
    - rankdir: "LR" (inputs on the left) or "TB", "RL", "BT".
    - max_nodes: a bigger graph is summarised (modules collapsed, long chains folded, then
      only the part nearest the output kept); None draws everything.
    - group_modules: draw the ops of each module (`ag.scope`, `nn.Module` calls) in a box
      named after it. collapse: True, or module names, to draw those modules as one node each;
      False never to collapse them, even to fit `max_nodes`.
    - highlight: a tensor (or several): every path from it to the output is drawn in red.
    - view: "forward" (values) or "backward" (gradient functions and their formulas).
    - timeout: seconds the renderer may take in `.render()` / notebook display.

    Returns a `Picture`: `.source` is the DOT text, `.render("net.svg")` writes a file, and a
    notebook displays it inline (or as text when no renderer is installed).
    """
    if view not in ("forward", "backward"):
        raise ValueError(f"draw: view must be 'forward' or 'backward', got {view!r}")
    if show_grads not in (True, False, "all"):
        raise ValueError(f"draw: show_grads must be True, False or 'all', got {show_grads!r}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw: rankdir must be one of LR, TB, RL, BT, got {rankdir!r}")
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"draw: max_nodes must be a positive number or None, got {max_nodes}")
    fwd = build_graph(output)
    g = backward_graph(fwd) if view == "backward" else fwd
    v = summarise(g, max_nodes, collapse, group_modules)
    hl: set[int] = set()
    if highlight is not None:
        targets = [highlight] if isinstance(highlight, Tensor) else list(highlight)
        for t in targets:
            n = g.node_of(t) if isinstance(t, Tensor) else None
            if n is None:
                raise ValueError(
                    "draw: the highlighted tensor is not in this picture: it is not an input of "
                    "the graph that computed the output"
                )
            hl |= descendants(g, n)
    grads: dict[int, Any] = {}
    if show_grads == "all":
        # The backward view labels edges with intermediate tensors' gradients: want them all.
        wanted = [
            fwd.nodes[n].tensor
            for n in fwd.tensor_nodes()
            if view == "backward" or v.group_of[n] < 0
        ]
        grads = _all_grads(output, [t for t in wanted if t is not None])
    pic = _emit(
        v, fwd, view == "backward", show_values, bool(show_grads), grads, group_modules, hl, rankdir
    )
    pic.timeout = timeout
    pic.text = tree_text(fwd, show_values, bool(show_grads), max_lines=200, grads={})
    return pic


def to_dot(output: Tensor, **kwargs: Any) -> str:
    """The DOT text of `draw(output, **kwargs)`; needs no renderer.

    >>> import autograd as ag
    >>> x = ag.tensor([1.0, 2.0], requires_grad=True, name="x")
    >>> dot = to_dot((x * 2).sum())
    >>> "sum" in dot and "mul" in dot and "(2,) float64" in dot
    True
    """
    return draw(output, **kwargs).source

