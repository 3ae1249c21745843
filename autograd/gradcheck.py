"""Gradient checking: compare backward() with finite differences, and name the faulty op.

For a function f of inputs x_1..x_n, the analytic vector-Jacobian product v^T J_i (what
backward computes, for a random upstream gradient v) is compared with central differences

    J[:, j] ~ (f(x + eps e_j) - f(x - eps e_j)) / (2 eps)

in float64. Small problems compare the full Jacobian element by element; large ones compare
random directional derivatives u -> v^T J u. When a check fails, every op recorded in f's graph
is checked the same way on its own inputs, so the report names the op whose local derivative is
wrong and the line of your code that created it.

Two failures are not a wrong derivative, and the report says so instead of blaming an op:
finite differences that are NaN or infinite (f is not defined or not finite next to the point,
e.g. log at 0), and a kink, where f is not differentiable (relu or abs at 0, max at a tie): the
slopes on the two sides differ, central differences average them, and backward gives one of
them. A kink is told apart from strong curvature by halving eps: the gap between the one-sided
slopes halves for a smooth function and stays for a kink.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import engine
from .function import _STACK_ONLY, Function, user_frames
from .grad_mode import STATE
from .tensor import Tensor

MAX_FULL = 256  # inputs and outputs with at most this many elements get the full Jacobian


class GradcheckError(AssertionError):
    """A gradient check failed; the message says where and by how much."""

    def __init__(self, message: str, failure: Failure | None = None) -> None:
        super().__init__(message)
        self.failure = failure


@dataclass
class Mismatch:
    """One disagreement between backward and finite differences."""

    input: int  # which input (position among the function's arguments)
    shape: tuple[int, ...]
    element: tuple[int, ...] | None  # None when found along a random direction
    output: tuple[int, int] | None  # (output number, flat element) in full-Jacobian mode
    analytic: float
    numeric: float
    # Where it was found, to look at the point again: the input's perturbation direction and
    # the weights of the outputs (a one-hot, or the random v).
    direction: np.ndarray | None = field(default=None, repr=False, compare=False)
    weights: list[np.ndarray] | None = field(default=None, repr=False, compare=False)
    # (left slope, right slope) when the point is a kink of the function.
    kink: tuple[float, float] | None = None

    @property
    def error(self) -> float:
        return abs(self.analytic - self.numeric)


@dataclass
class Failure:
    """A failed check: the first mismatch, and the ops found to be wrong."""

    mismatch: Mismatch
    order: int
    atol: float
    rtol: float
    note: str = ""
    culprits: list[OpFault] = field(default_factory=list)
    # The first recorded op whose output is not finite, when finite differences are NaN/inf.
    nonfinite: OpFault | None = None


@dataclass
class OpFault:
    """A recorded op whose own derivative disagrees with finite differences."""

    label: str
    where: str
    mismatch: Mismatch
    note: str = ""


def _as_list(x: Any) -> list[Any]:
    if isinstance(x, (tuple, list)):
        return list(x)
    return [x]


def _outputs(result: Any) -> list[Tensor]:
    outs = [o for o in _as_list(result) if o is not None]
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: the function must return Tensors, got {type(o).__name__}")
    return outs


class _Problem:
    """f, its inputs in float64, and which of them are differentiated."""

    def __init__(self, fn: Callable[..., Any], inputs: Sequence[Any], who: str) -> None:
        self.fn = fn
        self.note = ""
        self.args: list[Any] = []
        self.diff: list[int] = []
        for i, x in enumerate(inputs):
            if isinstance(x, Tensor) and x.data.dtype.kind == "f":
                if x.data.dtype != np.float64:
                    self.note = (
                        f"({x.data.dtype} inputs were checked in float64, where finite "
                        "differences are accurate.)"
                    )
                t = Tensor(x.data.astype(np.float64), requires_grad=x.requires_grad, name=x.name)
                self.args.append(t)
                if x.requires_grad:
                    self.diff.append(i)
            else:
                self.args.append(x)
        if not self.diff:
            raise ValueError(
                f"{who}: no input requires grad; create the inputs to check with "
                "requires_grad=True"
            )

    def values(self, arrays: dict[int, np.ndarray]) -> list[np.ndarray]:
        """f's outputs (as float64 arrays) with some inputs replaced by `arrays`."""
        # Inputs keep requires_grad: the function may itself take gradients (second order).
        args = [Tensor(arrays[i], requires_grad=True) if i in arrays else a
                for i, a in enumerate(self.args)]
        return [np.asarray(o.data, dtype=np.float64) for o in _outputs(self.fn(*args))]


