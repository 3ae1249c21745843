"""The backward pass: reverse topological order, the chain rule, gradient accumulation.

For an output y and every tensor t it depends on,

    dL/dt = sum over the ops f that consumed t of  backward_f(dL/d f's output)

Ops are visited in reverse topological order, so when an op runs, the gradient of its output is
complete. Pending gradients live in a dict keyed by tensor and are popped once used; `.grad` is
written only on leaves (and on tensors that asked with `retain_grad()`).

Nothing here recurses: the order is found with an explicit stack, so a chain of a million ops
works.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from . import clock
from .broadcast import unbroadcast
from .errors import AnomalyError, AutogradError
from .function import Function, where
from .grad_mode import STATE, set_grad_enabled

if TYPE_CHECKING:
    from .tensor import Tensor


def toposort(root: Tensor) -> list[Tensor]:
    """The op outputs that `root` depends on (root included), outputs before inputs.

    Only tensors that require grad and were made by a recorded op are listed (leaves need no
    backward step). One iterative pass collects them; sorting by creation tick then gives a
    topological order, because an op's inputs always exist before its output is created.
    """
    if root._ctx is None:
        return []
    seen = {root}
    nodes = [root]
    stack = [root]
    pop, push, add, keep = stack.pop, stack.append, seen.add, nodes.append
    while stack:
        ctx: Any = pop()._ctx  # never None: only op outputs are pushed
        for a, need in zip(ctx.inputs, ctx.needs_input_grad, strict=False):
            if need and a not in seen:
                add(a)
                if a._ctx is not None:
                    push(a)
                    keep(a)
    nodes.sort(key=_creation, reverse=True)
    return nodes


_creation = attrgetter("_seq")


def released_error(ctx: Function) -> AutogradError:
    return AutogradError(
        f"backward through the graph a second time: the values that {ctx.label()} saved for "
        "its backward pass were released after the first backward() to save memory. Either "
        "run the forward pass again to build a new graph, or call the first backward with "
        "retain_graph=True to keep the saved values."
    )


def _check_versions(t: Tensor, ctx: Function) -> None:
    """Fail if a value this op saved was modified in place after the op was recorded."""
    saved = ctx.saved or ()
    tensor_cls = type(t)
    candidates = [
        (a, f"input {i} of {ctx.label()}") for i, a in enumerate(ctx.inputs) if isinstance(a, tensor_cls)
    ]
    candidates.append((t, f"the output of {ctx.label()}"))
    for v in saved:
        for tensor, role in candidates:
            data = tensor.data
            same = v is tensor or v is data or (isinstance(v, tensor_cls) and v.data is data)
            if same and tensor._modified_after(t._seq):
                name = f" '{tensor.name}'" if tensor.name else ""
                raise AutogradError(
                    f"a tensor{name} of shape {tensor.shape} that is needed for the gradient "
                    f"({role}) was modified in place after it was used. The gradient would "
                    "be wrong. Do the in-place update after backward(), or use an "
                    "out-of-place operation (x = x + 1 instead of x += 1)."
                )


def _lift(t: Tensor, ctx: Function, v: Any) -> Any:
    """Under create_graph: the Tensor a saved array came from (a constant if none).

    A custom op saves Tensors: its inputs stay as they are; the Tensor it returned from forward
    (computed under no_grad) stands for the output, so it becomes the output tensor.
    """
    if v is t.data or (isinstance(v, type(t)) and v.data is t.data):
        return t
    for a in ctx.inputs:
        if isinstance(a, type(t)) and a.data is v:
            return a
    if isinstance(v, np.ndarray):
        return type(t)(v)
    return v


def _check_finite(ctx: Function, g: Any, which: int) -> None:
    data = g if isinstance(g, np.ndarray) else getattr(g, "data", None)  # an array, or a Tensor
    if isinstance(data, np.ndarray) and data.dtype.kind == "f" and not np.isfinite(data).all():
        kind = "NaN" if np.isnan(data).any() else "inf"
        raise AnomalyError(
            f"{ctx.label()}: its backward produced {kind} in the gradient of input {which}.\n"
            f"{where(ctx)}"
        )


def run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    targets: Sequence[Tensor] | None = None,
) -> list[Any]:
    """Backpropagate `root_grads` from `roots`.

    With `targets` None, gradients accumulate into leaves' `.grad` (Tensor.backward).
    Otherwise the gradients of the targets are returned and `.grad` is left alone (`grad()`).
    """
    tensor_cls = type(roots[0])
    grads: dict[Tensor, Any] = {}
    order = toposort(roots[0]) if len(roots) == 1 else _joint_order(roots)
    if not create_graph:
        root_grads = [g.data if isinstance(g, tensor_cls) else g for g in root_grads]
    for r, g in zip(roots, root_grads, strict=True):
        grads[r] = grads[r] + g if r in grads else g
    want: dict[Tensor, None] | None = None
    found: dict[Tensor, Any] = {}
    if targets is not None:
        want = dict.fromkeys(targets)
    check = clock.last_mutation()
    anomaly = STATE.anomaly is True  # not in gradcheck's stack-only mode

    get, pop = grads.get, grads.pop
    with set_grad_enabled(create_graph):
        for t in order:  # op outputs only; leaves' gradients stay in `grads`
            g = pop(t, None)
            if g is None:
                continue
            if t._hooks is not None:
                g = t._run_hooks(g, create_graph)
            if want is not None and t in want:
                found[t] = g
            ctx: Any = t._ctx  # an op output: never None
            if ctx.saved is None:
                raise released_error(ctx)
            if check > t._seq:
                _check_versions(t, ctx)
            if create_graph:
                kept = ctx.saved
                ctx.saved = tuple(_lift(t, ctx, v) for v in kept)
                try:
                    in_grads = ctx.backward(ctx, g if isinstance(g, tensor_cls) else tensor_cls(g))
                finally:
                    ctx.saved = kept
            elif ctx.array_forward:
                in_grads = ctx.backward(ctx, g)
            else:  # a custom op: Tensors in, as in PyTorch (nothing is recorded), arrays out
                in_grads = ctx.backward(ctx, tensor_cls._make(g, None))
                in_grads = _as_arrays(in_grads if type(in_grads) is tuple else (in_grads,), tensor_cls)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
            inputs = ctx.inputs
            if len(in_grads) != len(inputs):
                in_grads = padded(ctx, in_grads)
            for a, ga, need in zip(inputs, in_grads, ctx.needs_input_grad, strict=False):
                if need and ga is not None:
                    ad = a.data
                    if ga.shape != ad.shape:
                        ga = _reduce(ctx, _position(inputs, a), ga, a)
                    if ga.dtype is not ad.dtype and ga.dtype != ad.dtype:
                        ga = ga.astype(ad.dtype)
                    if anomaly:
                        _check_finite(ctx, ga, _position(inputs, a))
                    prev = get(a)
                    grads[a] = ga if prev is None else prev + ga
            if not retain_graph and ctx.saved:
                ctx.saved = None  # released; an op that saved nothing can run again, as in PyTorch

        # What is left are the leaves' finished gradients.
        for t in grads:
            if t._hooks is not None:
                grads[t] = t._run_hooks(grads[t], create_graph)

    if want is not None:
        found.update((t, g) for t, g in grads.items() if t in want)
        return [found.get(t) for t in targets or ()]
    handed = {id(g) for g in root_grads}  # the caller's own arrays: never adopted
    for t, g in grads.items():
        t._accumulate(g, _adoptable(g, t, handed))
    return []


def _adoptable(g: Any, t: Tensor, handed: set[int]) -> bool:
    """May the finished gradient array `g` become `t.grad` without a copy?

    Only a fresh array that nothing else holds: not a view, not one already given to another
    tensor (Add hands the same array to both its inputs), not the caller's gradient, and not
    sharing memory with t's values. Skipping the copy matters for big layers: it is a full
    pass over every weight gradient, every step.
    """
    if type(g) is not np.ndarray or g.base is not None or id(g) in handed or not g.flags.writeable:
        return False
    handed.add(id(g))
    return not np.may_share_memory(g, t.data)


def padded(ctx: Function, in_grads: tuple[Any, ...]) -> tuple[Any, ...]:
    """Gradients for every input, when backward left out trailing ones that need none
    (constants such as a scale factor) or added trailing Nones; otherwise a clear error."""
    n, needs = len(in_grads), ctx.needs_input_grad
    if n < len(needs) and not any(needs[n:]):
        return in_grads + (None,) * (len(needs) - n)
    if n > len(needs) and all(g is None for g in in_grads[len(needs):]):
        return in_grads[: len(needs)]  # extra Nones, e.g. for keyword arguments: harmless
    raise AutogradError(
        f"{ctx.label()}: backward returned {n} gradients for {len(needs)} inputs; it must "
        "return one per input of forward (None for inputs without a gradient)"
    )


def _as_arrays(grads: tuple[Any, ...], tensor_cls: Any) -> tuple[Any, ...]:
    """A custom op's gradients as numpy arrays (they may be Tensors or numbers)."""
    return tuple(
        g if g is None or type(g) is np.ndarray
        else g.data if isinstance(g, tensor_cls) else np.asarray(g)
        for g in grads
    )


