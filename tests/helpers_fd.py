"""Finite-difference gradient checks for the nn tests (until `ag.gradcheck` lands).

`check_grads(fn, tensors)` compares the vector-Jacobian product that backpropagation gives,
ag.grad(out, tensors, grad_outputs=v) with a *random* v (ones can hide transposition
mistakes), against central differences of sum(v * fn()) in float64, element by element.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

import autograd as ag


def check_grads(
    fn: Callable[[], ag.Tensor],
    tensors: Sequence[ag.Tensor],
    rng: np.random.Generator | int = 0,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> None:
    """Assert that backprop through `fn()` matches central differences for every tensor.

    `fn` takes no arguments and builds its output from `tensors` (inputs or parameters, each a
    float64 leaf that requires grad); it is re-run with each element nudged by +-eps.
    """
    rng = np.random.default_rng(rng)
    for t in tensors:
        if t.dtype != np.float64 or not t.requires_grad:
            raise ValueError(f"check_grads: tensors must be float64 leaves that require grad, got {t!r}")
    out = fn()
    v = rng.standard_normal(out.shape)
    analytic = ag.grad(out, list(tensors), grad_outputs=v, allow_unused=True)

    def projected() -> float:
        with ag.no_grad():
            return float(np.sum(v * fn().data))

    for k, (t, g) in enumerate(zip(tensors, analytic, strict=True)):
        got = np.zeros(t.shape) if g is None else g.data
        numeric = np.zeros(t.shape)
        for idx in np.ndindex(t.shape):
            orig = t.data[idx]
            t.data[idx] = orig + eps
            hi = projected()
            t.data[idx] = orig - eps
            lo = projected()
            t.data[idx] = orig
            numeric[idx] = (hi - lo) / (2 * eps)
        bad = ~np.isclose(got, numeric, rtol=rtol, atol=atol)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            name = t.name or f"tensor {k}"
            raise AssertionError(
                f"gradient of {name} (shape {t.shape}) differs at {idx}: backprop {got[idx]!r}, "
                f"finite differences {numeric[idx]!r} ({int(bad.sum())} of {bad.size} elements differ)"
            )