def _compare(
    prob: _Problem, outs: list[Tensor], rng: np.random.Generator, eps: float, atol: float,
    rtol: float,
) -> Mismatch | None:
    """The first element where backward and finite differences disagree, or None."""
    diff_inputs = [prob.args[i] for i in prob.diff]
    live = [o for o in outs if o.requires_grad and o.data.dtype.kind == "f"]
    live_ids = {id(o) for o in live}
    base = {i: prob.args[i].data for i in prob.diff}
    n_in = sum(t.data.size for t in diff_inputs)
    n_out = sum(o.data.size for o in outs)

    def bad(a: float, n: float) -> bool:
        return not (abs(a - n) <= atol + rtol * abs(n)) or np.isnan(a) != np.isnan(n)

    def perturbed(i: int, delta: np.ndarray) -> list[np.ndarray]:
        plus = prob.values({**base, i: base[i] + delta})
        minus = prob.values({**base, i: base[i] - delta})
        return [(p - m) / (2 * eps) for p, m in zip(plus, minus, strict=True)]

    if n_in <= MAX_FULL and n_out <= MAX_FULL:
        # Full Jacobian: one backward per output element, one pair of evaluations per input one.
        rows: list[list[np.ndarray]] = []  # rows[k][i]: d out_k / d input i, flat
        for o in outs:
            for k in range(o.data.size):
                if id(o) not in live_ids:
                    rows.append([np.zeros(t.data.size) for t in diff_inputs])
                    continue
                onehot = np.zeros(o.data.size)
                onehot[k] = 1.0
                gs = engine.grad([o], diff_inputs, [onehot.reshape(o.shape)], retain_graph=True,
                                 allow_unused=True)
                rows.append([np.zeros(t.data.size) if g is None else g.data.reshape(-1)
                             for g, t in zip(gs, diff_inputs, strict=True)])
        for pos, i in enumerate(prob.diff):
            x = base[i]
            for j in range(x.size):
                delta = np.zeros(x.size)
                delta[j] = eps
                cols = np.concatenate([c.reshape(-1) for c in perturbed(i, delta.reshape(x.shape))])
                for k, num in enumerate(cols):
                    ana = rows[k][pos][j]
                    if bad(ana, num):
                        elem = tuple(int(e) for e in np.unravel_index(j, x.shape))
                        n, kk = _which_output(outs, k)
                        weights = [np.zeros(o.shape) for o in outs]
                        weights[n].reshape(-1)[kk] = 1.0
                        return Mismatch(i, x.shape, elem, (n, kk), float(ana), float(num),
                                        delta.reshape(x.shape) / eps, weights)
        return None

    # Large: compare v^T J u for random v and u (three directions per input).
    vs = [rng.standard_normal(o.shape) for o in outs]
    live_vs = [v for o, v in zip(outs, vs, strict=True) if id(o) in live_ids]
    proj: Sequence[Any] = (
        engine.grad(live, diff_inputs, live_vs, retain_graph=True, allow_unused=True)
        if live
        else [None] * len(diff_inputs)
    )
    for pos, i in enumerate(prob.diff):
        x = base[i]
        g = proj[pos]
        small = x.size <= MAX_FULL
        directions = range(x.size) if small else range(3)
        for j in directions:
            if small:
                u = np.zeros(x.size)
                u[j] = 1.0
                u = u.reshape(x.shape)
            else:
                u = rng.standard_normal(x.shape)
            num = sum(float(np.sum(v * d)) for v, d in zip(vs, perturbed(i, eps * u), strict=True))
            ana = 0.0 if g is None else float(np.sum(g.data * u))
            tol_scale = 1.0 if small else float(np.sqrt(x.size))
            if bad(ana / tol_scale, num / tol_scale):
                at = tuple(int(e) for e in np.unravel_index(j, x.shape)) if small else None
                return Mismatch(i, x.shape, at, None, ana, num, u, vs)
    return None


