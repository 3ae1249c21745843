"""The everyday op set beyond the core: math, scans, indexing, sorting, einsum, creation.

`EverydayMixin` gathers the Tensor methods of these modules (Tensor inherits it), and
`__all__` the functions `autograd` exports (`ag.einsum`, `ag.cumsum`, `ag.atan2`, ...).
"""

from __future__ import annotations

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


class EverydayMixin(MathMixin):
    """Tensor methods of the everyday op set."""

    __slots__ = ()


__all__ = [
    "arctan2",
    "atan2",
    "copysign",
    "floor_divide",
    "fmod",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "lerp",
    "logaddexp",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "norm",
    "normalize",
    "remainder",
    "std_mean",
    "var_mean",
]
