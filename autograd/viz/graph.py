"""Stage 1 of every picture: the graph model (nodes, values, gradients, names, scopes).

Pictures, text trees, explanations, traces and the explorer all read one `GraphModel`, built
once by `build_graph(root)`: it walks root's recorded graph (iteratively, with
`engine.iter_graph`) and turns it into plain data, a list of nodes and a list of edges between
node indices. The later stages read only this model: `view.py` decides what to show (summaries,
roll-ups, collapsed modules, highlights, which gradients), and the emitters (`dot.py`,
`text.py`, `layout.py`, `data.py` for the explorer) write it out.

What each node carries (see `Node`): its kind, stable id, the tensor / op / constant it stands
for, its module scope, and its displayed `name` (the tensor's `.name`, else the variable it is
bound to in the caller's code, else a short expression or its value: `names.py`; never its
id). Values are the tensors' `.data`; gradients are filled in on request by
`GraphModel.fill_grads` (stored `.grad`, or computed by the engine for every tensor asked for)
into `GraphModel.grads`.

- one *tensor* node per tensor (``t0``, ``t1``, ...: creation order renumbered from 0, so the
  same program always gives the same ids; ``id()`` is never used),
- one *op* node per recorded op, numbered like the tensor it made (``op7`` made ``t7``),
- one *const* node per constant operand that is not a Tensor (``c7_1``: input 1 of ``op7``).

Edges point the way values flow: input -> op (with the input's position), op -> output.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import engine
from ..function import Function
from ..tensor import Tensor
from .labels import fmt_const
from .names import (
    ATOM,
    EXPR_CHARS,
    SUM,
    SumText,
    caller_names,
    expression_name,
    leaf_kind,
    short_op,
    sum_name,
    sum_term,
    value_name,
)

TENSOR, OP, CONST = "tensor", "op", "const"


@dataclass(eq=False, slots=True)
class Node:
    """One drawable node.

    - kind: "tensor", "op" or "const".
    - id: the stable id (``t3``, ``op3``, ``c3_1``), also used as the DOT / SVG id.
    - tensor: the tensor (tensor nodes), or the op's output (op nodes).
    - ctx: the op node (op nodes), None otherwise.
    - value: the constant (const nodes).
    - scope: the module path the node belongs to (``("mlp", "mlp.layer1")``), () for none.
    - name: what a tensor node is called (see `names.py`); an op's name is its label
      (``sum(axis=1)``), a constant's its value.
    - named: True when `name` is one a person wrote (``name=``, a parameter's module name, a
      variable of the calling code), False for a name made up for it (an expression, a
      value, ``input``).
    """

    kind: str
    id: str
    tensor: Tensor | None = None
    ctx: Function | None = None
    value: Any = None
    scope: tuple[str, ...] = ()
    name: str = ""
    named: bool = False


@dataclass(eq=False, slots=True)
class Edge:
    """src -> dst (node indices); `index` is the input position for edges into an op.

    In the backward picture, where op nodes feed op nodes directly, `tensor` is the tensor
    whose gradient flows along the edge.
    """

    src: int
    dst: int
    index: int = 0
    tensor: Tensor | None = None


@dataclass(eq=False)
class GraphModel:
    """Nodes and edges of one recorded graph, in creation order.

    `preds[n]` / `succs[n]` hold the indices of the edges into / out of node n.
    `root` is the node index of the output tensor. `grads[n]` is the gradient (d root / d the
    tensor of node n, a numpy array) of the tensor nodes `fill_grads` was asked for.
    """

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    preds: list[list[int]] = field(default_factory=list)
    succs: list[list[int]] = field(default_factory=list)
    root: int = 0
    # id(tensor) -> its tensor node index (lookup only; ids are never shown).
    index_of: dict[int, int] = field(default_factory=dict)
    grads: dict[int, Any] = field(default_factory=dict)
    # The backward picture's model is made from a forward one (`backward_graph`): that one.
    forward: GraphModel | None = None

    def add_node(self, node: Node) -> int:
        self.nodes.append(node)
        self.preds.append([])
        self.succs.append([])
        return len(self.nodes) - 1

    def add_edge(self, src: int, dst: int, index: int = 0, tensor: Tensor | None = None) -> None:
        self.edges.append(Edge(src, dst, index, tensor))
        self.succs[src].append(len(self.edges) - 1)
        self.preds[dst].append(len(self.edges) - 1)

    def node_of(self, t: Tensor) -> int | None:
        """The node index of tensor `t`, or None if it is not in this graph."""
        return self.index_of.get(id(t))

    def name(self, t: Tensor) -> str:
        """What to call a tensor in text: its displayed name (`names.py`), or for a tensor not in
        this graph its `.name` ("?" without one)."""
        n = self.index_of.get(id(t))
        if n is not None:
            return self.nodes[n].name
        return t.name or "?"

    def op_of(self, n: int) -> int | None:
        """The op node that made tensor node n (None for a leaf)."""
        if not self.preds[n] or self.nodes[n].kind != TENSOR:
            return None
        return self.edges[self.preds[n][0]].src

    def inputs_of(self, n: int) -> list[int]:
        """The nodes feeding op node n (or the op that made tensor node n), in input order."""
        op = n if self.nodes[n].kind == OP else self.op_of(n)
        if op is None:
            return []
        ins = sorted(self.preds[op], key=lambda e: self.edges[e].index)
        return [self.edges[e].src for e in ins]

    def output_of(self, op: int) -> int:
        """The tensor node op node `op` made."""
        return self.edges[self.succs[op][0]].dst

    def grad(self, n: int) -> Any:
        """The gradient shown for tensor node n: filled in by `fill_grads`, else None."""
        return self.grads.get(n)

    def fill_grads(self, nodes: Iterable[int] | None = None, compute: bool = True,
                   strict: bool = False) -> None:
        """Fill `grads` for tensor nodes `nodes` (all tensor nodes when None).

        Stored gradients (`.grad` of leaves and of tensors that called `retain_grad()`) are
        taken as they are. With `compute`, every other tensor asked for gets d root / d tensor
        from the engine (`ag.grad(root, ..., retain_graph=True)`; after a `backward()` the
        released nodes are replayed from their inputs). That needs a single-element root: for
        another root, or when the replay is impossible (an input changed in place), only the
        stored gradients are shown, unless `strict`, which raises instead.
        """
        want = list(self.tensor_nodes()) if nodes is None else [
            n for n in nodes if 0 <= n < len(self.nodes) and self.nodes[n].kind == TENSOR
        ]
        missing: list[int] = []
        for n in want:
            t = self.nodes[n].tensor
            if t is None or n in self.grads:
                continue
            g = t.grad
            if g is not None:
                self.grads[n] = g.data if isinstance(g, Tensor) else np.asarray(g)
            elif t.requires_grad:
                missing.append(n)
        if not compute or not missing:
            return
        root_t = self.nodes[self.root].tensor
        assert root_t is not None  # internal: the root is a tensor node
        if root_t.data.size != 1:
            if strict:
                raise ValueError(
                    f"gradients of every tensor are defined for a single-element output (a loss); "
                    f"the output has shape {root_t.shape}. Reduce it first (y.sum())."
                )
            return
        from ..errors import AutogradError
        from .local import replayed

        tensors = [t for n in missing if (t := self.nodes[n].tensor) is not None]
        try:
            with replayed(root_t, "draw(show_grads='all')"):
                res = engine.grad(root_t, tensors, retain_graph=True, allow_unused=True)
        except AutogradError:
            if strict:
                raise
            return
        for n, g in zip(missing, res, strict=True):
            if g is not None:
                self.grads[n] = g.data

    def pred_nodes(self, n: int) -> Iterator[int]:
        for e in self.preds[n]:
            yield self.edges[e].src

    def succ_nodes(self, n: int) -> Iterator[int]:
        for e in self.succs[n]:
            yield self.edges[e].dst

    def tensor_nodes(self) -> Iterator[int]:
        return (i for i, nd in enumerate(self.nodes) if nd.kind == TENSOR)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cycle collector while building many small objects.

    NOTE: each of the collections that 300,000 new nodes trigger scans the whole graph, which
    made building the model of a 100,000-op chain 3x slower (1.7 s instead of 0.6 s).
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def build_graph(root: Tensor, names: Mapping[int, str] | None = None) -> GraphModel:
    """Walk root's graph (no recursion) and number it by creation order.

    Op nodes come right before the tensor they made, so node order is a topological order.
    Leaf tensors that require grad (parameters) are placed in the deepest module scope shared
    by all the ops that use them; other leaves (inputs, constants) belong to no module.

    names: {id(tensor): name} for tensors without a `.name`; by default the variables of the
    code that called into the library (`names.caller_names`). Pass {} for ids only.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"expected a Tensor to draw, got {type(root).__name__}")
    if names is None:
        names = caller_names()
    with paused_gc():
        g = _build(root)
        _name_nodes(g, names)
        return g