def _kink(prob: _Problem, m: Mismatch, eps: float, atol: float, rtol: float) -> tuple[float, float] | None:
    """(left, right) one-sided slopes of f at the mismatch, when the point is a kink."""
    if m.direction is None or m.weights is None or not math.isfinite(m.numeric):
        return None
    base = {i: prob.args[i].data for i in prob.diff}
    x, u, weights = base[m.input], m.direction, m.weights

    def along(h: float) -> float:
        vals = prob.values({**base, m.input: x + h * u})
        return sum(float(np.sum(w * v)) for w, v in zip(weights, vals, strict=True))

    try:
        with np.errstate(all="ignore"):
            f0 = along(0.0)
            gaps = []
            for h in (eps, eps / 2):
                left, right = (f0 - along(-h)) / h, (along(h) - f0) / h
                gaps.append((right - left, left, right))
    except Exception:  # the function cannot be evaluated there: no verdict
        return None
    (gap, left, right), (half_gap, _, _) = gaps
    if not all(math.isfinite(v) for v in (gap, half_gap)):
        return None
    tol = atol + rtol * max(abs(left), abs(right))
    # Smooth: the gap is about h f'' and halves with h. A kink: it stays (the jump in slope).
    if abs(gap) > tol and abs(half_gap) > 0.75 * abs(gap):
        return left, right
    return None


def _which_output(outs: list[Tensor], k: int) -> tuple[int, int]:
    for n, o in enumerate(outs):
        if k < o.data.size:
            return (n, k)
        k -= o.data.size
    return (len(outs) - 1, k)


def _record(fn: Callable[..., Any], args: Sequence[Any]) -> list[Tensor]:
    """Run fn, remembering where each op is created (for the report)."""
    prev = STATE.anomaly
    if not prev:
        STATE.anomaly = _STACK_ONLY  # type: ignore[assignment]
    try:
        return _outputs(fn(*args))
    finally:
        STATE.anomaly = prev


def _run(
    fn: Callable[..., Any], inputs: Sequence[Any], eps: float, atol: float, rtol: float,
    seed: int, order: int, who: str,
) -> tuple[Failure | None, list[Tensor]]:
    prob = _Problem(fn, inputs, who)
    with np.errstate(all="ignore"):  # NaN and inf are reported, not warned about
        outs = _record(fn, prob.args)
        m = _compare(prob, outs, np.random.default_rng(seed), eps, atol, rtol)
    if m is None:
        return None, outs
    m.kink = _kink(prob, m, eps, atol, rtol)
    return Failure(m, order, atol, rtol, prob.note), outs


def _node_fn(ctx: Function) -> Callable[..., Any]:
    cls, kwargs = type(ctx), dict(getattr(ctx, "kwargs", {}))
    return lambda *xs: cls.apply(*xs, **kwargs)


def _node_inputs(ctx: Function) -> list[Any]:
    out = []
    for a in ctx.inputs:
        if isinstance(a, Tensor):
            ok = a.requires_grad and a.data.dtype.kind == "f"
            out.append(Tensor(a.data.astype(np.float64) if ok else a.data, requires_grad=ok))
        else:
            out.append(a)
    return out


def _second_order(fn: Callable[..., Any], diff: list[int], seed: int) -> Callable[..., Any]:
    """x -> v^T J_f(x) with a fixed random v: checking it checks f's second derivatives."""
    cache: dict[str, list[np.ndarray]] = {}

    def g(*xs: Any) -> tuple[Tensor, ...]:
        outs = _outputs(fn(*xs))
        if "v" not in cache:
            rng = np.random.default_rng(seed + 1)
            cache["v"] = [rng.standard_normal(o.shape) for o in outs]
        live = [(o, v) for o, v in zip(outs, cache["v"], strict=True) if o.requires_grad]
        targets = [xs[i] for i in diff]
        if not live or not any(t.requires_grad for t in targets):
            return tuple(Tensor(np.zeros(t.shape)) for t in targets)
        grads = engine.grad([o for o, _ in live], targets, [v for _, v in live], create_graph=True,
                            allow_unused=True)
        return tuple(Tensor(np.zeros(t.shape)) if gr is None else gr
                     for gr, t in zip(grads, targets, strict=True))

    return g


