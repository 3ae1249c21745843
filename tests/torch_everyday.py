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

def _torch_pad(x: Any, pad_width: Any, mode: str = "constant", value: float = 0.0) -> Any:
    pw = np.broadcast_to(np.asarray(pad_width), (x.ndim, 2))
    flat = [int(n) for pair in pw[::-1] for n in pair]  # torch: last axis first
    if mode == "constant":
        return F.pad(x, flat, value=value)
    # torch pads only the trailing 1-3 axes in these modes, on a batch: pad the last axes
    lead = next(i for i, (b, a) in enumerate(pw) if b or a)
    y = x.reshape((1, -1) + tuple(x.shape[lead:])) if lead else x.unsqueeze(0)
    out = F.pad(y, flat[: 2 * (x.ndim - lead)], mode=mode)
    return out.reshape(tuple(x.shape[:lead]) + tuple(out.shape[-(x.ndim - lead):]))


def _unflatten(x: Any, axis: int, sizes: Any) -> Any:
    return x.unflatten(axis, sizes)


EVERYDAY.update({
    # movement
    "flip": lambda x, axis=None: torch.flip(x, _dims(x, axis) if not isinstance(axis, int) else (axis,)),
    "roll": lambda x, shifts, axis=None: torch.roll(x, shifts, axis),
    "tile": lambda x, reps: torch.tile(x, reps if isinstance(reps, tuple) else (reps,)),
    "repeat_interleave": lambda x, repeats, axis=None: torch.repeat_interleave(
        x, torch.from_numpy(np.asarray(repeats)) if isinstance(repeats, np.ndarray) else repeats, axis),
    "movedim": lambda x, source, destination: torch.movedim(x, source, destination),
    "flatten_range": lambda x, start_dim=0, end_dim=-1: torch.flatten(x, start_dim, end_dim),
    "unflatten": _unflatten,
    "unfold": lambda x, dimension, size, step: x.unfold(dimension, size, step),
    "chunk": lambda x, chunks, axis=0: torch.cat(torch.chunk(x, chunks, dim=axis), dim=axis),
    "pad_modes": _torch_pad,
})

EVERYDAY.update({
    # einsum and matrices
    "einsum": lambda *xs, subscripts: torch.einsum(subscripts, *xs),
    "tensordot": lambda a, b, axes=2: torch.tensordot(a, b, dims=axes),
    "outer": lambda a, b: torch.outer(a.reshape(-1), b.reshape(-1)),
    "diagonal": lambda x, offset=0, axis1=0, axis2=1: torch.diagonal(x, offset, axis1, axis2),
    "diag": lambda x, diagonal=0: torch.diag(x, diagonal),
    "trace": lambda x: torch.trace(x),
    "tril": lambda x, diagonal=0: torch.tril(x, diagonal),
    "triu": lambda x, diagonal=0: torch.triu(x, diagonal),
})

def _scan(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(x: Any, axis: Any = None) -> Any:
        return fn(x.reshape(-1) if axis is None else x, dim=0 if axis is None else axis)
    return call


EVERYDAY.update({
    # scans, prod, sorting, creation
    "cumsum": _scan(torch.cumsum), "cumprod": _scan(torch.cumprod), "cumprod_zeros": _scan(torch.cumprod),
    "logcumsumexp": _scan(torch.logcumsumexp),
    "cummax": lambda x, axis=None: _scan(torch.cummax)(x, axis)[0],
    "cummin": lambda x, axis=None: _scan(torch.cummin)(x, axis)[0],
    "prod": lambda x, axis=None, keepdims=False: _prod(x, axis, keepdims),
    "prod_zeros": lambda x, axis=None, keepdims=False: _prod(x, axis, keepdims),
    "sort": lambda x, axis=-1, descending=False: torch.sort(x, dim=axis, descending=descending)[0],
    "topk": lambda x, k, axis=-1, largest=True: torch.topk(x, k, dim=axis, largest=largest)[0],
    "clone": torch.clone,
    "meshgrid": lambda *xs, indexing="ij": torch.stack(torch.meshgrid(*xs, indexing=indexing)),
})


def _prod(x: Any, axis: Any, keepdims: bool) -> Any:
    if x.ndim == 0:
        return torch.prod(x)
    axes = range(x.ndim) if axis is None else (axis,) if isinstance(axis, int) else axis
    for d in sorted((a % x.ndim for a in axes), reverse=True):  # torch.prod takes one dim at a time
        x = torch.prod(x, dim=d, keepdim=keepdims)
    return x


assert all(callable(f) for f in EVERYDAY.values())
_ = np  # numpy is used by later entries
