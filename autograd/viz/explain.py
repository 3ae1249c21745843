"""`explain(output, wrt)`: the chain rule written out, path by path.

The multivariate chain rule says that d output / d wrt is a sum over every path from `wrt` to
`output` in the graph, of the product of the local derivatives along the path:

    dE/dw = sum over paths p of  prod over edges (a -> b) of p  of  db/da

For scalars (and elementwise ops) each factor is a number (or an elementwise array); in general
each factor is a vector-Jacobian product: the gradient flowing down the path is passed through
each op's backward in turn, and the path's contribution is what reaches `wrt`. The report shows
every edge's formula (from the op's `formulas`) and value, each path's product, their sum, and
whether that sum equals the engine's gradient.

A path through a sum of many terms (a loop's ``total = total + x*x``, `sums.py`) crosses one
add per later term, each with local derivative 1: the report writes that stretch as one
factor, ``dtotal/d(x1*x1) = 1``, saying which sum and through how many adds (as the picture
draws the sum as one Σ); `fold_sums=False` writes every add. The numbers (`paths`) are the
same either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import engine
from ..function import Function
from ..tensor import Tensor
from .graph import CONST, GraphModel, build_graph, descendants
from .labels import _operand, derivative_parts, equation, fmt_array, fmt_const, fmt_number, formula
from .labels import d as d_
from .local import input_grads, local_derivatives, replayed
from .sums import find_sums, sum_text, term_names

DEFAULT_MAX_PATHS = 1000


@dataclass(eq=False)
class PathEdge:
    """One factor of a path: d output / d input through op `op` (its input `index`).

    - local: the local derivative's value (the op's backward applied to ones; None for a rule
      written with the upstream gradient G when the output has several elements);
    - upstream: d E / d output along this path (what flows in from above);
    - downstream: d E / d input along this path (upstream passed through the op's backward).
    """

    op: Function
    index: int
    input: Tensor
    output: Tensor
    formula: str
    local: np.ndarray | None  # None: a rule written with the upstream G (see local_derivatives)
    upstream: np.ndarray
    downstream: np.ndarray


@dataclass(eq=False)
class ChainPath:
    """A path from `wrt` to the output; `edges` run from the output down to `wrt`."""

    edges: list[PathEdge]
    contribution: np.ndarray

    @property
    def tensors(self) -> list[Tensor]:
        """wrt, ..., output: the tensors along the path, inputs first."""
        if not self.edges:
            return []
        return [e.input for e in reversed(self.edges)] + [self.edges[0].output]

    @property
    def scalar(self) -> bool:
        """True when every tensor on the path has one element: the factors are numbers and
        the contribution is their plain product."""
        return all(e.input.data.size == 1 and e.output.data.size == 1 for e in self.edges)

    @property
    def product(self) -> np.ndarray:
        """The path's contribution to d output / d wrt (the product of its factors)."""
        return self.contribution


@dataclass(eq=False)
class Explanation:
    """The result of `explain`: `str()` is the report; the numbers are attributes.

    - paths: every path from wrt to the output, with its edges and contribution;
    - total: the sum of the paths' contributions (d output / d wrt by the chain rule);
    - grad: d output / d wrt as the engine computes it (`ag.grad(..., retain_graph=True)`);
    - matches: whether they agree (to rounding).
    """

    output: Tensor
    wrt: Tensor
    paths: list[ChainPath]
    total: np.ndarray
    grad: np.ndarray
    matches: bool
    model: GraphModel = field(repr=False)
    fold_sums: bool = True

    @property
    def products(self) -> list[np.ndarray]:
        return [p.contribution for p in self.paths]

    def __str__(self) -> str:
        return _report(self)

    def __repr__(self) -> str:
        return _report(self)


def _count_paths(g: GraphModel, relevant: set[int], start: int) -> int:
    """Paths from node `start` to the root (dynamic programming in topological order)."""
    count = dict.fromkeys(relevant, 0)
    count[start] = 1
    for n in sorted(relevant):  # node order is topological
        if n == start:
            continue
        count[n] = sum(count.get(g.edges[e].src, 0) for e in g.preds[n])
    return count.get(g.root, 0)


def _enumerate_paths(g: GraphModel, relevant: set[int], start: int) -> list[list[int]]:
    """Every path from `start` to the root, as lists of the edges *into op nodes* it uses,
    from the root down. Iterative depth-first search from the root."""

    def choices(t: int) -> list[int]:
        # t is a tensor node: step to its op, then to each relevant input of that op.
        if t == start or not g.preds[t]:
            return []
        op = g.edges[g.preds[t][0]].src
        ins = sorted(g.preds[op], key=lambda e: g.edges[e].index)
        return [e for e in ins if g.edges[e].src in relevant]

    paths: list[list[int]] = []
    path: list[int] = []
    frames: list[tuple[int, list[int], int]] = [(g.root, choices(g.root), 0)]
    while frames:
        t, ch, k = frames[-1]
        if t == start or k == len(ch):
            if t == start:
                paths.append(list(path))
            frames.pop()
            if frames:
                path.pop()
            continue
        frames[-1] = (t, ch, k + 1)
        e = ch[k]
        path.append(e)
        src = g.edges[e].src
        frames.append((src, choices(src), 0))
    return paths


def explain(
    output: Tensor,
    wrt: Tensor,
    gradient: Any = None,
    *,
    max_paths: int = DEFAULT_MAX_PATHS,
    fold_sums: bool = True,
) -> Explanation:
    """d output / d wrt by the chain rule, path by path (see the module doc).

    `output` must have one element, or pass `gradient` (d L / d output, the output's shape).
    It works before or after `backward()` (released nodes are replayed from their inputs).
    At most `max_paths` paths are written out. fold_sums: write a path's stretch through a
    sum of many terms as one factor (the module doc); False writes every add.

    >>> import autograd as ag
    >>> x = ag.tensor(3.0, requires_grad=True, name="x")
    >>> y = x * x
    >>> e = explain(y, x)
    >>> len(e.paths), float(e.total), e.matches
    (2, 6.0, True)
    """
    if not isinstance(output, Tensor) or not isinstance(wrt, Tensor):
        raise TypeError("explain(output, wrt): both must be Tensors")
    if not wrt.requires_grad:
        raise ValueError(
            f"explain: {wrt.name or 'wrt'} does not require grad, so it has no gradient; "
            "create it with requires_grad=True"
        )
    if gradient is None:
        if output.data.size != 1:
            raise ValueError(
                f"explain: the output has shape {output.shape}; pass gradient= (d L / d output, "
                "of that shape) or explain a single-element output such as a loss"
            )
        upstream = np.ones(output.shape, dtype=output.data.dtype)
    else:
        upstream = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient,
                              dtype=output.data.dtype)
        if upstream.shape != output.shape:
            raise ValueError(
                f"explain: gradient of shape {upstream.shape} does not match the output's shape "
                f"{output.shape}"
            )
    with replayed(output, "explain"):
        ex = _explain(output, wrt, gradient, upstream, max_paths)
    ex.fold_sums = fold_sums
    return ex