def _find_culprits(
    outs: list[Tensor], order: int, eps: float, atol: float, rtol: float, seed: int,
) -> list[OpFault]:
    """Check every recorded op on its own saved inputs; return those that fail."""
    faults: list[OpFault] = []
    seen: set[int] = set()
    for o in outs:
        for t in engine.iter_graph(o):
            ctx = t._ctx
            if ctx is None or id(ctx) in seen:
                continue
            seen.add(id(ctx))
            inputs = _node_inputs(ctx)
            if not any(isinstance(a, Tensor) and a.requires_grad for a in inputs):
                continue
            fn = _node_fn(ctx)
            diff = [i for i, a in enumerate(inputs) if isinstance(a, Tensor) and a.requires_grad]
            if order == 2:
                fn = _second_order(fn, diff, seed)
            try:
                failure, _ = _run(fn, inputs, eps, atol, rtol, seed, order, "gradcheck")
            except Exception as e:  # an op that cannot even be re-run is a suspect too
                m = Mismatch(0, (), None, None, float("nan"), float("nan"))
                faults.append(OpFault(f"{ctx.label()} (raised {type(e).__name__}: {e})", _where(ctx), m))
                continue
            # NaN/inf finite differences on an op's own inputs (a sum of a -inf) say nothing
            # about its derivative: it is not blamed for them.
            if failure is not None and math.isfinite(failure.mismatch.numeric):
                faults.append(OpFault(ctx.label(), _where(ctx), failure.mismatch))
    return faults


def _first_nonfinite(fn: Callable[..., Any], prob: _Problem, m: Mismatch, eps: float) -> OpFault | None:
    """The first recorded op (in creation order) with a non-finite output from finite inputs,
    at the point or at the two points the finite differences evaluated."""
    base = {i: prob.args[i].data for i in prob.diff}
    step = 0.0 if m.direction is None else eps
    direction = np.zeros(base[m.input].shape) if m.direction is None else m.direction
    for h in (0.0, -step, step):
        args = [Tensor(base[i] + h * direction if i == m.input else base[i], requires_grad=True)
                if i in base else a for i, a in enumerate(prob.args)]
        try:
            with np.errstate(all="ignore"):
                outs = _record(fn, args)
        except Exception:
            continue
        nodes = sorted({id(t): t for o in outs for t in engine.iter_graph(o)}.values(), key=lambda t: t._seq)
        for t in nodes:
            ctx = t._ctx
            if ctx is None or t.data.dtype.kind != "f" or np.isfinite(t.data).all():
                continue
            ins = [a for a in ctx.inputs if isinstance(a, Tensor)]
            if all(a.data.dtype.kind != "f" or np.isfinite(a.data).all() for a in ins):
                where = "at the point" if h == 0 else f"at input {m.input} {'-' if h < 0 else '+'} eps"
                return OpFault(ctx.label(), _where(ctx), m, note=where)
    return None


def _where(ctx: Function) -> str:
    frames = user_frames(ctx)
    if not frames:
        return ""
    f = frames[-1]
    return f'{f.filename}:{f.lineno} ("{(f.line or "").strip()}")'


def _fmt_elem(m: Mismatch) -> str:
    if m.element is None:
        return "along a random direction"
    return f"element {m.element}" if m.shape else "(a scalar)"


def report(failure: Failure) -> str:
    """The failure as text: where, by how much, and which op is wrong (or why none is)."""
    m = failure.mismatch
    what = "gradient" if failure.order == 1 else "second derivative (gradient of the gradient)"
    out_part = ""
    if m.output is not None:
        n, k = m.output
        out_part = f", output {n} element {k}" if n else f", output element {k}"
    at = f"input {m.input} (shape {m.shape}), {_fmt_elem(m)}{out_part}"
    if not math.isfinite(m.numeric):
        lines = [
            f"gradcheck: the finite differences of the {what} are {m.numeric} at {at}: the "
            "function is not finite (NaN or inf) at or next to this point, so its gradient "
            "cannot be checked here. Check it at a point inside the function's domain (e.g. "
            "not log or sqrt at 0, not 0/0).",
            f"    backward            {m.analytic:.10g}",
        ]
        nf = failure.nonfinite
        if nf is not None:
            lines.append(f"The first op whose output is not finite ({nf.note}): {nf.label}.")
            if nf.where:
                lines.append(f"    created at {nf.where}")
        if failure.note:
            lines.append(failure.note)
        return "\n".join(lines)
    allowed = failure.atol + failure.rtol * abs(m.numeric)
    numbers = [
        f"    backward            {m.analytic:.10g}",
        f"    finite differences  {m.numeric:.10g}",
        f"    error               {m.error:.3g} (allowed {allowed:.3g} = atol {failure.atol:g} + "
        f"rtol {failure.rtol:g} * |numeric|)",
    ]
    wrong = [c for c in failure.culprits if c.mismatch.kink is None]
    kinks = [c for c in failure.culprits if c.mismatch.kink is not None]
    if m.kink is not None and not wrong:
        left, right = m.kink
        lines = [
            f"gradcheck: the function is not differentiable at this point: {at} sits on a kink, "
            f"where the slope is {left:.6g} on one side and {right:.6g} on the other (like relu "
            "or abs at 0, or max at a tie). Central finite differences average the two sides, "
            "so they cannot agree with backward, which gives one of them (as PyTorch does). "
            "This is not a wrong derivative; check at a point away from the kink.",
            *numbers,
        ]
        for c in kinks:
            cl, cr = c.mismatch.kink or (0.0, 0.0)
            lines.append(
                f"The op at its kink: {c.label}, input {c.mismatch.input} {_fmt_elem(c.mismatch)} "
                f"(slopes {cl:.6g} and {cr:.6g}; its backward gives {c.mismatch.analytic:.10g})."
            )
            if c.where:
                lines.append(f"    created at {c.where}")
    else:
        lines = [f"gradcheck: the {what} is wrong for {at}:", *numbers]
        for c in wrong:
            cm = c.mismatch
            lines.append(
                f"The op with the wrong local derivative: {c.label}, input {cm.input} "
                f"{_fmt_elem(cm)}: its backward gives {cm.analytic:.10g}, finite differences "
                f"give {cm.numeric:.10g}."
            )
            if c.where:
                lines.append(f"    created at {c.where}")
        for c in kinks:
            lines.append(f"(Also at a kink, where it is not differentiable: {c.label}.)")
        if not failure.culprits:
            lines.append(
                "Every recorded op checks out on its own inputs, so the error lies in how they "
                "were combined: a value used as a constant that depends on the input (e.g. taken "
                "through `.data`, `.detach()` or numpy), or a function that is not smooth at this "
                "point."
            )
    if failure.note:
        lines.append(failure.note)
    return "\n".join(lines)


