"""How the public functions of the op files take their arguments: any operand as a Tensor, and
numpy's keyword names (axis=, keepdims=) or PyTorch's (dim=, keepdim=)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import function
from .binary import lift

if TYPE_CHECKING:
    from ..tensor import Tensor


def as_tensor(x: Any) -> Tensor:
    """An operand as a Tensor: a Tensor as it is, numbers and arrays as constant tensors."""
    x = lift(x)
    return x if isinstance(x, function.Tensor) else function.Tensor(x)


def alias(op: str, value: Any, alias_value: Any, name: str, alias: str, default: Any) -> Any:
    """numpy's keyword (`value` of `name`=) or PyTorch's (`alias_value` of `alias`=), not both:
    a TypeError naming the op when both are given (`value` away from its `default`)."""
    if alias_value is None:
        return value
    if value is not default and value != default:
        raise TypeError(f"{op}: give {name}= or {alias}=, not both")
    return alias_value


def axis_or_dim(op: str, axis: Any, dim: Any) -> Any:
    """numpy's axis= or PyTorch's dim= (None: not given), not both."""
    return alias(op, axis, dim, "axis", "dim", None)
