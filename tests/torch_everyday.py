"""The PyTorch equivalents of the everyday op set, for tests/test_against_torch.py.

Imported only after torch is known to be installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

F = torch.nn.functional


def _dims(x: Any, axis: Any) -> Any:
    if axis is None:
        return tuple(range(x.ndim))
    return axis


def _stats(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Any:
        return torch.stack(fn(x, dim=_dims(x, axis), correction=ddof, keepdim=keepdims))
    return call


def _floor_divide(x: Any, y: Any) -> Any:
    # torch has no derivative for floor_divide (it is 0 almost everywhere): add a zero that has.
    return torch.floor_divide(x.detach(), y.detach()) + 0 * (x + y)


def _ix(index: Any) -> Any:
    return torch.from_numpy(np.ascontiguousarray(index, dtype=np.int64))


def _gather(x: Any, axis: int, index: Any) -> Any:
    return torch.gather(x, axis, _ix(np.asarray(index) % x.shape[axis]))  # torch: no negatives


def _scatter_reduce(x: Any, src: Any, axis: int, index: Any, reduce: str = "sum",
                    include_self: bool = True) -> Any:
    idx = _ix(index)
    return torch.scatter_reduce(x, axis, idx, src[tuple(slice(0, n) for n in idx.shape)], reduce,
                                include_self=include_self)


EVERYDAY: dict[str, Callable[..., Any]] = {
    # math
    "log2": torch.log2, "log10": torch.log10, "log1p": torch.log1p, "exp2": torch.exp2,
    "expm1": torch.expm1, "rsqrt": torch.rsqrt, "erf": torch.erf, "tan": torch.tan,
    "asin": torch.asin, "acos": torch.acos, "atan": torch.atan, "sinh": torch.sinh,
    "cosh": torch.cosh, "asinh": torch.asinh, "acosh": torch.acosh, "atanh": torch.atanh,
    "sign": torch.sign, "floor": torch.floor, "ceil": torch.ceil, "trunc": torch.trunc,
    "round": lambda x, decimals=0: torch.round(x, decimals=decimals),
    "atan2": torch.atan2, "logaddexp": torch.logaddexp, "remainder": torch.remainder,
    "fmod": torch.fmod, "floor_divide": _floor_divide, "copysign": torch.copysign,
    "lerp": torch.lerp,
    "lerp_scalar_weight": lambda a, b, weight: torch.lerp(a, b, weight),
    "var_mean": _stats(torch.var_mean), "std_mean": _stats(torch.std_mean),
    "norm": lambda x, p=2.0, axis=None, keepdims=False: torch.linalg.vector_norm(
        x, ord=p, dim=axis, keepdim=keepdims),
    "normalize": lambda x, p=2.0, axis=1: F.normalize(x, p=p, dim=axis),
}

EVERYDAY.update({
    # indexing
    "gather": _gather,
    "take_along_axis": lambda x, indices, axis: torch.take_along_dim(x, _ix(indices), dim=axis),
    "index_select": lambda x, axis, index: torch.index_select(x, axis, _ix(index)),
    "scatter_add": lambda x, src, axis, index: torch.scatter_add(
        x, axis, _ix(index), src),
    "scatter": lambda x, src, axis, index: torch.scatter(x, axis, _ix(index), src),
    "scatter_reduce": _scatter_reduce,
    "scatter_reduce_prod_zeros": lambda x, src, axis, index, include_self=True: _scatter_reduce(
        x, src, axis, index, "prod", include_self),
    "masked_fill": lambda x, mask, value: x.masked_fill(torch.from_numpy(mask), value),
    "masked_select": lambda x, mask: torch.masked_select(x, torch.from_numpy(mask)),
})

assert all(callable(f) for f in EVERYDAY.values())
_ = np  # numpy is used by later entries
