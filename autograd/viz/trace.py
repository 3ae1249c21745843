"""`trace_backward(output)`: the backward pass, one chain-rule step at a time.

The ops are visited in reverse topological order, as the engine visits them. When an op is
reached, the gradient of its output (the *upstream* gradient) is complete; for each input that
needs a gradient, one step records

    contribution = the op's backward applied to upstream (summed to the input's shape),
    running total = the input's gradient so far (+= contribution),

and the *local derivative* (the op's backward applied to ones: for an elementwise op, its
derivative). After the last step the running totals of the leaves are their gradients; they
are checked against the engine's (`ag.grad(..., retain_graph=True)`). Tensor hooks
(`register_hook`) are not run by the replay; with hooks that change gradients the check says
that the totals do not match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import engine
from ..function import Function
from ..tensor import Tensor
from .explorer import Explorer
from .graph import GraphModel, build_graph
from .labels import d, derivative_parts, equation, fmt_array, fmt_const, formula
from .local import input_grads, local_derivatives, replayed


@dataclass(eq=False)
class Step:
    """One application of the chain rule: the gradient flowing from `output` into `input`
    through the op `op` (its input number `index`)."""

    number: int
    op: Function
    index: int
    output: Tensor
    input: Tensor
    formula: str
    upstream: np.ndarray
    local: np.ndarray | None
    contribution: np.ndarray
    total: np.ndarray
    op_id: str
    output_id: str
    input_id: str

    @property
    def edge_ids(self) -> tuple[str, str]:
        """The ids of the picture's edges input -> op and op -> output (see `draw`)."""
        return (f"e_{self.input_id}_{self.op_id}_{self.index}", f"e_{self.op_id}_{self.output_id}_0")


