"""autograd: a small, readable reverse-mode automatic differentiation engine on numpy.

>>> import autograd as ag
>>> x = ag.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
>>> w = ag.Tensor([0.5, -1.0], requires_grad=True)
>>> loss = (x @ w).sigmoid().log().sum()
>>> loss.backward()
>>> x.grad.shape, w.grad.shape
((2, 2), (2,))
"""

from __future__ import annotations

from typing import Any

# isort: off
# function first: it imports tensor.py at its end, which imports the ops (see function.py).
from .function import Function
from . import ops as ops

# isort: on
from . import onnx as onnx
from . import testing as testing
from .anomaly import detect_anomaly
from .compiler import CompileError, compile
from .dlpack import from_dlpack
from .dtypes import get_default_dtype, set_default_dtype
from .engine import grad
from .errors import AnomalyError, AutogradError
from .grad_mode import enable_grad, is_grad_enabled, no_grad, scope, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops import everyday as _everyday
from .ops.binary import maximum, minimum, where
from .ops.everyday import *  # noqa: F403 - the everyday op set: ag.einsum, ag.cumsum, ...
from .ops.linalg import linear
from .ops.movement import concatenate, index_add, stack
from .random import default_generator, manual_seed
from .registry import OPS, OpInfo, Sample
from .tensor import (
    Tensor,
    arange,
    eye,
    full,
    ones,
    ones_like,
    rand,
    randn,
    tensor,
    zeros,
    zeros_like,
)

__version__ = "0.1.0"

__all__ = [
    "OPS",
    "AnomalyError",
    "AutogradError",
    "CompileError",
    "Function",
    "GradcheckError",
    "OpInfo",
    "Sample",
    "Tensor",
    "arange",
    "compile",
    "concatenate",
    "default_generator",
    "detect_anomaly",
    "enable_grad",
    "eye",
    "from_dlpack",
    "full",
    "get_default_dtype",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "index_add",
    "is_grad_enabled",
    "linear",
    "manual_seed",
    "maximum",
    "minimum",
    "no_grad",
    "ones",
    "ones_like",
    "rand",
    "randn",
    "scope",
    "set_default_dtype",
    "set_grad_enabled",
    "stack",
    "tensor",
    "where",
    "zeros",
    "zeros_like",
]

# The pictures load on first use (they import graphviz): `import autograd` stays light.
_VIZ = (
    "draw", "draw_network", "explain", "explore", "print_graph", "render_text", "to_dot", "trace_backward",
)
__all__ += list(_VIZ)

__all__ += _everyday.__all__


def __getattr__(name: str) -> Any:
    if name in _VIZ:
        from . import viz

        return getattr(viz, name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