def _explain(
    output: Tensor, wrt: Tensor, gradient: Any, upstream: np.ndarray, max_paths: int
) -> Explanation:
    g = build_graph(output)
    start = g.node_of(wrt)
    relevant = descendants(g, start) if start is not None else set()
    if g.root not in relevant:
        relevant = set()
    if start is None or not relevant:
        paths_e: list[list[int]] = []
    else:
        n_paths = _count_paths(g, relevant, start)
        if n_paths > max_paths:
            raise ValueError(
                f"explain: there are {n_paths:,} paths from {g.name(wrt)} to {g.name(output)}, "
                f"more than max_paths={max_paths:,} - too many to write out. Pass a larger "
                "max_paths, or explain a smaller piece of the graph (the gradient of an "
                "intermediate tensor)."
            )
        paths_e = _enumerate_paths(g, relevant, start)
    local_cache: dict[int, list[np.ndarray | None]] = {}
    paths = []
    for pe in paths_e:
        g_up = upstream
        edges = []
        for e in pe:
            edge = g.edges[e]
            op_node = g.nodes[edge.dst]
            ctx, out_t = op_node.ctx, op_node.tensor
            inp = g.nodes[edge.src].tensor
            # Internal invariants: op nodes hold their node and output; edges come from tensors.
            assert ctx is not None
            assert out_t is not None
            assert inp is not None
            if edge.dst not in local_cache:
                local_cache[edge.dst] = local_derivatives(ctx, out_t.shape, out_t.data.dtype)
            down = input_grads(ctx, g_up)[edge.index]
            local = local_cache[edge.dst][edge.index]
            assert down is not None  # the input requires grad, so it gets a gradient
            edges.append(PathEdge(ctx, edge.index, inp, out_t, formula(ctx, edge.index), local, g_up, down))
            g_up = down
        paths.append(ChainPath(edges, g_up))
    total = np.zeros(wrt.shape, dtype=wrt.data.dtype)
    for p in paths:
        total = total + p.contribution
    (eng,) = engine.grad(output, wrt, None if gradient is None else upstream,
                         retain_graph=True, allow_unused=True) if relevant else (None,)
    grad = np.zeros_like(total) if eng is None else np.asarray(eng.data)
    rtol, atol = _tolerance(wrt.data.dtype)
    matches = bool(np.allclose(total, grad, rtol=rtol, atol=atol, equal_nan=True))
    return Explanation(output, wrt, paths, total, grad, matches, g)


