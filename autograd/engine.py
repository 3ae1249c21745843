"""The backward pass: the chain rule, one node at a time, latest-created first.

For an output y and every tensor t it depends on,

    dL/dt = sum over the ops f that consumed t of  backward_f(dL/d f's output)

`backward_step` is one node's part: the op's own backward turns the gradient of its output
into gradients for its inputs, each summed back to its input's shape (undoing broadcasting)
and cast to its dtype. `run_backward` calls it for every node, in an order where a node runs
only once its gradient is complete: every tensor gets a tick from one counter when it is
created, and an op's inputs always exist before its output, so taking the pending tensor with
the latest tick first (a heap) means every consumer of a tensor has already run. Pending
gradients live in a dict keyed by tensor and are *added* when a tensor is used twice; `.grad`
is written only at the end, on leaves (and on tensors that asked with `retain_grad()`).

Nothing here recurses, so a chain of a million ops works.
"""

from __future__ import annotations

import itertools
import weakref
from collections import deque
from collections.abc import Iterable, Sequence
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any

import numpy as np

from . import clock
from .broadcast import unbroadcast
from .dual import _is_basic
from .errors import AnomalyError, AutogradError
from .function import Function, created_at
from .grad_mode import STATE

if TYPE_CHECKING:
    from .tensor import Tensor


# -- one node ------------------------------------------------------------------------------------
def backward_step(
    ctx: Function, g: Any, out: Tensor | None = None, create_graph: bool = False, reduce: bool = True
) -> tuple[Any, ...]:
    """d L / d input for every input of the node `ctx`, given g = d L / d output.

    The op's backward, then each gradient summed to its input's shape (undoing broadcasting,
    unless `reduce=False`) and cast to its dtype. None for inputs without a gradient
    (constants, tensors that do not require grad). Under `create_graph`, `g` and the result
    are Tensors and `out` is the node's output tensor.
    """
    if ctx.saved_tensors is None:  # released by an earlier backward() (or its edges dropped)
        raise released_error(ctx, "backward")
    if create_graph:
        grads = _backward_recorded(ctx, g, out)
    elif ctx.array_forward:
        grads = ctx.backward(ctx, g)
    else:
        grads = _backward_custom(ctx, g)
    if type(grads) is not tuple:
        grads = (grads,)
    inputs = ctx.inputs
    if len(grads) != len(inputs):
        grads = padded(ctx, grads)
    needs = ctx.needs_input_grad
    for i, ga in enumerate(grads):  # usually every gradient is right as it is: return it
        if ga is not None:
            ad = inputs[i].data if needs[i] else None
            if ad is None or ga.shape != ad.shape or (ga.dtype is not ad.dtype and ga.dtype != ad.dtype):
                return _fit(ctx, grads, reduce)
    return grads


def _fit(ctx: Function, grads: tuple[Any, ...], reduce: bool) -> tuple[Any, ...]:
    """Each gradient summed to its input's shape (undoing broadcasting) and cast to its
    dtype; None for an input that needs no gradient."""
    out: list[Any] = []
    for i, (a, ga, need) in enumerate(zip(ctx.inputs, grads, ctx.needs_input_grad, strict=True)):
        if ga is None or not need:
            out.append(None)
            continue
        if reduce and ga.shape != a.data.shape:
            ga = _reduce(ctx, i, ga, a)
        if ga.dtype != a.data.dtype:
            ga = ga.astype(a.data.dtype)
        out.append(ga)
    return tuple(out)


def _backward_custom(ctx: Function, g: Any) -> tuple[Any, ...]:
    """A custom op's backward gets a Tensor, as in PyTorch; its gradients become arrays.

    Views of them: the user's code may still hold those arrays, and a view is never adopted
    as a `.grad` without a copy (see `_adoptable`)."""
    from .tensor import Tensor

    grads = ctx.backward(ctx, Tensor._make(g, None))
    out = []
    for i, ga in enumerate(grads if type(grads) is tuple else (grads,)):
        if isinstance(ga, Tensor):
            ga = ga.data
        elif ga is not None and type(ga) is not np.ndarray:
            if not isinstance(ga, (int, float, np.number, np.ndarray)):
                raise AutogradError(
                    f"{ctx.label()}: backward returned a {type(ga).__name__} as the gradient of "
                    f"input {i}; it must return a Tensor, a numpy array, a number or None"
                )
            ga = np.asarray(ga)
        if ga is not None and ga.dtype.kind not in "biuf":
            raise AutogradError(
                f"{ctx.label()}: backward returned an array of dtype {ga.dtype} as the gradient "
                f"of input {i}; gradients are numeric"
            )
        out.append(None if ga is None else ga.view())
    return tuple(out)


