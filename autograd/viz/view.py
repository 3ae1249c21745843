"""Stage 2: deciding what to show. `decide(model, ...)` -> a `Scene` the emitters draw.

It reads only the graph model (stage 1, `graph.py`) and decides, in this order:

1. sums (`sums.py`): a chain of adds nobody named a partial sum of (``total = total + x*x``
   in a loop, ``sum(xs)``) drawn as one op, Σ, with an edge from each term; then
   roll-ups (`rollup.py`): repeated op sequences and repeated module calls drawn once, ``x N``
   (a loop that only adds up independent terms is a sum, not a repeat);
2. the backward view, if asked: gradient functions instead of intermediate tensors;
3. summaries of big graphs (`summary.py`): collapsed modules, folded chains, a node budget;
4. highlights: every path from the highlighted tensors to the output;
5. which gradients to show, filled into the model (after `backward()`, every drawn tensor's:
   stored `.grad`, or computed by the engine), and in the backward view every edge's gradient
   and every op's local derivatives as values;
6. the boxes (module clusters and roll-ups) each unit is drawn in, and the orientation: deep
   graphs top to bottom, wide ones left to right, unless `rankdir` is given;
7. ghosts: a leaf (a weight, an input) used by more than `GHOST_USES` drawn nodes is drawn in
   full once, at its first use; every other use reads a small dashed copy of it (its name
   only) placed next to that use, so a weight shared by twenty ops does not draw twenty long
   edges across the picture (as circuit diagrams repeat a net label instead of a wire).

Emitters (`dot.py`, `data.py`, the text tree) read the `Scene` only, so a new output format is
one new emitter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import AutogradError
from ..scopes import ScopeName
from ..tensor import Tensor
from .graph import OP, TENSOR, Edge, GraphModel, backward_graph, descendants
from .rollup import Roll, roll_up
from .summary import View, summarise
from .sums import SumChain, find_sums, sum_ops

RANKDIRS = ("LR", "TB", "RL", "BT")
GHOST_USES = 4  # a leaf with more uses than this is drawn once, plus a small copy per other use


@dataclass(eq=False)
class Ghost:
    """A small copy of leaf unit `of` that stands for it at one user: the view edge `edge`
    (an index into `view.edges`) is drawn from the ghost instead; `id` is its DOT / SVG id
    (``t0_use3``), `use` which user it is (1 = the second; the first reads the leaf itself), of
    `uses`. A user reading the leaf twice (``v * v``) has one copy, with both edges."""

    id: str
    of: int
    edge: int
    use: int
    uses: int


@dataclass(eq=False)
class Scene:
    """Everything an emitter needs to draw one picture.

    - view: the units (nodes drawn as themselves, or summary groups) and the edges between
      them (`summary.View`); `view.model` is the model drawn (rolled up; in the backward view,
      the graph of gradient functions);
    - forward: the forward model (rolled up) that names and gradients are looked up in; its
      `grads` hold the gradients to show, by node index;
    - backward: the backward view; show_values, show_grads, show_ids: what labels carry;
    - highlighted: units on a highlighted path; rankdir: LR / TB / RL / BT;
    - rolls, loops: rolled-up repeats and their step-to-step edges (unit -> unit, input
      position, how many edges each stands for);
    - boxes: for each unit, the path of boxes it is drawn in (module calls and roll-ups;
      () for none), outermost first; box_label: each box element's title;
    - local_values: op node -> the op's local derivatives (the backward view);
    - contributions: op node -> what its backward passes to each input (the backward view:
      the edge of a tensor used several times carries its share, not the tensor's total);
    - notes: what the summary did, said under the picture.
    """

    view: View
    forward: GraphModel
    backward: bool
    show_values: bool
    show_grads: bool
    show_ids: bool
    highlighted: set[int]
    rankdir: str
    rolls: list[Roll] = field(default_factory=list)
    loops: list[tuple[int, int, int, int]] = field(default_factory=list)
    boxes: dict[int, tuple[str, ...]] = field(default_factory=dict)
    box_label: dict[str, str] = field(default_factory=dict)
    local_values: dict[int, list[Any]] = field(default_factory=dict)
    contributions: dict[int, list[Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    ghosts: list[Ghost] = field(default_factory=list)
    total_nodes: int = 0  # nodes of the whole recorded graph (before roll-ups and summaries)

    @property
    def model(self) -> GraphModel:
        return self.view.model

    def grad_of(self, t: Tensor) -> Any:
        """The gradient to show for tensor t (d output / d t), or None."""
        n = self.forward.index_of.get(id(t))
        return None if n is None else self.forward.grads.get(n)


def _has_run_backward(g: GraphModel) -> bool:
    """True once a backward pass stored gradients in this graph (on a leaf or a retained one)."""
    return any(nd.tensor is not None and nd.tensor.grad is not None for nd in g.nodes if nd.kind == TENSOR)


def choose_rankdir(view: View) -> str:
    """LR for wide, shallow graphs; TB for deep ones (a deep graph drawn left to right is a
    long thin strip whose text shrinks to nothing when shown at page width).

    Depth is the longest path in units; breadth the most units on one rank. Drawn left to
    right, the picture is about depth x 130 by breadth x 50 pt; top to bottom, breadth x 150
    by depth x 60 pt: keep the one whose wider side is smaller relative to its height.
    """
    units = view.units()
    preds: dict[int, list[int]] = {}
    for ve in view.edges:
        preds.setdefault(ve.dst, []).append(ve.src)
    rank: dict[int, int] = {}
    for u in units:  # creation order is topological for units met as themselves
        rank[u] = max((rank[p] + 1 for p in preds.get(u, ()) if p in rank), default=0)
    depth = max(rank.values(), default=0) + 1
    per_rank: dict[int, int] = {}
    for r in rank.values():
        per_rank[r] = per_rank.get(r, 0) + 1
    breadth = max(per_rank.values(), default=1)
    lr_aspect = (depth * 130) / max(1, breadth * 50)
    return "LR" if lr_aspect <= 2.0 else "TB"


def decide(
    fwd: GraphModel,
    *,
    view: str = "forward",
    show_values: bool = True,
    show_grads: bool | str = True,
    show_ids: bool = False,
    rankdir: str | None = None,
    max_nodes: int | None = 200,
    group_modules: bool = True,
    collapse: bool | str | Iterable[str] | None = None,
    roll: bool = True,
    highlight: Tensor | Sequence[Tensor] | None = None,
    ghost_uses: int | None = GHOST_USES,
    fold_sums: bool = True,
    caller: str = "draw",
) -> Scene:
    """The scene to draw from the forward model `fwd` (see the module doc)."""
    backward = view == "backward"
    # Sums first: a loop that only adds up independent terms is a sum, not a repeat to roll
    # up; a loop with a state (h) is rolled up, and the sums left in the result are folded.
    chains = find_sums(fwd) if fold_sums else []
    rolled = roll_up(fwd, sum_ops(chains) if fold_sums else None) if roll else None
    model = rolled.model if rolled is not None else fwd
    if fold_sums and rolled is not None and rolled.rolls:
        chains = find_sums(model)
    g = backward_graph(model) if backward else model
    v = summarise(g, max_nodes, collapse, group_modules, _sums_in(g, model, chains))
    notes = list(v.notes)
    if rolled is not None and rolled.rolls:
        notes.insert(0, "repeats rolled up (roll=False draws every one)")
    drawn = [grp.sum for grp in v.groups if grp.sum is not None and grp.members]  # not in a fold
    if drawn:
        adds = sum(len(c.ops) for c in drawn)
        what = "one sum" if len(drawn) == 1 else f"{len(drawn)} sums"
        notes.insert(0, f"{adds} adds drawn as {what} (fold_sums=False draws every add)")
    hl_nodes: set[int] = set()
    if highlight is not None:
        targets = [highlight] if isinstance(highlight, Tensor) else list(highlight)
        for t in targets:
            n = g.node_of(t) if isinstance(t, Tensor) else None
            if n is None:
                raise ValueError(
                    f"{caller}: the highlighted tensor is not in this picture: it is not an input "
                    "of the graph that computed the output"
                )
            hl_nodes |= descendants(g, n)
    highlighted = {v.unit(n) for n in hl_nodes}

    # Gradients: after a backward pass (or when asked with "all"), every drawn tensor's.
    want_grads = bool(show_grads)
    if want_grads:
        if backward:
            wanted: list[int] = list(model.tensor_nodes())  # edges carry intermediate gradients
        else:
            wanted = [n for n in model.tensor_nodes() if v.group_of[n] < 0]
        compute = show_grads == "all" or _has_run_backward(model)
        model.fill_grads(wanted, compute=compute, strict=show_grads == "all")
        root_t = model.nodes[model.root].tensor
        if backward and model.root not in model.grads and root_t is not None and root_t.data.size == 1:
            model.grads[model.root] = np.ones_like(root_t.data)

    local_values: dict[int, list[Any]] = {}
    contributions: dict[int, list[Any]] = {}
    if backward:
        local_values, contributions = _local_values(g, v, model)

    # Boxes: module scopes (when grouped), with roll-up markers around the drawn repeats.
    marker_of: dict[int, ScopeName] = {}
    rolls = rolled.rolls if rolled is not None else []
    for r in rolls:
        for n in r.members:
            if backward:
                mt = model.nodes[n].tensor
                bn = g.node_of(mt) if mt is not None and model.nodes[n].kind == TENSOR else None
                if bn is not None:
                    marker_of[bn] = r.marker
            else:
                marker_of[n] = r.marker
    boxes: dict[int, tuple[str, ...]] = {}
    box_label: dict[str, str] = {}
    depth_of = {_key(r.marker): r.depth for r in rolls}
    for u in v.units():
        grp = v.group(u)
        if grp is not None:
            scope = grp.scope if group_modules else ()
        else:
            scope = g.nodes[u].scope if group_modules else ()
            mk = marker_of.get(u)
            if mk is not None:
                # The x N box sits inside the scopes the whole loop runs in, around the rest
                # (a module called in a loop: the x N box holds that module's box).
                d = min(depth_of[_key(mk)], len(scope))
                scope = (*scope[:d], mk, *scope[d:])
        boxes[u] = tuple(scope)
    for r in rolls:
        box_label[_key(r.marker)] = f"x {r.count}  (one of {r.count} repeats drawn: the last)"

    loops: list[tuple[int, int, int, int]] = []
    if rolled is not None:
        for e, count in rolled.loops:
            src, dst = _loop_ends(e, model, g, backward)
            if src is not None and dst is not None:
                loops.append((v.unit(src), v.unit(dst), e.index, count))

    if rankdir is None:
        rankdir = choose_rankdir(v)
    ghosts = find_ghosts(v, ghost_uses)
    return Scene(
        view=v,
        forward=model,
        backward=backward,
        show_values=show_values,
        show_grads=want_grads,
        show_ids=show_ids,
        highlighted=highlighted,
        rankdir=rankdir,
        rolls=rolls,
        loops=loops,
        boxes=boxes,
        box_label=box_label,
        local_values=local_values,
        contributions=contributions,
        notes=notes,
        ghosts=ghosts,
        total_nodes=len(fwd.nodes),
    )


def _sums_in(g: GraphModel, model: GraphModel, chains: list[SumChain]) -> list[tuple[list[int], SumChain]]:
    """Each sum with its nodes in the graph drawn: `model`'s own, or in the backward view
    (whose nodes are the model's op nodes, renumbered) its adds."""
    if g is model:
        return [(c.members(), c) for c in chains]
    pos = {id(nd): i for i, nd in enumerate(g.nodes)}
    return [([pos[id(model.nodes[op])] for op in c.ops], c) for c in chains]


def find_ghosts(v: View, limit: int | None = GHOST_USES) -> list[Ghost]:
    """The ghosts of a view (see the module doc): for every leaf drawn as itself whose edges
    reach more than `limit` different units, one per use after the first (None: no ghosts)."""
    if limit is None:
        return []
    g = v.model
    uses: dict[int, list[int]] = {}
    for k, ve in enumerate(v.edges):
        src = ve.src
        if ve.edge < 0 or v.group(src) is not None or g.nodes[src].kind != TENSOR or g.preds[src]:
            continue
        uses.setdefault(src, []).append(k)
    out: list[Ghost] = []
    for src, ks in uses.items():
        users = list(dict.fromkeys(v.edges[k].dst for k in ks))  # in order of first use
        if len(users) <= limit:
            continue
        use = {dst: j for j, dst in enumerate(users)}
        for k in ks:
            j = use[v.edges[k].dst]
            if j:  # the first user reads the leaf itself; each other one its own copy
                out.append(Ghost(f"{g.nodes[src].id}_use{j}", src, k, j, len(users)))
    return out


def _key(s: str) -> str:
    """A box element's key: its name and, for module calls and roll-ups, which one."""
    call = getattr(s, "call", None)
    return f"{s}#{call}" if call is not None else str(s)


def box_key(path: tuple[str, ...]) -> tuple[str, ...]:
    """Keys of a box path (two calls of one module are two boxes)."""
    return tuple(_key(s) for s in path)


def _loop_ends(e: Edge, model: GraphModel, g: GraphModel, backward: bool) -> tuple[int | None, int | None]:
    if not backward:
        return e.src, e.dst
    src_t = model.nodes[e.src].tensor
    dst_t = model.nodes[e.dst].tensor
    src = g.node_of(src_t) if src_t is not None else None
    dst = g.node_of(dst_t) if dst_t is not None else None
    return src, dst


def _local_values(g: GraphModel, v: View, model: GraphModel
                  ) -> tuple[dict[int, list[Any]], dict[int, list[Any]]]:
    """The local derivatives (each op's backward applied to ones) of every drawn op, and what
    its backward passes to each input (applied to its output's gradient, when shown) for the
    ops that read a tensor used more than once."""
    from .local import input_grads, local_derivatives, replayed

    root_t = model.nodes[model.root].tensor
    out: dict[int, list[Any]] = {}
    shares: dict[int, list[Any]] = {}
    if root_t is None:
        return out, shares
    try:
        with replayed(root_t, "draw(view='backward')"):
            for n, node in enumerate(g.nodes):
                if node.kind != OP or v.group_of[n] >= 0 or node.ctx is None or node.tensor is None:
                    continue
                t = node.tensor
                out[n] = local_derivatives(node.ctx, t.shape, t.data.dtype)
                tn = model.node_of(t)
                up = model.grads.get(tn) if tn is not None else None
                if up is not None and any(_uses(model, a) > 1 for a in node.ctx.inputs):
                    with np.errstate(all="ignore"):
                        shares[n] = input_grads(node.ctx, np.asarray(up, dtype=t.data.dtype))
    except AutogradError:
        return {}, {}  # an input changed in place since: the formulas are shown without values
    return out, shares


def _uses(model: GraphModel, a: Any) -> int:
    """How many ops read tensor `a` in the model (0 for a constant)."""
    n = model.node_of(a) if isinstance(a, Tensor) else None
    return 0 if n is None else len(model.succs[n])