def _name_nodes(g: GraphModel, inferred: Mapping[int, str]) -> None:
    """Give every node its displayed name (see `names.py`): `.name`, else the caller's variable,
    else a short expression of its operands' names (``w1*x1``) for what an op made, and for a
    leaf its value (``1``) or its kind (``input``); never its id. A variable name that is also
    another tensor's `.name` in this graph is not used (two boxes would carry one name), nor an
    expression or kind that is another tensor's name (then the op's call form, ``mul(a, b)``,
    or a number: ``input2``)."""
    explicit = {nd.tensor.name for nd in g.nodes if nd.tensor is not None and nd.tensor.name}
    used = set(explicit)
    for nd in g.nodes:
        t = nd.tensor
        guess = inferred.get(id(t)) if nd.kind == TENSOR and t is not None else None
        if guess and guess not in explicit:
            used.add(guess)
    level: dict[int, tuple[int, bool]] = {}  # node -> (how it binds, is an expression name)
    sums: dict[int, SumText] = {}  # a partial sum named by its expression -> its terms (names.py)
    kinds: dict[str, list[int]] = {}  # leaves named by their kind (input, param) -> their nodes
    for n, nd in enumerate(g.nodes):  # leaves first: expressions are written in their names
        t = nd.tensor
        if nd.kind != TENSOR or t is None or t._ctx is not None:
            continue
        guess = inferred.get(id(t))
        if t.name:
            nd.name, nd.named = t.name, True
        elif guess and guess not in explicit:
            nd.name, nd.named = guess, True
        else:
            nd.name = value_name(t) or ""
            if not nd.name:
                kinds.setdefault(leaf_kind(t), []).append(n)
    for kind, ns in kinds.items():
        for k, n in enumerate(ns, 1):
            g.nodes[n].name = _numbered(kind if len(ns) == 1 else f"{kind}{k}", used)
            used.add(g.nodes[n].name)
    for n, nd in enumerate(g.nodes):
        t = nd.tensor
        if nd.kind == TENSOR and t is not None:
            guess = inferred.get(id(t))
            if t._ctx is None:
                continue  # named above
            if t.name:
                nd.name, nd.named = t.name, True
            elif guess and guess not in explicit:
                nd.name, nd.named = guess, True
            else:
                made = _expression(g, n, level, sums)
                if made is not None and made[0] in used:
                    # Two tensors computing the same expression may share it (both are a*b);
                    # a name a person gave is never taken: the op's call form instead.
                    made = _call_form(g, n)
                if made is not None:
                    nd.name = made[0]
                    level[n] = (made[1], True)
                else:  # the op's call form clashes with a name too: the op's name, numbered
                    op = g.op_of(n)
                    nd.name = _numbered(g.nodes[op].name if op is not None else "tensor", used)
                    used.add(nd.name)
        elif nd.kind == OP and nd.ctx is not None:
            nd.name = nd.ctx.label()
        else:
            nd.name = repr(nd.value)
    _tell_elided_apart(g, [n for n, (_, expr) in level.items() if expr])