def _check_settings(who: str, eps: float, atol: float, rtol: float) -> None:
    """eps > 0 and finite; atol, rtol >= 0 and finite (NaN would make every check fail or pass)."""
    for name, v, low in (("eps", eps, "> 0"), ("atol", atol, ">= 0"), ("rtol", rtol, ">= 0")):
        ok = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
        if not ok or not math.isfinite(v) or (v <= 0 if name == "eps" else v < 0):
            raise ValueError(f"{who}: {name} must be a finite number {low}, got {v!r}")


def _check(
    fn: Callable[..., Any], inputs: Any, eps: float, atol: float, rtol: float,
    raise_exception: bool, seed: int, order: int, who: str,
) -> bool:
    _check_settings(who, eps, atol, rtol)
    inputs = _as_list(inputs)
    prob = _Problem(fn, inputs, who)
    target = _second_order(fn, prob.diff, seed) if order == 2 else fn
    failure, outs = _run(target, inputs, eps, atol, rtol, seed, order, who)
    if failure is None:
        return True
    if not math.isfinite(failure.mismatch.numeric):
        # No op is to blame for a function that is not finite here; say which op produced
        # the first non-finite value instead.
        failure.nonfinite = _first_nonfinite(fn, prob, failure.mismatch, eps)
    else:
        if order == 2:
            # The faulty op is one of f's ops whose backward is not differentiated correctly.
            outs = _record(fn, prob.args)
        failure.culprits = _find_culprits(outs, order, eps, atol, rtol, seed)
    if raise_exception:
        raise GradcheckError(report(failure), failure)
    return False


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Check fn's gradients with respect to its inputs that require grad.

    `fn(*inputs)` returns a Tensor or a tuple of Tensors. Returns True when backward agrees
    with central finite differences (|analytic - numeric| <= atol + rtol |numeric| everywhere);
    otherwise raises `GradcheckError` (or returns False with `raise_exception=False`) with a
    report naming the input, the element, both values and the recorded op whose local
    derivative is wrong.

    >>> import autograd as ag
    >>> x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> w = ag.tensor([0.5, -1.0], requires_grad=True)
    >>> ag.gradcheck(lambda x, w: (x @ w).sigmoid().log().sum(), (x, w))
    True
    """
    return _check(fn, inputs, eps, atol, rtol, raise_exception, seed, 1, "gradcheck")


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Check fn's second derivatives: gradcheck of x -> v^T J_f(x) for a random v.

    The gradient is computed with `create_graph=True`, so this checks that every backward
    formula is itself differentiated correctly (Hessian-vector products rely on it).

    >>> import autograd as ag
    >>> x = ag.tensor([0.3, -1.2], requires_grad=True)
    >>> ag.gradgradcheck(lambda x: x.tanh().sum(), x)
    True
    """
    return _check(fn, inputs, eps, atol, rtol, raise_exception, seed, 2, "gradgradcheck")