def _tolerance(dtype: Any) -> tuple[float, float]:
    """How closely a sum of path products must match the engine's gradient: the two add the
    same terms in different orders, so they agree to rounding error of the dtype."""
    return (1e-9, 1e-12) if np.dtype(dtype).itemsize >= 8 else (1e-4, 1e-6)


def _call(g: GraphModel, t: Tensor) -> str:
    """'h1 = sigmoid(z1)': how a tensor was computed, in the graph's names."""
    ctx = t._ctx
    if ctx is None:
        return g.name(t)
    n = g.node_of(t)
    assert n is not None  # t is in the graph
    op = g.edges[g.preds[n][0]].src
    ins = sorted(g.preds[op], key=lambda e: g.edges[e].index)
    args = []
    for e in ins:
        node = g.nodes[g.edges[e].src]
        args.append(fmt_const(node.value) if node.kind == CONST else g.name(node.tensor))  # type: ignore[arg-type]
    label = ctx.label()
    if "(" in label:  # reshape(shape=(-1,)) applied to x: reshape(x, shape=(-1,))
        head, rest = label.split("(", 1)
        return equation(g.name(t), f"{head}({', '.join(args)}, {rest}")
    return equation(g.name(t), f"{label}({', '.join(args)})")  # log(x), not log(x) = log(x)


def _args(g: GraphModel, ctx: Function) -> list[str]:
    """The op's operands in the graph's names (constants as their value)."""
    return [g.name(a) if isinstance(a, Tensor) else fmt_const(a) for a in ctx.inputs]


class _Sums:
    """The sums of a model (`sums.find_sums`) as the report reads them: which sum an edge's op
    belongs to, and which tensors are partial sums inside one."""

    def __init__(self, g: GraphModel, fold: bool) -> None:
        self.g = g
        self.chains = find_sums(g) if fold else []
        self.of_op = {op: k for k, c in enumerate(self.chains) for op in c.ops}
        self.inner = {n for c in self.chains for n in c.inner}

    def of_edge(self, e: PathEdge) -> int | None:
        """The sum the op of path edge `e` is an add of, or None."""
        n = self.g.node_of(e.output)
        op = self.g.op_of(n) if n is not None else None
        return self.of_op.get(op) if op is not None else None

    def is_inner(self, t: Tensor) -> bool:
        n = self.g.node_of(t)
        return n is not None and n in self.inner

    def text(self, k: int) -> str:
        """'x0*x0 + x1*x1 + … + x5*x5', or 'a sum of 6 terms' when they cannot be listed."""
        terms = term_names(self.g, self.chains[k])
        return sum_text(terms) or f"a sum of {len(terms)} terms"

    def count(self, k: int) -> str:
        """'6 terms, 6 adds'."""
        c = self.chains[k]
        return f"{len(c.terms)} terms, {len(c.ops)} adds"


def _fold_runs(edges: list[PathEdge], sums: _Sums) -> list[tuple[int | None, list[PathEdge]]]:
    """The path's edges, each alone, except runs through the adds of one sum, together."""
    out: list[tuple[int | None, list[PathEdge]]] = []
    for e in edges:
        k = sums.of_edge(e)
        if k is not None and out and out[-1][0] == k:
            out[-1][1].append(e)
        else:
            out.append((k, [e]))
    return out


