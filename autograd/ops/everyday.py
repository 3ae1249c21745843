"""The everyday op set beyond the core: math, scans, indexing, sorting, einsum, creation.

`EverydayMixin` gathers the Tensor methods of these modules (Tensor inherits it), and
`__all__` the functions `autograd` exports (`ag.einsum`, `ag.cumsum`, `ag.atan2`, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .creation import CreationMixin, clone, full_like, linspace, meshgrid
from .einsum import EinsumMixin, diag, diagonal, einsum, outer, tensordot, trace, tril, triu
from .indexing import (
    IndexingMixin,
    gather,
    index_select,
    masked_fill,
    masked_select,
    nonzero,
    one_hot,
    scatter,
    scatter_add,
    scatter_reduce,
    take_along_axis,
)
from .mathops import (
    MathMixin,
    arctan2,
    atan2,
    copysign,
    floor_divide,
    fmod,
    isclose,
    isfinite,
    isinf,
    isnan,
    lerp,
    logaddexp,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    norm,
    normalize,
    remainder,
    std_mean,
    var_mean,
)
from .scan import ScanMixin, cummax, cummin, cumprod, cumsum, logcumsumexp, prod
from .shaping import (
    ShapingMixin,
    chunk,
    flatten,
    flip,
    movedim,
    pad,
    repeat_interleave,
    roll,
    tile,
    unflatten,
    unfold,
)
from .sorting import SortingMixin, argsort, sort, topk


def everyday_ufuncs() -> dict[Any, Callable[..., Any]]:
    """numpy ufuncs that run as these ops when applied to tensors (`np.floor(t)`, `t % 2`)."""
    import numpy as np

    one = {np.log2: "log2", np.log10: "log10", np.log1p: "log1p", np.exp2: "exp2", np.expm1: "expm1",
           np.tan: "tan", np.arcsin: "asin", np.arccos: "acos", np.arctan: "atan", np.sinh: "sinh",
           np.cosh: "cosh", np.arcsinh: "asinh", np.arccosh: "acosh", np.arctanh: "atanh",
           np.sign: "sign", np.floor: "floor", np.ceil: "ceil", np.trunc: "trunc", np.rint: "round"}
    out: dict[Any, Callable[..., Any]] = {u: _method(n) for u, n in one.items()}
    out.update({np.arctan2: atan2, np.logaddexp: logaddexp, np.remainder: remainder, np.fmod: fmod,
                np.floor_divide: floor_divide, np.copysign: copysign})
    return out


def _method(name: str) -> Callable[..., Any]:
    return lambda a: getattr(a, name)()


class EverydayMixin(
    MathMixin, IndexingMixin, ShapingMixin, EinsumMixin, ScanMixin, SortingMixin, CreationMixin
):
    """Tensor methods of the everyday op set."""

    __slots__ = ()


__all__ = [
    "arctan2",
    "argsort",
    "atan2",
    "chunk",
    "clone",
    "copysign",
    "cummax",
    "cummin",
    "cumprod",
    "cumsum",
    "diag",
    "diagonal",
    "einsum",
    "flatten",
    "flip",
    "floor_divide",
    "fmod",
    "full_like",
    "gather",
    "index_select",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "lerp",
    "linspace",
    "logaddexp",
    "logcumsumexp",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "masked_fill",
    "masked_select",
    "meshgrid",
    "movedim",
    "nonzero",
    "norm",
    "normalize",
    "one_hot",
    "outer",
    "pad",
    "prod",
    "remainder",
    "repeat_interleave",
    "roll",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "sort",
    "std_mean",
    "take_along_axis",
    "tensordot",
    "tile",
    "topk",
    "trace",
    "tril",
    "triu",
    "unflatten",
    "unfold",
    "var_mean",
]