def _position(inputs: tuple[Any, ...], a: Tensor) -> int:
    """The position of `a` among an op's inputs (by identity: == on tensors is elementwise)."""
    return next(i for i, b in enumerate(inputs) if b is a)


def _reduce(ctx: Function, i: int, ga: Any, a: Tensor) -> Any:
    try:
        return unbroadcast(ga, a.shape)
    except ValueError:
        raise AutogradError(
            f"{ctx.label()}: backward returned a gradient of shape {tuple(ga.shape)} for input "
            f"{i} of shape {a.shape}; it must have that shape or one that broadcasts to it"
        ) from None


def _joint_order(roots: Sequence[Tensor]) -> list[Tensor]:
    """A reverse topological order over everything several roots depend on."""
    seqs = {}
    for r in roots:
        for t in toposort(r):
            seqs[id(t)] = t
    # Creation order is a topological order (inputs exist before outputs); reverse it.
    return sorted(seqs.values(), key=lambda t: t._seq, reverse=True)


def _as_grad(tensor_cls: Any, root: Tensor, g: Any, name: str) -> Any:
    if g is None:
        if root.data.size != 1:
            raise AutogradError(
                f"{name}: the output has shape {root.shape}; backward without a gradient works "
                "only for a single-element output (a loss). Reduce it first (y.sum()) or pass "
                "a gradient of the same shape: y.backward(gradient)."
            )
        return np.ones(root.shape, dtype=root.data.dtype)
    gd: Any = g.data if isinstance(g, tensor_cls) else np.asarray(g, dtype=root.data.dtype)
    if gd.shape != root.shape:
        raise ValueError(
            f"{name}: gradient of shape {gd.shape} does not match the output's shape {root.shape}"
        )
    return g if isinstance(g, tensor_cls) else gd


