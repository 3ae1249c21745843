"""DLPack: hand tensors to PyTorch, JAX or CuPy (and take theirs) without copying.

DLPack is the array-exchange protocol those libraries share: a producer exports its buffer as
a capsule (`__dlpack__`) and says where it lives (`__dlpack_device__`); a consumer wraps that
buffer. numpy implements both sides, so a `Tensor` forwards to its `.data` array:

>>> import numpy as np, autograd as ag
>>> t = ag.tensor([1.0, 2.0, 3.0])
>>> a = np.from_dlpack(t)          # or torch.from_dlpack(t), jax.dlpack.from_dlpack(t)
>>> a[0] = 10.0                    # the same memory: the write shows in t
>>> t
tensor([10.,  2.,  3.])
>>> u = ag.from_dlpack(a)          # and back: a tensor on the same memory
>>> bool(np.shares_memory(u.data, t.data))
True

Only CPU memory can be shared (this library computes with numpy on the CPU). What travels
is the values, not the graph: the consumer sees a plain array. Writes through the other
library are not seen by this library's version counters, exactly as writes into `.data`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor


def dlpack(
    self: Tensor,
    *,
    stream: Any = None,
    max_version: tuple[int, int] | None = None,
    dl_device: tuple[int, int] | None = None,
    copy: bool | None = None,
) -> Any:
    """`Tensor.__dlpack__`: export the values as a DLPack capsule (numpy's, on `.data`).

    The consumer shares this tensor's memory unless `copy=True` is asked for; `stream` must
    be None (there is no device stream on the CPU).
    """
    return self.data.__dlpack__(stream=stream, max_version=max_version, dl_device=dl_device, copy=copy)


def dlpack_device(self: Tensor) -> tuple[int, int]:
    """`Tensor.__dlpack_device__`: (device type, device id); always (1, 0), the CPU."""
    dev = self.data.__dlpack_device__()
    return (int(dev[0]), int(dev[1]))


def from_dlpack(x: Any, *, copy: bool | None = None) -> Tensor:
    """A tensor on the memory of `x`, any object with `__dlpack__` (a torch tensor, a JAX
    or CuPy array on the CPU, a numpy array, another Tensor).

    The memory is shared (no copy) when the producer allows it; `copy=True` always copies and
    `copy=False` refuses to copy. The result is a leaf without `requires_grad`; a producer
    that marks its buffer read-only (JAX does) gives a tensor whose in-place updates fail.
    """
    from .tensor import Tensor

    if not hasattr(x, "__dlpack__"):
        raise TypeError(
            f"from_dlpack: expected an object with __dlpack__ (a torch tensor, a JAX, CuPy or "
            f"numpy array, a Tensor), got {type(x).__name__}"
        )
    if isinstance(x, Tensor):
        x = x.data
    try:
        arr = np.from_dlpack(x, copy=copy)
    except (BufferError, RuntimeError, TypeError, ValueError) as e:
        where = ""
        dev = getattr(x, "__dlpack_device__", None)
        if dev is not None:
            try:
                kind = int(dev()[0])
                if kind != 1:
                    where = (
                        f" (the array lives on DLPack device type {kind}, not the CPU: move it "
                        "to the CPU first, e.g. t.cpu() in PyTorch)"
                    )
            except Exception:  # the producer's own error is reported below
                pass
        kinds = (BufferError, TypeError, ValueError, RuntimeError)
        kind_of_error = next(k for k in kinds if isinstance(e, k))
        raise kind_of_error(f"from_dlpack: cannot import a {type(x).__name__}{where}: {e}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"from_dlpack: unsupported dtype {arr.dtype}; tensors hold bool, integer or float values"
        )
    return Tensor._make(arr, None)
