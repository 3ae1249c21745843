"""Stage 3, the DOT emitter: `draw` and `to_dot`, a computation graph as a Graphviz picture.

`draw` runs the pipeline: `build_graph` (the model, stage 1) -> `view.decide` (what to show,
stage 2) -> `emit_dot` (this module, stage 3), which reads only the `Scene`.

Forward view (the default): each tensor is a compact record - for a scalar one line,
``name | data 0.5 | grad -0.04`` as micrograd draws it; for an array its name with shape and
dtype, then its values and gradient (all of them up to 6, else min / mean / max). Ops are
ellipses saying what they compute (``*``, ``sigmoid``, ``x @ W.T + b``), constants plain text.
After `backward()` every tensor drawn shows its gradient. Edges say where the backward pass sums
a broadcast gradient. Backward view: one box per gradient function with each local derivative
as a formula in the operands' names and its value, the parameters whose `.grad` it feeds, and
every edge labelled with the gradient it carries, arrows the way gradients flow.

Node ids are stable (`t7` is the 8th tensor created in the graph, `op7` the op that made it), so
the same program always gives the same DOT text; they are shown with `show_ids=True`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import graphviz

from ..tensor import Tensor
from .digraph import Picture
from .escape import dot_html, dot_text
from .graph import OP, TENSOR, build_graph
from .labels import (
    _operand,
    backward_name,
    broadcast_note,
    d,
    equation,
    expression,
    fmt_array,
    fmt_const,
    fmt_shape,
    named_formula,
)
from .names import value_name
from .render import DEFAULT_TIMEOUT
from .summary import Group
from .sums import sum_text, term_names
from .text import tree_text
from .view import GHOST_USES, RANKDIRS, Scene, box_key, decide

DEFAULT_MAX_NODES = 200
HIGHLIGHT = "#d62728"
GRAD_COLOR = "#b03a2e"
COLORS = {"root": "#fff2cc", "param": "#dbeafe", "input": "#eeeeee", "tensor": "#ffffff"}
# DejaVu Sans: graphviz-pure has its metrics, Graphviz's dot finds it through fontconfig, and
# rsvg-convert / Inkscape / most Linux browsers draw with it. `digraph.FONT_FALLBACK` adds
# Verdana (its near twin on macOS and Windows) and a generic family to rendered SVG.
FONT = "DejaVu Sans"
FONT_SIZE = 14  # the smallest text of a picture: node labels and edge labels alike
# Arithmetic reads best as its operator (micrograd draws `*` and `+`).
SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "truediv": "/", "matmul": "@",
           "pow": "**", "neg": "-"}
# Fused ops (one node for several steps) show what they compute, in these letters.
FUSED = {"linear": ["x", "W", "b"]}
DIGITS = 4  # significant digits of the numbers in pictures (micrograd shows 4 decimals)
# How an op node looks (an n-ary sum's too), forward and backward; "main": the spine, straight.
_OP_LOOK = {
    "forward": {"shape": "ellipse", "style": "filled", "fillcolor": "#f3f3f3", "group": "main"},
    "backward": {"shape": "box", "style": "filled,rounded", "fillcolor": "#fde9d9", "group": "main"},
}


def _cell(text: str, color: str | None = None, bold: bool = False) -> str:
    body = dot_html(text)
    if bold:
        body = f"<B>{body}</B>"
    if color:
        body = f'<FONT COLOR="{color}">{body}</FONT>'
    return f"<TD>{body}</TD>"


def _table(rows: list[list[str]], fill: str, border: str | None) -> str:
    """A record: rows of cells, as an HTML-like table (one row: micrograd's record)."""
    color = f' COLOR="{border}"' if border else ""
    width = "2" if border else "1"
    trs = "".join(
        "<TR>" + "".join(r[:-1]) + (r[-1].replace("<TD>", f'<TD COLSPAN="{1 + len(rows[0]) - len(r)}">', 1)
                                     if len(r) < len(rows[0]) else r[-1]) + "</TR>"
        for r in rows
    )
    return (f'<<TABLE BORDER="{width}" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
            f'BGCOLOR="{fill}"{color}>{trs}</TABLE>>')


def _tensor_label(sc: Scene, n: int, hl: bool) -> tuple[str, str]:
    """(HTML label, fill colour) of a tensor node (forward view), or of a parameter / the
    output in the backward view."""
    g = sc.model
    node = g.nodes[n]
    t = node.tensor
    assert t is not None  # internal: tensor nodes hold their tensor
    if n == g.root:
        kind = "root"
    elif t._ctx is None:
        kind = "param" if t.requires_grad else "input"
    else:
        kind = "tensor"
    title = node.name + (f"  ({node.id})" if sc.show_ids and node.name != node.id else "")
    grad = sc.grad_of(t) if sc.show_grads else None
    grad_text = None if grad is None else "grad " + fmt_array(grad, digits=DIGITS)
    scalar = t.data.size == 1 and t.data.ndim == 0
    if sc.backward and n != g.root:
        rows = [[_cell(title, bold=True)], [_cell(f"accumulate into {node.name}.grad")]]
        if not scalar:
            rows[0].append(_cell(f"{fmt_shape(t.shape)} {t.dtype}"))
        if grad_text:
            rows.append([_cell(grad_text, GRAD_COLOR)])
    elif scalar:
        # A scalar called by its expression (w1*x1) shows it on the op that made it: the
        # record keeps only the numbers (a picture stays narrow enough to read at page width).
        row = [] if _by_expression(node, sc) else [_cell(title, bold=True)]
        if sc.show_values and not sc.backward:
            row.append(_cell("data " + fmt_array(t.data, digits=DIGITS)))
        if grad_text:
            row.append(_cell(grad_text, GRAD_COLOR))
        rows = [row]
    else:
        rows = [[_cell(title, bold=True), _cell(f"{fmt_shape(t.shape)} {t.dtype}")]]
        # A constant called by its value ([1], zeros(1,8)) is not written out twice.
        by_value = not node.named and t._ctx is None and node.name == value_name(t)
        if sc.show_values and not sc.backward and not by_value:
            rows.append([_cell("data " + fmt_array(t.data, digits=DIGITS))])
        if grad_text:
            rows.append([_cell(grad_text, GRAD_COLOR)])
    return _table(rows, COLORS[kind], HIGHLIGHT if hl else None), COLORS[kind]


def _by_expression(node: Any, sc: Scene) -> bool:
    """True for a tensor node called by the expression that made it, or a constant by its value
    (no name a person gave, no id shown): its record need not repeat it. A parameter nobody
    named (``param``) keeps its name."""
    t = node.tensor
    return (node.kind == TENSOR and not node.named and node.name != node.id and not sc.show_ids
            and not sc.backward and sc.show_values
            and t is not None and (t._ctx is not None or not t.requires_grad))


def _args(sc: Scene, ctx: Any) -> list[str]:
    return [sc.forward.name(a) if isinstance(a, Tensor) else fmt_const(a) for a in ctx.inputs]


def _op_label(sc: Scene, n: int) -> str:
    node = sc.model.nodes[n]
    ctx = node.ctx
    assert ctx is not None  # internal: op nodes hold their node
    if not sc.backward:
        name = ctx.op_name()
        made = sc.model.nodes[sc.model.output_of(n)] if sc.model.succs[n] else None
        if made is not None and _by_expression(made, sc) and made.tensor is not None \
                and made.tensor.ndim == 0:
            return dot_text(made.name)  # what it computes, in its operands' names: w1*x1
        if name in SYMBOLS:
            return dot_text(SYMBOLS[name])
        if name in FUSED:
            # A fused op says what it computes, in the usual letters: x @ W.T + b.
            return dot_text(f"{ctx.label()}\n{expression(ctx, FUSED[name][: len(ctx.inputs)])}")
        return dot_text(ctx.label())
    out = sc.forward.name(node.tensor) if node.tensor is not None else "out"
    root_t = sc.forward.nodes[sc.forward.root].tensor
    upstream = d(sc.forward.name(root_t), out) if root_t is not None else "G"
    args = _args(sc, ctx)
    values = sc.local_values.get(n)
    rows = [f"<B>{dot_html(backward_name(ctx))}</B>"]
    for i, a in enumerate(ctx.inputs):
        if isinstance(a, Tensor) and a.requires_grad:
            parts = [f"d/d{_operand(args[i])}", named_formula(ctx, i, args, out, upstream)]
            if values is not None and i < len(values) and values[i] is not None:
                parts.append(fmt_array(values[i], digits=DIGITS))
            text = equation(*parts)  # d/dx = 1, not d/dx = 1 = 1
            rows.append(dot_html(text))
    rows.append(dot_html(expression(ctx, args)))
    return "<" + "<BR/>".join(rows) + ">"


def _sum_label(sc: Scene, grp: Group) -> str:
    """A sum drawn as one op: Σ, how many terms and which (forward); in the backward view the
    adds it stands for and the teaching point: each term's local derivative is 1, so each term
    receives the output's gradient unchanged."""
    assert grp.sum is not None  # internal: only sum groups are asked
    terms = term_names(sc.forward, grp.sum)
    listing = sum_text(terms)
    if not sc.backward:
        rows = [f"Σ  {len(terms)} terms"] + ([listing] if listing else [])
        return "<" + "<BR/>".join(dot_html(r) for r in rows) + ">"
    out_t = sc.forward.nodes[grp.sum.out].tensor
    out = sc.forward.name(out_t) if out_t is not None else "out"
    rows = [f"<B>{dot_html(f'AddBackward x {len(grp.sum.ops)}: a sum of {len(terms)} terms')}</B>",
            dot_html("d/d(each term) = 1")]
    if listing:
        rows.append(dot_html(f"{out} = {listing}" if listing != out else listing))
    return "<" + "<BR/>".join(rows) + ">"


def _group_label(sc: Scene, grp: Group) -> str:
    counts = grp.op_counts(sc.model)
    n_ops = sum(counts.values())
    top = ", ".join(f"{v:,} {k}" for k, v in counts.most_common(4))
    if len(counts) > 4:
        top += ", ..."
    ops = f"{n_ops:,} ops: {top}" if n_ops else "no ops"
    first = grp.title if grp.kind == "module" else f"... {len(grp.members):,} nodes ..."
    return f"<{dot_html(first)}<BR/>{dot_html(ops)}>"


def _clusters(dot: Picture, sc: Scene, items: list[tuple[tuple[str, ...], Any]]) -> None:
    """Emit each item (a unit or a ghost: its box path, a function adding it to a graph) into
    the (nested) box of its path (module calls, roll-ups)."""
    prefixes: dict[tuple[str, ...], graphviz.Digraph] = {}
    for s, _ in items:
        for k in range(1, len(s) + 1):
            key = box_key(s[:k])
            if key not in prefixes:
                c = graphviz.Digraph(name=f"cluster_{len(prefixes)}")
                title = sc.box_label.get(key[-1], str(s[k - 1]))
                roll = key[-1] in sc.box_label
                c.attr(label=dot_text(title), style="rounded,dashed" if not roll else "rounded,bold",
                       color="#888888" if not roll else "#7a5195", fontcolor="#555555")
                prefixes[key] = c
    for s, add in items:
        add(prefixes[box_key(s)] if s else dot)
    # Attach the deepest clusters first: `subgraph` copies a cluster's text at call time.
    for key in sorted(prefixes, key=len, reverse=True):
        parent = prefixes[key[:-1]] if len(key) > 1 else dot
        parent.subgraph(prefixes[key])


def _enters_box(sc: Scene, src: int, dst: int) -> bool:
    """True for an edge from a box's inside into a different box (not from a plain input)."""
    a, b = box_key(sc.boxes.get(src, ())), box_key(sc.boxes.get(dst, ()))
    if a == b or not b or (len(b) <= len(a) and b == a[: len(b)]):
        return False
    return bool(sc.model.preds[src]) if src < len(sc.model.nodes) else True


def emit_dot(sc: Scene) -> Picture:
    """The DOT picture of a scene (stage 3: reads only the scene)."""
    view, g = sc.view, sc.model
    dot = Picture(name="computation")
    dot.attr(rankdir=sc.rankdir, fontname=FONT, fontsize=str(FONT_SIZE), nodesep="0.2",
             ranksep="0.3", newrank="true")
    dot.attr("node", fontname=FONT, fontsize=str(FONT_SIZE), margin="0.08,0.04")
    dot.attr("edge", fontname=FONT, fontsize=str(FONT_SIZE), arrowsize="0.7")
    if sc.backward:
        dot.attr("edge", dir="back")
    units = view.units()
    ids: dict[int, str] = {}
    add: dict[int, Any] = {}
    for u in units:
        grp = view.group(u)
        hl = u in sc.highlighted
        mark = {"color": HIGHLIGHT, "penwidth": "2.5"} if hl else {}
        if grp is not None and grp.kind == "sum":
            ids[u] = grp.id
            label = _sum_label(sc, grp)
            # drawn as an op is (its terms are the op's operands)
            look = _OP_LOOK["backward" if sc.backward else "forward"]
            add[u] = lambda c, i=grp.id, lab=label, a={**look, **mark}: c.node(i, lab, id=i, **a)
            continue
        if grp is not None:
            ids[u] = grp.id
            shape = (
                {"shape": "box3d"} if grp.kind == "module" else {"shape": "box", "style": "dashed,rounded"}
            )
            label = _group_label(sc, grp)
            add[u] = lambda c, i=grp.id, lab=label, a={**shape, **mark}: c.node(i, lab, id=i, **a)
            continue
        node = g.nodes[u]
        ids[u] = node.id
        if node.kind == TENSOR:
            label, _ = _tensor_label(sc, u, hl)
            attrs: dict[str, str] = {"shape": "plain"}
            if g.preds[u]:
                attrs["group"] = "main"  # made by an op: the spine, drawn straight
        elif node.kind == OP:
            label = _op_label(sc, u)
            attrs = dict(_OP_LOOK["backward" if sc.backward else "forward"])
        else:
            label, attrs = dot_text(fmt_const(node.value)), {"shape": "plaintext"}
        add[u] = lambda c, i=node.id, lab=label, a={**attrs, **mark}: c.node(i, lab, id=i, **a)
    items = [(sc.boxes.get(u, ()), add[u]) for u in units]
    ghost_of = {gh.edge: gh for gh in sc.ghosts}
    for gh in {gh.id: gh for gh in sc.ghosts}.values():
        # A small copy of a shared leaf next to one of its uses: its name, dashed.
        user = view.edges[gh.edge].dst
        hl = gh.of in sc.highlighted and user in sc.highlighted
        label = dot_text(g.nodes[gh.of].name)
        tip = dot_text(f"{g.nodes[gh.of].name}: use {gh.use + 1} of {gh.uses} (drawn in full once)")
        attrs = {"shape": "box", "style": "dashed,rounded,filled", "fillcolor": "#f7f7f7",
                 "color": HIGHLIGHT if hl else "#888888", "fontcolor": "#444444", "margin": "0.05,0.02",
                 "tooltip": tip, "height": "0.3"}
        items.append((sc.boxes.get(user, ()),
                      lambda c, i=gh.id, lab=label, a=attrs: c.node(i, lab, id=i, **a)))
    _clusters(dot, sc, items)
    root_t = sc.forward.nodes[sc.forward.root].tensor
    root_name = sc.forward.name(root_t) if root_t is not None else "out"
    eids: dict[str, int] = {}  # edge id -> how many edges have it
    probes: dict[int, Any] = {}  # id(op) -> its backward run once on ones (`broadcast_note`)
    for k, ve in enumerate(view.edges):
        attrs = {}
        if ve.edge >= 0:
            e = g.edges[ve.edge]
            eid = f"e_{ids[ve.src]}_{ids[ve.dst]}_{e.index}"
            seen = eids.get(eid, 0)
            eids[eid] = seen + 1
            if seen:  # a term added to a sum twice: two edges, each its own id
                eid = f"{eid}_{seen}"
            dst = g.nodes[e.dst]
            notes = []
            if sc.backward and e.tensor is not None:
                # The gradient this edge carries: d output / d (the tensor it stands for).
                t = e.tensor
                grad = sc.grad_of(t) if sc.show_grads else None
                head = d(root_name, sc.forward.name(t))
                share = sc.contributions.get(e.dst)
                tn = sc.forward.node_of(t)
                several = tn is not None and len(sc.forward.succs[tn]) > 1
                part = share[e.index] if share is not None and e.index < len(share) and several else None
                if grad is not None and part is not None:
                    # t is used more than once: this edge carries its share, the uses add up
                    # to t's gradient (dtotal/dx0 += 1 on each of two edges, x0's grad 2).
                    notes.append(f"{head} += {fmt_array(part, digits=DIGITS)}")
                else:
                    notes.append(f"{head} = {fmt_array(grad, digits=DIGITS)}" if grad is not None else
                                 f"{head} {fmt_shape(t.shape)}")
            if dst.kind == OP and dst.ctx is not None and dst.tensor is not None:
                note = broadcast_note(dst.ctx, e.index, dst.tensor.shape, probes)
                if note:
                    notes.append(note)
                    attrs["fontcolor"] = GRAD_COLOR
            if notes:
                attrs["label"] = "<" + "<BR/>".join(dot_html(x) for x in notes) + ">"
        else:
            eid = f"e_{ids[ve.src]}_{ids[ve.dst]}"
            attrs["style"] = "dashed"
            if ve.count > 1:
                attrs["label"] = dot_text(f"{ve.count:,} edges")
        if k not in ghost_of and _enters_box(sc, ve.src, ve.dst):
            # One rank of room where a value enters a module's box: the box then starts below
            # the one that made the value, instead of beside it (no staircase of boxes).
            attrs["minlen"] = "2"
        if ve.src in sc.highlighted and ve.dst in sc.highlighted:
            attrs.update(color=HIGHLIGHT, penwidth="2.5")
        src_id = ids[ve.src]
        if k in ghost_of:  # this use reads the leaf's ghost (see `view.find_ghosts`)
            src_id = ghost_of[k].id
            eid = eid.replace(f"e_{ids[ve.src]}_", f"e_{src_id}_", 1)
        dot.edge(src_id, ids[ve.dst], id=eid, **attrs)
    for a, b, index, count in sc.loops:
        if a in ids and b in ids:
            # The step-to-step edge of a rolled-up loop: drawn once, against the flow.
            dot.edge(ids[a], ids[b], id=f"e_{ids[a]}_{ids[b]}_{index}_loop",
                     label=dot_text(f"next step (x {count:,})"), style="dashed",
                     color="#7a5195", fontcolor="#7a5195", constraint="false")
    drawn = len(units)
    if sc.notes:
        note = f"{max(sc.total_nodes, len(g.nodes)):,} nodes, {drawn} drawn: {'; '.join(sc.notes)}"
        dot.attr(label=dot_text(note), labelloc="b")
    dot.node_count = drawn
    return dot


def draw(
    output: Tensor,
    *,
    show_values: bool = True,
    show_grads: bool | str = True,
    show_ids: bool = False,
    rankdir: str | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    group_modules: bool = True,
    collapse: bool | str | Iterable[str] | None = None,
    roll: bool = True,
    highlight: Tensor | Sequence[Tensor] | None = None,
    view: str = "forward",
    ghosts: bool = True,
    fold_sums: bool = True,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Picture:
    """A picture of the graph that computed `output` (a `graphviz.Digraph`).

    - show_values / show_grads: print each tensor's values and gradient (all of them when
      there are at most 6, else min / mean / max). After `backward()`, every tensor drawn
      shows d output / d tensor: the stored `.grad` where there is one, the engine's gradient
      (`ag.grad(output, ..., retain_graph=True)`, released nodes replayed) for the others.
      Before any backward, no gradients; `show_grads="all"` computes them anyway (and raises
      if it cannot); False shows none.
    - show_ids: add each node's stable id (``t7``) to its label.
    - rankdir: "LR" (inputs on the left), "TB", "RL" or "BT"; by default chosen from the
      graph's shape (deep graphs top to bottom).
    - max_nodes: a bigger graph is summarised (modules collapsed, long chains folded, then
      only the part nearest the output kept); None draws everything.
    - group_modules: draw the ops of each module (`ag.scope`, `nn.Module` calls) in a box
      named after it. collapse: True, or module names, to draw those modules as one node each;
      False never to collapse them, even to fit `max_nodes`.
    - roll: draw repeated op sequences (a loop, a module called in a loop) once, in a box
      marked ``x N``; False draws every repeat.
    - highlight: a tensor (or several): every path from it to the output is drawn in red.
    - view: "forward" (values) or "backward" (gradient functions, their local derivatives and
      the gradient on every edge).
    - ghosts: a leaf used by more than 4 drawn ops (a shared weight) is drawn in full once
      and, at each other use, as a small dashed copy with its name, so its edges stay short;
      False draws one edge per use from the one box.
    - fold_sums: a chain of three or more adds whose partial sums nobody named or kept
      (``total = total + x*x`` in a loop, ``sum(xs)``) is drawn as one sum, Σ, with an edge
      from each term (each receives the output's gradient unchanged); False draws every add.
    - timeout: seconds the renderer may take in `.render()` / notebook display.

    Tensors without a `.name` are called by the variable they are bound to in the calling
    code, else by their id. Returns a `Picture`: `.source` is the DOT text,
    `.render("net.svg")` writes a file, and a notebook displays it inline (or as text when no
    renderer is installed).
    """
    if view not in ("forward", "backward"):
        raise ValueError(f"draw: view must be 'forward' or 'backward', got {view!r}")
    if show_grads not in (True, False, "all"):
        raise ValueError(f"draw: show_grads must be True, False or 'all', got {show_grads!r}")
    if rankdir is not None and rankdir not in RANKDIRS:
        raise ValueError(f"draw: rankdir must be one of LR, TB, RL, BT (or None), got {rankdir!r}")
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"draw: max_nodes must be a positive number or None, got {max_nodes}")
    fwd = build_graph(output)
    scene = decide(
        fwd, view=view, show_values=show_values, show_grads=show_grads, show_ids=show_ids,
        rankdir=rankdir, max_nodes=max_nodes, group_modules=group_modules, collapse=collapse,
        roll=roll, highlight=highlight, ghost_uses=GHOST_USES if ghosts else None,
        fold_sums=fold_sums,
    )
    pic = emit_dot(scene)
    pic.timeout = timeout
    pic.text = tree_text(fwd, show_values, bool(show_grads), max_lines=200, grads={})
    return pic


def to_dot(output: Tensor, **kwargs: Any) -> str:
    """The DOT text of `draw(output, **kwargs)`; needs no renderer.

    >>> import autograd as ag
    >>> x = ag.tensor([1.0, 2.0], requires_grad=True, name="x")
    >>> dot = to_dot((x * 2).sum())
    >>> "sum" in dot and "(2,) float64" in dot
    True
    """
    return draw(output, **kwargs).source