def backward(
    root: Tensor, gradient: Any = None, retain_graph: bool = False, create_graph: bool = False
) -> None:
    """Tensor.backward: accumulate d root / d leaf into every leaf's `.grad`."""
    if not root.requires_grad:
        raise AutogradError(
            "backward: this tensor does not require grad and has no graph. Create the inputs "
            "with requires_grad=True, and do not compute the output under no_grad()."
        )
    g = _as_grad(type(root), root, gradient, "backward")
    run_backward([root], [g], retain_graph or create_graph, create_graph)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """Gradients of `outputs` with respect to `inputs`, without touching `.grad`.

    Returns a tuple with one Tensor per input (None for an unused one when `allow_unused`).
    With `create_graph=True` the returned gradients are part of a graph and can be
    differentiated again (Hessian-vector products, higher derivatives).
    """
    from .tensor import Tensor

    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        gos: list[Any] = [None] * len(outs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray)) and len(outs) == 1:
        gos = [grad_outputs]
    else:
        gos = list(grad_outputs)
    for i, t in enumerate(ins):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise AutogradError(f"grad: input {i} does not require grad")
    root_grads = []
    for o, go in zip(outs, gos, strict=True):
        if not o.requires_grad:
            raise AutogradError(
                "grad: an output does not require grad (computed under no_grad, or from "
                "inputs that do not require grad)"
            )
        root_grads.append(_as_grad(Tensor, o, go, "grad"))
    keep = create_graph if retain_graph is None else retain_graph
    result = run_backward(outs, root_grads, keep, create_graph, targets=ins)
    out: list[Any] = []
    for i, (t, g) in enumerate(zip(ins, result, strict=True)):
        if g is None:
            if not allow_unused:
                raise AutogradError(
                    f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
            out.append(None)
        else:
            out.append(g if isinstance(g, Tensor) else Tensor._make(g, None))
    return tuple(out)


def iter_graph(root: Tensor) -> Iterable[Tensor]:
    """Every tensor in root's recorded graph (whether or not it requires grad), inputs first.

    Used by graph pictures and gradient checking; iterative, like toposort.
    """
    from .tensor import Tensor

    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        if t._ctx is not None:
            for a in reversed(t._ctx.inputs):
                if isinstance(a, Tensor) and id(a) not in seen:
                    stack.append((a, False))
    return order