def _backward_recorded(ctx: Function, g: Any, out: Tensor | None) -> Any:
    """create_graph: the op's backward on Tensors, so it is recorded. The saved arrays are
    swapped for the tensors they came from while it runs."""
    from .tensor import Tensor

    kept = ctx.saved_tensors
    ctx.saved_tensors = tuple(_saved_as_tensor(ctx, out, v) for v in kept or ())
    try:
        return ctx.backward(ctx, g if isinstance(g, Tensor) else Tensor(g))
    finally:
        ctx.saved_tensors = kept


def _saved_as_tensor(ctx: Function, out: Tensor | None, v: Any) -> Any:
    """The Tensor a saved array came from: the output, an input, or a new constant.

    A custom op saves Tensors: its inputs stay as they are; the Tensor it returned from forward
    (computed under no_grad) stands for the output.
    """
    from .tensor import Tensor

    if out is not None and (v is out.data or (isinstance(v, Tensor) and v.data is out.data)):
        return out
    for a in ctx.inputs:
        if isinstance(a, Tensor) and a.data is v:
            return a
    if isinstance(v, np.ndarray):
        return Tensor(v)
    return v


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


def _reduce(ctx: Function, i: int, ga: Any, a: Tensor) -> Any:
    try:
        return unbroadcast(ga, a.shape)
    except ValueError:
        raise AutogradError(
            f"{ctx.label()}: backward returned a gradient of shape {tuple(ga.shape)} for input "
            f"{i} of shape {a.shape}; it must have that shape or one that broadcasts to it"
        ) from None


# -- the whole pass --------------------------------------------------------------------------------
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
    Nothing is written and nothing released until every node has run: a backward that fails
    part-way (a hook raising, an anomaly) leaves the graph and every `.grad` as they were.
    """
    foreign = {id(g) for g in root_grads}  # arrays the engine did not make: never adopted
    grads: dict[Tensor, Any] = {}  # pending gradients
    heap: list[tuple[int, Tensor]] = []  # op outputs with a gradient, latest-created on top
    for r, g in zip(roots, root_grads, strict=True):
        _add(grads, heap, r, g)
    want = None if targets is None else dict.fromkeys(targets)
    reach, run = (None, None) if want is None else _paths_to(roots, want)
    found: dict[Tensor, Any] = {}
    owned: dict[Tensor, Any] = {}  # gradient buffers x[index]'s backward adds into (_scatter)
    retained: list[tuple[Tensor, Any]] = []
    done: list[Function] = []
    check = clock.last_mutation()
    anomaly = STATE.anomaly is True  # not in gradcheck's stack-only mode
    get = grads.get
    state = STATE
    was_enabled, state.enabled = state.enabled, create_graph
    try:
        while heap:
            t = heappop(heap)[1]
            g = grads.pop(t)
            if owned:  # t's gradient is complete: its buffer is no longer added into
                owned.pop(t, None)
            if t._hooks is not None:
                g = _hooks(t, g, create_graph, foreign, retained)
            if want is not None and t in want:
                found[t] = g
            if run is not None and t not in run:  # grad(): no target lies below t
                continue
            ctx: Any = t._ctx
            if check > t._seq:
                _check_versions(t, ctx)
            if ctx.scatter_backward and not create_graph:
                _scatter(ctx, g, grads, heap, owned, anomaly)
                done.append(ctx)
                continue
            in_grads = backward_step(ctx, g, t, create_graph)
            if anomaly:
                _check_finite(ctx, in_grads)
            inputs = ctx.inputs
            if reach is not None:  # grad(): only inputs that lead to a target
                in_grads = tuple(ga if inputs[i] in reach else None for i, ga in enumerate(in_grads))
            for i in range(len(in_grads)):  # accumulate: the multivariable chain rule
                ga = in_grads[i]
                if ga is not None:
                    a = inputs[i]
                    prev = get(a)
                    if prev is None:
                        grads[a] = ga
                        if a._ctx is not None:  # an op output: its node runs later
                            heappush(heap, (-a._seq, a))
                    else:
                        grads[a] = prev + ga
            done.append(ctx)
        for t in grads:  # what is left are the leaves' finished gradients
            if t._hooks is not None:
                grads[t] = _hooks(t, grads[t], create_graph, foreign, retained)
    finally:
        state.enabled = was_enabled
    if not retain_graph:
        _release(done, roots)
    for t, g in retained:
        t._accumulate(g)
    if want is not None:
        found.update((t, g) for t, g in grads.items() if t in want)
        return [found.get(t) for t in targets or ()]
    for t, g in grads.items():
        t._accumulate(g, _adoptable(g, t, foreign))
    return []


def _paths_to(roots: Sequence[Tensor], targets: dict[Tensor, Any]) -> tuple[set[Tensor], set[Tensor]]:
    """For grad(): the tensors a target is reached from (the targets, and every tensor with a
    target below it), and among them those whose node must run (a target lies below the node).

    grad() runs only those nodes, as PyTorch does: the gradient of an intermediate can be taken
    after backward() released the graph below it, and nothing is computed that no target needs.
    `walk` gives every tensor after its inputs, so each input's answer is known first.
    """
    from .tensor import Tensor

    reach: set[Tensor] = set()
    run: set[Tensor] = set()
    for t in walk(roots, stop_at_released=True):
        ctx = t._ctx
        inputs = () if ctx is None or ctx.inputs is RELEASED else ctx.inputs
        if any(a in reach for a in inputs if isinstance(a, Tensor)):
            run.add(t)
            reach.add(t)
        elif t in targets:
            reach.add(t)
    return reach, run


def _add(grads: dict[Tensor, Any], heap: list[tuple[int, Tensor]], t: Tensor, g: Any) -> None:
    """Add g to t's pending gradient; an op output seen for the first time joins the heap."""
    prev = grads.get(t)
    if prev is None:
        grads[t] = g
        if t._ctx is not None:
            heappush(heap, (-t._seq, t))
    else:
        grads[t] = prev + g