@dataclass(eq=False)
class Trace:
    """The recorded backward pass: `steps`, the final gradients (`grads`, by tensor), and the
    check against the engine (`matches`, `max_error`)."""

    output: Tensor
    steps: list[Step]
    grads: list[tuple[Tensor, np.ndarray]]
    matches: bool
    max_error: float
    model: GraphModel = field(repr=False)

    def name(self, t: Tensor) -> str:
        return self.model.name(t)

    def describe(self, s: Step) -> dict[str, str]:
        """The text of one step, as the table and the HTML page show it."""
        ctx = s.op
        o, i = self.name(s.output), self.name(s.input)
        root = self.name(self.output)
        # The formula in the operands' own names (d(w1 * x1)/dw1 = x1): no letter of the op's
        # can clash with a name of the user's.
        args = [self.name(a) if isinstance(a, Tensor) else fmt_const(a) for a in ctx.inputs]
        return {
            "edge": f"{i} -> {ctx.label()} -> {o}",
            "formula": equation(d(o, i), *derivative_parts(ctx, s.index, args, o, upstream=d(root, o))),
            "upstream": f"{d(root, o)} = {fmt_array(s.upstream)}",
            "local": "-" if s.local is None else fmt_array(s.local),
            "contribution": fmt_array(s.contribution),
            "total": f"{d(root, i)} so far = {fmt_array(s.total)}",
        }

    def table(self, max_rows: int | None = None) -> str:
        """The steps as a text table (all of them unless `max_rows`)."""
        heads = ["step", "edge", "local derivative", "upstream", "local", "contribution", "running total"]
        rows = []
        for s in self.steps[: max_rows if max_rows is not None else len(self.steps)]:
            d = self.describe(s)
            rows.append([str(s.number), d["edge"], d["formula"], d["upstream"], d["local"],
                         d["contribution"], d["total"]])
        widths = [max([len(h)] + [len(r[k]) for r in rows]) for k, h in enumerate(heads)]
        out = ["  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)).rstrip()]
        out.append("  ".join("-" * w for w in widths))
        for r in rows:
            out.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if max_rows is not None and len(self.steps) > max_rows:
            out.append(f"... {len(self.steps) - max_rows} more steps")
        verdict = "matches" if self.matches else f"DOES NOT MATCH (max error {self.max_error:.3g})"
        out.append(f"Final gradients checked against the engine: {verdict}.")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.table(max_rows=50)

    def __repr__(self) -> str:
        verdict = "matches" if self.matches else "DOES NOT MATCH"
        return (
            f"<Trace of the backward pass of {self.name(self.output)}: {len(self.steps)} steps, "
            f"engine check {verdict}; print it or call .table() / .to_html(path)>"
        )

    def to_html(
        self, path: str | Path, *, max_nodes: int = 400, max_steps: int = 2000, max_rows: int = 1000,
        timeout: float | None = None,
    ) -> str:
        """Write the explorer page stepping through the trace (see `explorer`); returns its path.

        One self-contained HTML file (no network, no external files: open it from disk). The
        page holds at most `max_steps` steps and its table `max_rows` rows (it says so when
        there are more); above `max_nodes` nodes, long chains start collapsed. `timeout` is
        accepted for compatibility and unused: the page lays the graph out itself.
        """
        from .trace_html import write_html

        return write_html(self, Path(path), max_nodes=max_nodes, max_steps=max_steps, max_rows=max_rows)

    def explorer(self, **options: Any) -> Explorer:
        """The explorer of this trace (`Explorer`): `.save(path)`, or shown inline in Jupyter."""
        return Explorer(self, **options)

    def _repr_html_(self) -> str:
        # A notebook cell ending in `trace_backward(y)` shows the explorer, not one line of text.
        return self.explorer()._repr_html_()


def trace_backward(output: Tensor, gradient: Any = None) -> Trace:
    """Record the backward pass of `output` step by step (see the module doc).

    It works before or after `backward()` (released nodes are replayed). `gradient` is
    d L / d output (needed when the output has more than one element).

    >>> import autograd as ag
    >>> x = ag.tensor(2.0, requires_grad=True, name="x")
    >>> y = (x * 3).exp()
    >>> tr = trace_backward(y)
    >>> [s.op.op_name() for s in tr.steps], tr.matches
    (['exp', 'mul'], True)
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"trace_backward: expected a Tensor, got {type(output).__name__}")
    if not output.requires_grad:
        raise ValueError("trace_backward: the output does not require grad (it has no graph)")
    if gradient is None:
        if output.data.size != 1:
            raise ValueError(
                f"trace_backward: the output has shape {output.shape}; pass gradient= of that shape"
            )
        seed = np.ones(output.shape, dtype=output.data.dtype)
    else:
        gd = gradient.data if isinstance(gradient, Tensor) else gradient
        seed = np.asarray(gd, dtype=output.data.dtype)
        if seed.shape != output.shape:
            raise ValueError(
                f"trace_backward: gradient of shape {seed.shape} does not match the output's "
                f"shape {output.shape}"
            )
    with replayed(output, "trace_backward"):
        return _trace(output, gradient, seed)


def _trace(output: Tensor, gradient: Any, seed: np.ndarray) -> Trace:
    g = build_graph(output)
    grads: dict[int, np.ndarray] = {g.root: seed}  # tensor node -> gradient so far
    steps: list[Step] = []
    for n in range(len(g.nodes) - 1, -1, -1):  # reverse creation order: reverse topological
        node = g.nodes[n]
        t = node.tensor
        if t is None or t._ctx is None or n not in grads or node.kind != "tensor":
            continue
        op = g.edges[g.preds[n][0]].src
        ctx = t._ctx
        upstream = grads[n]
        contribs = input_grads(ctx, upstream)
        locals_ = local_derivatives(ctx, t.shape, t.data.dtype)
        for e in sorted(g.preds[op], key=lambda k: g.edges[k].index):
            edge = g.edges[e]
            c = contribs[edge.index]
            src = g.nodes[edge.src]
            if c is None or src.tensor is None:
                continue
            total = grads[edge.src] + c if edge.src in grads else c
            grads[edge.src] = total
            steps.append(Step(
                len(steps) + 1, ctx, edge.index, t, src.tensor, formula(ctx, edge.index), upstream,
                locals_[edge.index], c, total, g.nodes[op].id, node.id, src.id,
            ))
    leaves = [
        (g.nodes[n].tensor, grads[n]) for n in sorted(grads)
        if g.nodes[n].tensor is not None and g.nodes[n].tensor._ctx is None  # type: ignore[union-attr]
    ]
    final: list[tuple[Tensor, np.ndarray]] = [(t, a) for t, a in leaves if t is not None]
    matches, err = True, 0.0
    if final:
        eng = engine.grad(output, [t for t, _ in final], None if gradient is None else seed,
                          retain_graph=True, allow_unused=True)
        for (_, mine), theirs in zip(final, eng, strict=True):
            ref = np.zeros_like(mine) if theirs is None else np.asarray(theirs.data)
            with np.errstate(all="ignore"):
                diff = np.abs(mine - ref)
                err = max(err, float(np.nanmax(diff)) if diff.size else 0.0)
            if not np.allclose(mine, ref, rtol=1e-9, atol=1e-12, equal_nan=True):
                matches = False
    return Trace(output, steps, final, matches, err, g)