def _report(ex: Explanation) -> str:
    g = ex.model
    out, wrt = g.name(ex.output), g.name(ex.wrt)
    d = d_(out, wrt)
    sums = _Sums(g, ex.fold_sums)
    lines = []
    n = len(ex.paths)
    lines.append(f"{d} by the chain rule: {n} path{'s' if n != 1 else ''} from {wrt} to {out}.")
    if n == 0:
        lines.append(f"{out} does not depend on {wrt}: the derivative is 0.")
    on_paths: dict[int, Tensor] = {}
    for p in ex.paths:
        for e in p.edges:
            on_paths[e.output._seq] = e.output
    if on_paths:
        lines.append("")
        lines.append("Forward pass (the ops on these paths):")
        for _, t in sorted(on_paths.items()):
            if sums.is_inner(t):
                continue  # a partial sum: the whole sum is written once, below
            tn = g.node_of(t)
            op = g.op_of(tn) if tn is not None else None
            k = sums.of_op.get(op) if op is not None else None
            if k is None:
                lines.append(f"  {_call(g, t)} = {fmt_array(t.data)}")
            else:
                lines.append(f"  {g.name(t)} = {sums.text(k)} = {fmt_array(t.data)}  ({sums.count(k)})")
    for k, p in enumerate(ex.paths, 1):
        lines.append("")
        chain = " -> ".join(_operand(g.name(t)) for t in p.tensors if t is ex.wrt or not sums.is_inner(t))
        lines.append(f"Path {k}: {chain or wrt}")
        factors = []
        scalar = p.scalar  # once per path: it looks at every edge
        for s_k, run in _fold_runs(p.edges, sums):
            if s_k is not None and len(run) > 1:
                # Through the sum: each add passes its gradient to both operands unchanged.
                o, i = g.name(run[0].output), g.name(run[-1].input)
                local: Any = run[0].local  # an add's rule has no G: always a value
                for e in run[1:]:
                    local = local * e.local
                what = "a partial sum" if sums.is_inner(run[-1].input) else "a term"
                lines.append(f"  {equation(d_(o, i), '1', fmt_array(local))}  ({i} is {what} of {o}: "
                             f"each of the {len(run)} adds on the way passes the gradient on unchanged)")
                if not scalar:
                    lines.append(f"      {out} gradient passed down to {i}: {fmt_array(run[-1].downstream)}")
                factors.append(fmt_array(local))
                continue
            e = run[0]
            o, i = g.name(e.output), g.name(e.input)
            # The formula in the operands' own names: no letter of the op's can clash with them.
            d_local = derivative_parts(e.op, e.index, _args(g, e.op), o, upstream=d_(out, o))
            value = [] if e.local is None else [fmt_array(e.local)]  # None: a rule with the upstream in it
            lines.append(f"  {equation(d_(o, i), *d_local, *value)}")
            if not scalar:
                lines.append(f"      {out} gradient passed down to {i}: {fmt_array(e.downstream)}")
            factors += value  # on a path of numbers every factor has its value
        if scalar and p.edges:
            prod = " × ".join(f"({f})" for f in factors)
            lines.append(f"  product: {prod} = {fmt_array(p.contribution)}")
        else:
            vjp = fmt_array(p.contribution)
            lines.append(f"  contribution of this path (vector-Jacobian products): {vjp}")
    lines.append("")
    if n > 1 and all(c.size == 1 for c in ex.products):
        terms = " + ".join(fmt_number(float(c.reshape(-1)[0])) for c in ex.products)
        lines.append(f"Sum over the {n} paths: {d} = {terms} = {fmt_array(ex.total)}")
    else:
        lines.append(f"Sum over the {n} path{'s' if n != 1 else ''}: {d} = {fmt_array(ex.total)}")
    verdict = "matches" if ex.matches else "DOES NOT MATCH"
    lines.append(f"The engine's gradient, ag.grad({out}, {wrt}) = {fmt_array(ex.grad)}: {verdict}.")
    stored = ex.wrt.grad
    if stored is not None:
        sd = np.asarray(stored.data)
        rtol, atol = _tolerance(ex.total.dtype)
        same = sd.shape == ex.total.shape and bool(np.allclose(sd, ex.total, rtol=rtol, atol=atol))
        lines.append(
            f"{wrt}.grad (from backward) = {fmt_array(sd)}: "
            + ("matches." if same else "differs (it accumulates over every backward() call).")
        )
    return "\n".join(lines)