def _numbered(name: str, used: set[str]) -> str:
    """`name`, or name2, name3, ... when a tensor already carries it."""
    k = 2
    text = name
    while text in used:
        text = f"{name}{k}"
        k += 1
    return text


def _call_form(g: GraphModel, n: int) -> tuple[str, int] | None:
    """``mul(a, b)``: the op that made tensor node n called on its operands' names, for a
    tensor whose expression name a person gave to another tensor; None when too long."""
    op = g.op_of(n)
    ctx = g.nodes[op].ctx if op is not None else None
    if op is None or ctx is None:
        return None
    args = [fmt_const(g.nodes[m].value) if g.nodes[m].kind == CONST else g.nodes[m].name
            for m in g.inputs_of(op)]
    text = f"{short_op(ctx.op_name(), ctx.label())}({', '.join(args)})"
    return (text, ATOM) if len(text) <= EXPR_CHARS else None


def _tell_elided_apart(g: GraphModel, made: list[int]) -> None:
    """Two different computations elided to one text (``tanh(…)`` in two layers) would read as
    one tensor: each is prefixed with the module it was computed in (``layers.2.tanh(…)``)."""
    by_name: dict[str, list[int]] = {}
    for n in made:
        by_name.setdefault(g.nodes[n].name, []).append(n)
    for name, ns in by_name.items():
        if "…" not in name or len(ns) < 2:
            continue
        for n in ns:
            op = g.op_of(n)
            ctx = g.nodes[op].ctx if op is not None else None
            if ctx is not None and ctx.scope:
                g.nodes[n].name = f"{ctx.scope[-1]}.{name}"


