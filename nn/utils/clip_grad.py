"""Gradient clipping, as `torch.nn.utils`: clip_grad_norm_ and clip_grad_value_.

Call them between `loss.backward()` and `optimizer.step()`. Both check every gradient before
they change any (all-or-nothing), and replace each `.grad`'s array with a new one rather than
writing into it, so an array the caller still holds is never changed behind their back.

>>> import autograd as ag, nn
>>> w = nn.Parameter([3.0, 4.0])
>>> (w * w).sum().backward()             # grad = 2w = [6, 8], norm 10
>>> float(nn.utils.clip_grad_norm_([w], max_norm=1.0))
10.0
>>> w.grad.data.round(6)                 # times 1 / (10 + 1e-6), as PyTorch
array([0.6, 0.8])
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(who: str, parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    """The gradients of the parameters that have one, each checked."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    out = []
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(
                f"{who}: expected Tensors (model.parameters()), but item {i} is a {type(p).__name__}"
            )
        g = p.grad
        if g is None:
            continue
        if not isinstance(g, Tensor) or g.data.dtype.kind != "f":
            what = g.data.dtype if isinstance(g, Tensor) else type(g).__name__
            raise TypeError(
                f"{who}: the gradient of parameter {i} must be a floating-point Tensor, got {what}"
            )
        out.append(g)
    return out


def _number(who: str, name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{who}: {name} must be a number, got {value!r}") from None
    return v


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale all gradients together so that their joint norm is at most `max_norm`.

    The total norm is the p-norm (p = norm_type; "inf" or float("inf") for the largest |g|) of
    all gradients together, as if they were concatenated into one vector. Each gradient is
    multiplied by min(1, max_norm / (total + 1e-6)), as PyTorch does. Returns the total norm
    before clipping as a 0-d Tensor. A non-finite total norm raises with
    `error_if_nonfinite=True`; otherwise the gradients are scaled by it (NaN in, NaN out).
    """
    who = "clip_grad_norm_"
    max_norm = _number(who, "max_norm", max_norm)
    p_norm = _number(who, "norm_type", norm_type)
    if math.isnan(max_norm) or max_norm < 0:
        raise ValueError(f"{who}: max_norm must be a number >= 0, got {max_norm!r}")
    if not p_norm > 0:
        raise ValueError(f"{who}: norm_type must be > 0 (or inf), got {norm_type!r}")
    tensors = _grads(who, parameters)
    if not tensors:
        return Tensor(0.0)
    grads = [g.data for g in tensors]
    dtype = np.result_type(*grads)
    if math.isinf(p_norm):
        per = [np.max(np.abs(g), initial=0.0) for g in grads]
        total = np.max(np.asarray(per, dtype=dtype))
    else:
        per = [np.sum(np.abs(g) ** p_norm) ** (1 / p_norm) if p_norm != 2 else np.sqrt(np.sum(g * g))
               for g in grads]
        total = np.sum(np.asarray(per, dtype=dtype) ** p_norm) ** (1 / p_norm)
    total = np.asarray(total, dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"{who}: the total norm of order {norm_type} of the gradients is {float(total)}, so "
            "they cannot be clipped; nothing was changed. Set error_if_nonfinite=False to scale "
            "them by it anyway"
        )
    coef = min(max_norm / (float(total) + 1e-6), 1.0)  # NaN stays NaN, an infinite norm gives 0
    for g in tensors:  # new arrays: an array the caller holds is not written into
        with np.errstate(invalid="ignore"):  # inf * 0 and NaN give NaN quietly, as in PyTorch
            g.data = (g.data * np.asarray(coef, dtype=g.data.dtype)).astype(g.data.dtype, copy=False)
    return Tensor(total)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element to [-clip_value, clip_value], as torch.nn.utils."""
    who = "clip_grad_value_"
    c = _number(who, "clip_value", clip_value)
    if math.isnan(c) or c < 0:
        raise ValueError(f"{who}: clip_value must be a number >= 0, got {clip_value!r}")
    for g in _grads(who, parameters):
        g.data = np.clip(g.data, -c, c).astype(g.data.dtype, copy=False)