def _scatter(
    ctx: Function,
    g: Any,
    grads: dict[Tensor, Any],
    heap: list[tuple[int, Tensor]],
    owned: dict[Tensor, Any],
    anomaly: bool,
) -> None:
    """The backward step of y = x[index], added where it lands: g goes into x's pending
    gradient at `index`, in place, in a buffer this pass made and nobody else holds (`owned`).

    The same sum as `backward_step` gives (g scattered into zeros of x's shape, then added),
    without building a whole zero array per slice: taking T slices of one tensor (the time
    steps of a recurrent layer) costs the size of the slices, not T times the size of x.
    """
    if ctx.saved_tensors is None:  # its edges were dropped (engine._release)
        raise released_error(ctx, "backward")
    if anomaly:
        _check_finite(ctx, (g,))
    if not ctx.needs_input_grad[0]:
        return
    x = ctx.inputs[0]
    buf: Any = grads.get(x)
    if buf is None or owned.get(x) is not buf:  # a new buffer (a copy of what x has so far)
        new = np.zeros(x.data.shape, x.data.dtype) if buf is None else np.array(buf, dtype=x.data.dtype)
        if buf is None and x._ctx is not None:  # an op output: its node runs later
            heappush(heap, (-x._seq, x))
        grads[x] = owned[x] = buf = new
    index: Any = ctx.kwargs.get("index")
    if _is_basic(index):  # each position at most once
        buf[index] += g
    else:  # integer arrays may repeat a position: each occurrence adds
        np.add.at(buf, index, g)


def _hooks(t: Tensor, g: Any, create_graph: bool, foreign: set[int], retained: list[Any]) -> Any:
    """Run t's hooks on its finished gradient; remember it for `retain_grad()`."""
    new = t._run_hooks(g, create_graph)
    if new is not g:
        foreign.add(id(new))  # a hook may return an array the user still holds
    if t.retains_grad:  # after every hook, as PyTorch: .grad is what flows on
        retained.append((t, new))
    return new


def _check_finite(ctx: Function, in_grads: tuple[Any, ...]) -> None:
    """detect_anomaly(): fail on the first NaN or inf in a gradient, naming the op."""
    for i, g in enumerate(in_grads):
        data = g if isinstance(g, np.ndarray) else getattr(g, "data", None)  # array or Tensor
        if isinstance(data, np.ndarray) and data.dtype.kind == "f" and not np.isfinite(data).all():
            kind = "NaN" if np.isnan(data).any() else "inf"
            raise AnomalyError(
                f"{ctx.label()}: its backward produced {kind} in the gradient of input {i}.\n"
                f"{created_at(ctx)}"
            )


def _check_versions(t: Tensor, ctx: Function) -> None:
    """Fail if a value this op saved was modified in place after the op was recorded."""
    saved = ctx.saved_tensors or ()
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


def _adoptable(g: Any, t: Tensor, foreign: set[int]) -> bool:
    """May the finished gradient array `g` become `t.grad` without a copy?

    Only an array this backward pass made that nothing else holds: not a view (a custom op's
    gradients reach the engine as views, as the user may hold them), not one already given to
    another tensor (Add hands the same array to both its inputs), not the caller's gradient
    or a hook's (the user may hold it), and not sharing memory with t's values. Skipping the
    copy matters for big layers: it is a full pass over every weight gradient, every step.
    """
    if type(g) is not np.ndarray or g.base is not None or id(g) in foreign or not g.flags.writeable:
        return False
    foreign.add(id(g))
    return not np.may_share_memory(g, t.data)


