"""The everyday op set beyond the core: math, scans, indexing, sorting, einsum, creation.

`EverydayMixin` gathers the Tensor methods of these modules (Tensor inherits it), and
`__all__` the functions `autograd` exports (`ag.einsum`, `ag.cumsum`, `ag.atan2`, ...).
"""

from __future__ import annotations

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
