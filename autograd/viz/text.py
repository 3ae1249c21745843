"""The graph as a plain-text tree, for terminals and as the notebook fallback.

Each line is one tensor with the op that made it; its inputs follow below. An op with one
tensor input continues on the same column (so a chain of a million ops is a flat listing, not a
staircase); several inputs branch. A tensor met a second time is referred to, not repeated:

    E = neg(t8)  () float64  data 1.20397
    t8 = add(y*log(y_hat), t4*log(1 - y_hat))  () float64  data -1.20397
    ├─ y*log(y_hat) = mul(y, log(y_hat))  () float64  data -1.20397
    │  ├─ y  (input)  () float64  data 1
    │  └─ log(y_hat) = log(y_hat)  () float64  data -1.20397
    │     y_hat  (parameter)  () float64  data 0.3  grad -3.33333
    └─ t4*log(1 - y_hat) = mul(t4, log(1 - y_hat))  () float64  data 0
       ...
          y_hat  (see above)
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .graph import CONST, TENSOR, GraphModel, build_graph
from .labels import equation, fmt_array, fmt_const, fmt_shape, tensor_grad
from .names import value_name

MAX_INDENT = 24  # branch levels; deeper ones are not indented further


def _inputs(g: GraphModel, n: int) -> list[int]:
    """The nodes feeding the op that made tensor node n (tensors and constants), in order."""
    if not g.preds[n]:
        return []
    op = g.edges[g.preds[n][0]].src
    ins = sorted(g.preds[op], key=lambda e: g.edges[e].index)
    return [g.edges[e].src for e in ins]


def _line(g: GraphModel, n: int, show_values: bool, show_grads: bool, grads: dict[int, Any]) -> str:
    t = g.nodes[n].tensor
    if t is None:  # pragma: no cover - only tensor nodes get lines
        return "?"
    name = g.name(t)
    ctx = t._ctx
    if ctx is not None:
        args = []
        for m in _inputs(g, n):
            node = g.nodes[m]
            args.append(fmt_const(node.value) if node.kind == CONST else g.name(node.tensor))  # type: ignore[arg-type]
        label = ctx.label()
        if "(" in label:  # reshape(shape=(-1,)) applied to out: reshape(out, shape=(-1,))
            op, rest = label.split("(", 1)
            call = f"{op}({', '.join(args)}, {rest}" if args else label
        else:
            call = f"{label}({', '.join(args)})"
        head = equation(name, call)  # tanh(x), not tanh(x) = tanh(x)
    else:
        head = f"{name}  ({'parameter' if t.requires_grad else 'input'})"
    parts = [head, f"  {fmt_shape(t.shape)} {t.dtype}"]
    # A constant called by its value ([1], zeros(1,8)) is not written out twice.
    by_value = ctx is None and not g.nodes[n].named and name == value_name(t)
    if show_values and not by_value:
        parts.append(f"  data {fmt_array(t.data)}")
    if show_grads:
        grad = grads.get(n)
        if grad is None:
            grad = tensor_grad(t)
        if grad is not None:
            parts.append(f"  grad {fmt_array(grad)}")
    return "".join(parts)


def tree_text(
    g: GraphModel,
    show_values: bool = True,
    show_grads: bool = True,
    max_lines: int | None = 1000,
    grads: dict[int, Any] | None = None,
) -> str:
    """The text tree of a built graph (see the module doc); iterative, shared inputs referenced."""
    grads = grads or {}
    lines: list[str] = []
    seen: set[int] = set()
    capped = False
    stack: list[tuple[int, str, str]] = [(g.root, "", "")]
    while stack:
        if max_lines is not None and len(lines) >= max_lines:
            break
        n, first, rest = stack.pop()
        t = g.nodes[n].tensor
        if n in seen and t is not None:
            lines.append(f"{first}{g.name(t)}  (see above)")
            continue
        seen.add(n)
        lines.append(first + _line(g, n, show_values, show_grads, grads))
        kids = list(dict.fromkeys(m for m in _inputs(g, n) if g.nodes[m].kind == TENSOR))
        if len(kids) == 1:
            stack.append((kids[0], rest, rest))
            continue
        deep = len(rest) >= 3 * MAX_INDENT
        if deep and not capped:
            capped = True
            lines.append(f"{rest}(branches deeper than {MAX_INDENT} levels are not indented further)")
        for j in range(len(kids) - 1, -1, -1):
            last = j == len(kids) - 1
            if deep:
                stack.append((kids[j], rest, rest))
            else:
                stack.append((kids[j], rest + ("└─ " if last else "├─ "), rest + ("   " if last else "│  ")))
    total = sum(1 for _ in g.tensor_nodes())
    if len(seen) < total or stack:
        lines.append(
            f"... {total - len(seen)} more tensors not shown (max_lines={max_lines}; "
            "pass max_lines=None for all)"
        )
    return "\n".join(lines)


def render_text(
    output: Tensor,
    *,
    show_values: bool = True,
    show_grads: bool = True,
    max_lines: int | None = 1000,
) -> str:
    """The computation graph of `output` as a text tree (see the module doc).

    >>> import autograd as ag
    >>> x = ag.tensor(2.0, requires_grad=True, name="x")
    >>> y = (x * x).sigmoid()
    >>> print(render_text(y, show_values=False))
    y = sigmoid(x*x)  () float64
    x*x = mul(x, x)  () float64
    x  (parameter)  () float64
    """
    return tree_text(build_graph(output), show_values, show_grads, max_lines)


def print_graph(output: Tensor, **kwargs: Any) -> None:
    """Print `render_text(output, **kwargs)`."""
    print(render_text(output, **kwargs))