# -- what the graph keeps after backward ---------------------------------------------------------
class _Released(tuple[Any, ...]):
    """The inputs of a node whose graph was released (an empty tuple, told apart by type)."""


RELEASED: Any = _Released()

# How many backward passes keep their graphs whole, so pictures drawn after `loss.backward()`
# - or after a few more backward passes - can replay them. Once KEEP_GRAPHS newer passes have
# finished, the graph of a pass whose outputs are still alive drops its edges (the nodes that a
# newer pass used again excepted). Outputs are held by weak reference: a dropped graph is
# freed at once by reference counting.
KEEP_GRAPHS = 4
_recent: deque[tuple[int, list[weakref.ref[Tensor]]]] = deque()
_passes = itertools.count(1)


def _release(done: list[Function], roots: Sequence[Tensor]) -> None:
    """Free what backward no longer needs: every node's saved values now (a node that saved
    nothing can run again, as in PyTorch), and the edges of the graph of the backward pass
    KEEP_GRAPHS passes ago.

    A kept output (a list of losses) then keeps only its own node, not every activation
    through the nodes' inputs: a training loop holds at most KEEP_GRAPHS graphs.
    """
    mark = next(_passes)
    for ctx in done:
        if ctx.saved_tensors:
            ctx.saved_tensors = None
        ctx.last_pass = mark
    _recent.append((mark, [weakref.ref(r) for r in roots]))
    if len(_recent) > KEEP_GRAPHS:
        old_mark, old_roots = _recent.popleft()
        _drop_edges([t for t in (r() for r in old_roots) if t is not None], old_mark)


def _drop_edges(tensors: list[Tensor], mark: int) -> None:
    """Cut the edges of the nodes below `tensors` last used by backward pass `mark`."""
    while tensors:
        ctx = tensors.pop()._ctx
        if ctx is None or ctx.inputs is RELEASED or getattr(ctx, "last_pass", mark) != mark:
            continue
        tensors.extend(a for a in ctx.inputs if getattr(a, "_ctx", None) is not None)
        ctx.saved_tensors = None
        ctx.inputs = RELEASED


def released_error(ctx: Function, caller: str) -> AutogradError:
    """The error for using a node whose saved values (or edges) backward released."""
    if ctx.inputs is RELEASED:
        return AutogradError(
            f"{caller}: the graph through {ctx.label()} was released: only the graphs of the "
            f"{KEEP_GRAPHS} most recent backward() calls are kept whole, so that kept outputs (a "
            "list of losses) do not keep every activation alive. Draw it sooner, or call "
            "backward(retain_graph=True) to keep its graph."
        )
    return AutogradError(
        f"{caller}: backward through the graph a second time: the values that {ctx.label()} "
        "saved for its backward pass were released after the first backward() to save memory. "
        "Either run the forward pass again to build a new graph, or call the first backward "
        "with retain_graph=True to keep the saved values."
    )


def _as_grad(tensor_cls: Any, root: Tensor, g: Any, name: str, create_graph: bool) -> Any:
    """The gradient to start backward from at `root`: an array (a Tensor under create_graph)."""
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
    return g if create_graph and isinstance(g, tensor_cls) else gd


def backward(
    root: Tensor, gradient: Any = None, retain_graph: bool = False, create_graph: bool = False
) -> None:
    """Tensor.backward: accumulate d root / d leaf into every leaf's `.grad`."""
    if not root.requires_grad:
        raise AutogradError(
            "backward: this tensor does not require grad and has no graph. Create the inputs "
            "with requires_grad=True, and do not compute the output under no_grad()."
        )
    g = _as_grad(type(root), root, gradient, "backward", create_graph)
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
        root_grads.append(_as_grad(Tensor, o, go, "grad", create_graph))
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

    Used by graph pictures and gradient checking; iterative, like the backward pass.
    """
    return walk([root])


def walk(roots: Sequence[Tensor], stop_at_released: bool = False) -> list[Tensor]:
    """Every tensor the roots were computed from, each after its inputs (a post-order walk
    with an explicit stack: no recursion, so a million-op chain works).

    A node whose edges an earlier backward dropped (`_release`) is an error, or, with
    `stop_at_released`, is where the walk stops (its output is listed, its inputs are not).
    """
    from .tensor import Tensor

    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        ctx = t._ctx
        if ctx is None:
            continue
        if ctx.inputs is RELEASED:
            if stop_at_released:
                continue
            raise released_error(ctx, "this graph")
        for a in reversed(ctx.inputs):
            if isinstance(a, Tensor) and id(a) not in seen:
                stack.append((a, False))
    return order