def _expression(g: GraphModel, n: int, level: dict[int, tuple[int, bool]],
                sums: dict[int, SumText]) -> tuple[str, int] | None:
    """The expression name of tensor node n (made by an op), from its operands' names.

    A sum extends the terms of the partial sums it adds (`sums`, filled here): the partial
    sums of a loop's ``total = total + x*x`` read ``0 + x0*x0``, ``0 + x0*x0 + x1*x1``,
    ``… + x2*x2``, ``… + x3*x3``, ... (`names.sum_name`), never an id halfway."""
    op = g.op_of(n)
    if op is None or g.nodes[op].ctx is None:
        return None
    ctx = g.nodes[op].ctx
    assert ctx is not None
    ins = g.inputs_of(op)
    args: list[tuple[str, int, bool]] = []
    for m in ins:
        nd = g.nodes[m]
        if nd.kind == CONST:
            args.append((fmt_const(nd.value), ATOM, False))
        else:
            args.append((nd.name, *level.get(m, (ATOM, False))))
    if ctx.op_name() == "add" and len(ins) == 2:
        parts = [
            sums[m] if m in sums and level.get(m, (0, False))[1]
            else sum_term(text)
            for m, (text, _, _) in zip(ins, args, strict=True)
        ]
        s, text = sum_name(parts[0], parts[1])
        sums[n] = s
        if text is not None:
            return text, SUM
    return expression_name(ctx.op_name(), ctx.label(), args)


def _build(root: Tensor) -> GraphModel:
    tensors = sorted(engine.iter_graph(root), key=lambda t: t._seq)
    g = GraphModel()
    tensor_node: dict[int, int] = {}
    for k, t in enumerate(tensors):
        ctx = t._ctx
        scope = tuple(getattr(ctx, "scope", ())) if ctx is not None else ()
        op = None
        if ctx is not None:
            op = g.add_node(Node(OP, f"op{k}", tensor=t, ctx=ctx, scope=scope))
            for i, a in enumerate(ctx.inputs):
                if isinstance(a, Tensor):
                    g.add_edge(tensor_node[id(a)], op, i)
                else:
                    c = g.add_node(Node(CONST, f"c{k}_{i}", value=a, scope=scope))
                    g.add_edge(c, op, i)
        n = g.add_node(Node(TENSOR, f"t{k}", tensor=t, scope=scope))
        tensor_node[id(t)] = n
        if op is not None:
            g.add_edge(op, n, 0)
    g.index_of = tensor_node
    g.root = tensor_node[id(root)]
    _place_parameters(g)
    return g


def _place_parameters(g: GraphModel) -> None:
    """Put each parameter (a leaf that requires grad) in the module scope its users share."""
    for n, node in enumerate(g.nodes):
        t = node.tensor
        if node.kind != TENSOR or t is None or t._ctx is not None or not t.requires_grad:
            continue
        common: tuple[str, ...] | None = None
        for m in g.succ_nodes(n):
            s = g.nodes[m].scope
            if common is None:
                common = s
            else:
                k = 0
                while k < min(len(common), len(s)) and common[k] == s[k]:
                    k += 1
                common = common[:k]
        node.scope = common or ()


def descendants(g: GraphModel, start: int) -> set[int]:
    """Nodes reachable from `start` following edges forward (start included); iterative."""
    seen = {start}
    stack = [start]
    while stack:
        n = stack.pop()
        for m in g.succ_nodes(n):
            if m not in seen:
                seen.add(m)
                stack.append(m)
    return seen


def backward_graph(g: GraphModel) -> GraphModel:
    """The backward picture's graph: gradient functions instead of intermediate tensors.

    Keeps the op nodes, the leaves that receive a gradient (parameters: "accumulate into
    .grad") and the output; an op that consumed another op's output gets an edge from it,
    labelled with that tensor. Edges still point the way values flow (the picture reverses
    the arrows), so the node order stays topological.
    """
    b = GraphModel()
    new: dict[int, int] = {}
    for n, node in enumerate(g.nodes):
        t = node.tensor
        keep = node.kind == OP or n == g.root or (
            node.kind == TENSOR and t is not None and t._ctx is None and t.requires_grad
        )
        if keep:
            new[n] = b.add_node(node)
            if t is not None:
                # An intermediate tensor is found as the op that made it (for `highlight`).
                b.index_of[id(t)] = new[n]
    for n, node in enumerate(g.nodes):
        if n not in new:
            continue
        if node.kind == OP:
            out = g.edges[g.succs[n][0]].dst  # the tensor this op made
            if out == g.root:
                b.add_edge(new[n], new[out], 0, node.tensor)
            uses = g.succs[out]
        elif n == g.root:
            continue
        else:
            uses = g.succs[n]
        for e in uses:
            edge = g.edges[e]
            b.add_edge(new[n], new[edge.dst], edge.index, g.nodes[n].tensor)
    b.root = new[g.root]
    b.grads = {new[n]: a for n, a in g.grads.items() if n in new}
    b.forward = g
    return b
