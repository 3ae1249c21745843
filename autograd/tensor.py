"""`Tensor`: a numpy array that remembers how it was computed.

A tensor holds its values in `.data` (a numpy array). When it is the result of an op on tensors
that require gradients, it also holds that op's node (`_ctx`), which keeps the op's inputs: the
edges of the computation graph. `backward()` walks these edges in reverse.

The ops themselves live in `autograd/ops/`; each ops file ends with a small mixin of Tensor
methods, which this class inherits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import clock, dlpack, engine, function, notebook
from .dtypes import get_default_dtype
from .errors import AutogradError
from .grad_mode import STATE
from .ops.activation import ActivationMixin
from .ops.binary import BinaryMixin, lift, maximum, minimum
from .ops.elementwise import ElementwiseMixin
from .ops.everyday import EverydayMixin, everyday_ufuncs
from .ops.linalg import LinalgMixin
from .ops.movement import MovementMixin
from .ops.reduce import ReduceMixin, _numpy_args, normalize_axis
from .ops.softmax import SoftmaxMixin
from .random import resolve
from .tracing import fresh

_RETAIN = object()  # marks retain_grad() in a tensor's hook list


def to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Convert `data` to a numpy array (a copy), applying the default float dtype.

    Python floats (and lists of them) get the default dtype (float64 unless changed); numpy
    arrays keep theirs; `dtype` overrides both.
    """
    if isinstance(data, Tensor):
        data = data.data
    elif isinstance(data, (list, tuple)) and STATE.enabled:
        _refuse_graph_cut(data)
    from_python = not isinstance(data, (np.ndarray, np.generic))
    try:
        arr = np.array(data, dtype=dtype)
    except (ValueError, TypeError) as e:
        raise TypeError(f"Tensor: cannot build a tensor from {type(data).__name__}: {e}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"Tensor: unsupported dtype {arr.dtype}; tensors hold bool, integer or float values"
        )
    if dtype is None and from_python and arr.dtype.kind == "f":
        arr = arr.astype(get_default_dtype(), copy=False)
    return arr


def _refuse_graph_cut(items: list[Any] | tuple[Any, ...]) -> None:
    """tensor([a * 2, a * 3]) would keep the values and silently drop the graph: refuse it."""
    stack = [items]
    while stack:  # nested lists, without recursion
        for x in stack.pop():
            if isinstance(x, (list, tuple)):
                stack.append(x)
            elif isinstance(x, Tensor) and x.requires_grad:
                raise AutogradError(
                    "tensor(): an item is a tensor that requires grad; building a new tensor from "
                    "its values would silently cut the graph. Use ag.stack([...]) (or "
                    "ag.concatenate) to keep the gradient, or detach the items to copy values."
                )


class Tensor(
    ElementwiseMixin, BinaryMixin, ReduceMixin, MovementMixin, LinalgMixin, SoftmaxMixin, ActivationMixin,
    EverydayMixin,
):
    """An n-dimensional array that records the ops applied to it.

    >>> import autograd as ag
    >>> x = ag.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])

    Writing into `.data` directly changes the values without the graph knowing (as in
    PyTorch): gradients computed afterwards through an op that had saved the old values
    are then wrong. In-place operators (`+=`, ...) are tracked instead; see `__iadd__`.
    """

    __slots__ = (
        "__weakref__",
        "_ctx",
        "_hooks",
        "_seq",
        "_version",
        "data",
        "grad",
        "name",
        "requires_grad",
    )


    data: np.ndarray
    grad: Tensor | None
    requires_grad: bool
    _ctx: function.Function | None
    name: str | None

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        self.data = to_array(data, dtype)
        self.grad = None
        self.requires_grad = False
        self._ctx = None
        self.name = name
        self._seq = clock.tick()
        self._version: list[int] | None = None
        self._hooks: list[Any] | None = None
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(data: Any, ctx: function.Function | None) -> Tensor:
        """A new tensor holding an op's output array; `ctx` is the op's node (None: not
        recorded). The one way ops make their outputs: no conversion, no checks."""
        t = _new(Tensor)
        if type(data) is not _ndarray:
            data = np.asarray(data)
        t.data = data
        t.grad = None
        t.requires_grad = ctx is not None
        t._ctx = ctx
        t.name = None
        t._seq = _tick()
        t._version = None
        t._hooks = None
        return t

    # -- attributes --------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each axis, as numpy's."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype[Any]:
        """The numpy dtype of the values (gradients have the same)."""
        return self.data.dtype

    @property
    def size(self) -> int:
        """The number of elements."""
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        """True for tensors not made by a recorded op (inputs, parameters, constants)."""
        return self._ctx is None

    @property
    def grad_fn(self) -> function.Function | None:
        """The op node that made this tensor (None for leaves)."""
        return self._ctx

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        """The sub-tensors along the first axis (x[0], x[1], ...), each in the graph.

        Without this, Python would iterate through `__getitem__` until an IndexError, and a
        0-d tensor would silently iterate as empty; it is a TypeError (as in PyTorch).
        """
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(
                f"item: only one-element tensors can be converted to a Python number, "
                f"this one has shape {self.shape}"
            )
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The values as a numpy array (the same memory as `.data`)."""
        return self.data

    def tolist(self) -> Any:
        """The values as (nested) Python lists of numbers."""
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """numpy ufuncs on tensors: the differentiable ones run as our ops, so
        `np.exp(t)` and `ndarray * t` are Tensors in the graph; others (np.isnan, np.cbrt)
        run on the values and return arrays, as numpy functions on array-likes do.

        A ufunc with no gradient here is refused (TypeError) when it would silently cut a
        recorded graph: a float result from tensors that require grad while recording.
        Writing into a tensor with `out=` is an in-place change, tracked like `+=`.
        """
        op = _UFUNC_OPS.get(ufunc) if method == "__call__" and not kwargs else None
        if op is not None:
            return op(*inputs)
        outs = [o for o in kwargs.get("out", ()) if isinstance(o, Tensor)]
        tracked = [x for x in (*inputs, *outs) if isinstance(x, Tensor) and x.requires_grad]
        if outs and tracked and STATE.enabled:
            raise AutogradError(
                f"np.{ufunc.__name__}(..., out=tensor): an in-place change of a tensor in a "
                "recorded graph; do it inside `with ag.no_grad():` or use tensor operations"
            )
        arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(o.data if isinstance(o, Tensor) else o for o in kwargs["out"])
        result = getattr(ufunc, method)(*arrays, **kwargs)
        for o in outs:
            o._shared_version()[0] = clock.mutation()
        if not outs and tracked and STATE.enabled and np.asarray(result).dtype.kind == "f":
            raise TypeError(
                f"np.{ufunc.__name__} has no gradient in this library, so applying it to a "
                "tensor that requires grad would silently cut the graph. Write it with tensor "
                "operations (see docs/reference.md), or apply it to t.detach() or under "
                "ag.no_grad() if no gradient is wanted."
            )
        return result

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """numpy functions that are not ufuncs (np.concatenate, np.where, np.clip, np.sort, ...)
        run on the values, as numpy's do on array-likes; those that turn to a tensor's method
        (np.sum(t), np.mean(t), np.transpose(t)) keep doing so and stay in the graph.

        A float array made from tensors that require grad while recording is refused (as
        PyTorch refuses to hand such a tensor to numpy): it would silently cut the graph.
        """
        result = func._implementation(*args, **kwargs)
        if STATE.enabled and _cuts_graph(result) and _any_tracked(args, kwargs):
            raise TypeError(
                f"np.{func.__name__} has no gradient in this library: applied to a tensor that "
                "requires grad it returns a numpy array and silently cuts the graph. Use the "
                "tensor operations (ag.concatenate, ag.stack, ag.where, x.clip, x.reshape, "
                "x.sort, ...; see docs/reference.md), or apply it to t.detach() or under "
                "ag.no_grad() if no gradient is wanted."
            )
        return result

    # DLPack exchange (torch, JAX, CuPy) and the notebook card live in their own modules.
    __dlpack__ = dlpack.dlpack
    __dlpack_device__ = dlpack.dlpack_device
    _repr_html_ = notebook.repr_html

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements (shape {self.shape}) "
                "is ambiguous; use .any() or .all()"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only a one-element integer tensor can be used as an index")
        return int(self.data.item())

    def __pos__(self) -> Tensor:
        return self

    __hash__ = object.__hash__  # identity: tensors are dict keys in the engine

    def any(self, axis: Any = None, keepdims: bool = False, out: Any = None, **torch_args: Any) -> Tensor:
        """Whether any element is true (along `axis`, or `dim`): a bool tensor, usable in `if`."""
        return _any_all("any", np.any, self, axis, keepdims, out, torch_args)

    def all(self, axis: Any = None, keepdims: bool = False, out: Any = None, **torch_args: Any) -> Tensor:
        """Whether all elements are true (along `axis`, or `dim`): a bool tensor, usable in `if`."""
        return _any_all("all", np.all, self, axis, keepdims, out, torch_args)

    def astype(self, dtype: Any) -> Tensor:
        """A copy with another dtype (a plain tensor: converting is not differentiated)."""
        return Tensor(self.data.astype(dtype))

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(", threshold=200)
        extra = []
        if self.data.dtype != np.float64 and self.data.dtype.kind == "f":
            extra.append(f"dtype={self.data.dtype}")
        if self.name:
            extra.append(f"name={self.name!r}")
        if self._ctx is not None:
            extra.append(f"grad_fn=<{self._ctx.label()}>")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extra) + ")"

    # -- graph -------------------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set whether this (leaf) tensor collects a gradient; returns self."""
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"requires_grad=True needs a floating dtype, but this tensor has dtype "
                f"{self.data.dtype} (only float tensors have gradients; convert with "
                ".astype(np.float64) or build it from floats)"
            )
        if not requires_grad and self._ctx is not None:
            raise AutogradError(
                "requires_grad_(False) on a tensor made by an op; use .detach() instead"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """The same values (shared memory), cut from the graph: no history, no gradient."""
        t = Tensor._make(self.data, None)
        t._version = self._shared_version()  # in-place changes through either are seen
        return t

    def retain_grad(self) -> Tensor:
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it)."""
        if self._ctx is None:
            return self
        hooks = self._hooks if self._hooks is not None else []
        if _RETAIN not in hooks:
            hooks.append(_RETAIN)
        self._hooks = hooks
        return self

    @property
    def retains_grad(self) -> bool:
        """True when `retain_grad()` was called on this non-leaf tensor."""
        return self._hooks is not None and _RETAIN in self._hooks

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Callable[[], None]:
        """Call `hook(grad)` when this tensor's gradient is computed; a returned Tensor
        replaces the gradient. Returns a function that removes the hook."""
        if not self.requires_grad:
            raise AutogradError("register_hook: the tensor does not require grad")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        hooks = self._hooks

        def remove() -> None:
            if hook in hooks:
                hooks.remove(hook)

        return remove

    def _run_hooks(self, g: Any, create_graph: bool) -> Any:
        """The gradient after every hook (the engine handles `retain_grad`)."""
        hooks = list(self._hooks or ())
        for hook in hooks:
            if hook is _RETAIN:
                continue
            gt = g if isinstance(g, Tensor) else Tensor._make(g, None)
            r = hook(gt)
            if r is not None:
                r = r if isinstance(r, Tensor) else Tensor(r)
                if r.shape != self.shape:
                    raise AutogradError(
                        f"hook returned a gradient of shape {r.shape} for a tensor of shape "
                        f"{self.shape}"
                    )
                g = r if create_graph else r.data
        return g

    def _accumulate(self, g: Any, adopt: bool = False) -> None:
        """Add a finished gradient into `.grad` (a leaf's gradients sum over backward calls).

        `adopt`: the engine vouches that nothing else holds the array `g`, so the first
        gradient can be kept as it is instead of copied.
        """
        if isinstance(g, Tensor) and g._ctx is not None:  # create_graph: keep the graph
            self.grad = g if self.grad is None else self.grad + g
            return
        gd = g.data if isinstance(g, Tensor) else g
        if self.grad is None:
            if not (adopt and gd.dtype == self.data.dtype):
                gd = np.array(gd, dtype=self.data.dtype)  # the engine may share arrays
            self.grad = Tensor._make(gd, None)
        else:
            self.grad.data = self.grad.data + gd

    def _shared_version(self) -> list[int]:
        if self._version is None:
            self._version = [-1]
        return self._version

    def _modified_after(self, seq: int) -> bool:
        v = self._version
        return v is not None and v[0] > seq

    def backward(
        self, gradient: Any = None, retain_graph: bool = False, create_graph: bool = False
    ) -> None:
        """Compute d self / d leaf for every leaf that requires grad; add it to `leaf.grad`.

        A single-element output needs no `gradient`; otherwise pass one of the output's shape
        (the vector in a vector-Jacobian product). The graph's saved values are released
        afterwards unless `retain_graph=True`. With `create_graph=True` the backward pass is
        itself recorded, so the gradients can be differentiated again.
        """
        engine.backward(self, gradient, retain_graph, create_graph)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (`.grad = None`)."""
        self.grad = None

    # -- comparisons: bool tensors, no gradient ----------------------------------------------
    def _compare(self, other: Any, op: Callable[..., Any]) -> Tensor:
        o = other.data if isinstance(other, Tensor) else other
        try:
            return Tensor._make(np.asarray(op(self.data, o)), None)
        except ValueError:
            raise ValueError(
                f"{op.__name__}: shapes {self.shape} and {np.shape(o)} cannot be broadcast together"
            ) from None
        except TypeError:  # numpy's UFuncTypeError: `x == "a"`
            raise TypeError(
                f"{op.__name__}: cannot compare a tensor of dtype {self.dtype} with "
                f"{type(other).__name__} {other!r:.40}"
            ) from None

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)


    # -- in-place arithmetic ------------------------------------------------------------------
    def _inplace(self, other: Any, ufunc: Any, symbol: str, out_of_place: Callable[..., Tensor]) -> Tensor:
        other = lift(other)
        tracked = self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)
        if STATE.enabled and tracked:
            if self._ctx is None and self.requires_grad:
                raise AutogradError(
                    f"{symbol}: in-place update of a leaf tensor that requires grad"
                    f"{' (' + repr(self.name) + ')' if self.name else ''} while recording; "
                    "this would lose its history. Update weights inside `with ag.no_grad():`."
                )
            # A tensor inside a recorded graph: compute out of place; the name is rebound to
            # the new node, and the old tensor (which the graph may need) is left unchanged.
            return out_of_place(self, other)
        o = other.data if isinstance(other, Tensor) else other
        try:
            ufunc(self.data, o, out=self.data, casting="same_kind")
        except (TypeError, ValueError) as e:
            # Not type(e)(...): numpy's casting errors are subclasses with required arguments.
            raise (TypeError if isinstance(e, TypeError) else ValueError)(
                f"{symbol}: cannot update a tensor of shape {self.shape} and dtype {self.dtype} "
                f"in place with shape {np.shape(o)} and dtype {np.result_type(o)}: {e}"
            ) from None
        self._shared_version()[0] = clock.mutation()
        return self

    def __iadd__(self, other: Any) -> Tensor:
        """`x += y`: in place under no_grad (or without gradients); tracked otherwise.

        Under `no_grad()` the values change in place and the tensor's version counter goes up,
        so a graph that saved the old values refuses to backpropagate with the new ones.
        While recording, a tensor in a graph is rebound to a new node (x = x + y); a leaf that
        requires grad is an error.
        """
        return self._inplace(other, np.add, "+=", Tensor.__add__)

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace(other, np.subtract, "-=", Tensor.__sub__)

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace(other, np.multiply, "*=", Tensor.__mul__)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._inplace(other, np.true_divide, "/=", Tensor.__truediv__)

    def __setitem__(self, index: Any, value: Any) -> None:
        """`x[i] = v`: allowed on tensors outside a recorded graph (or under no_grad)."""
        if STATE.enabled and self.requires_grad:
            raise AutogradError(
                "item assignment on a tensor that requires grad while recording; build the new "
                "tensor with ag.where(...) or do the assignment under ag.no_grad()"
            )
        from .ops.movement import _clean_index

        v = value.data if isinstance(value, Tensor) else value
        self.data[_clean_index(index)] = v
        self._shared_version()[0] = clock.mutation()


def _cuts_graph(result: Any) -> bool:
    """A float numpy result (or a list/tuple holding one): values without the graph."""
    items = result if isinstance(result, (list, tuple)) else (result,)
    return any(
        isinstance(r, (np.ndarray, np.generic)) and not isinstance(r, Tensor) and r.dtype.kind == "f"
        for r in items
    )


def _any_tracked(args: Any, kwargs: Any) -> bool:
    """Whether a tensor that requires grad is among the arguments (or in a list of them)."""
    for a in (*args, *kwargs.values()):
        for x in a if isinstance(a, (list, tuple)) else (a,):
            if isinstance(x, Tensor) and x.requires_grad:
                return True
    return False


def _any_all(
    op: str, fn: Any, t: Tensor, axis: Any, keepdims: bool, out: Any, torch_args: dict[str, Any]
) -> Tensor:
    """any/all over `axis` (checked: an error naming the op and shape, not numpy's)."""
    if out is not None:
        raise TypeError(f"{op}: out= is not supported")
    if torch_args:
        axis, keepdims = _numpy_args(op, torch_args, axis, keepdims)
    axes = normalize_axis(op, axis, t.shape)
    return Tensor._make(np.asarray(fn(t.data, axis=axes, keepdims=keepdims)), None)


_tick = clock.tick
_ndarray = np.ndarray
_new = object.__new__




def _t(x: Any) -> Any:
    """A ufunc operand as our operators take it: numpy scalars become Python numbers (so
    `np.float32(2) * x` keeps x's float32; Python calls x's reflected operator), arrays Tensors."""
    return lift(x)


_UFUNC_OPS: dict[Any, Callable[..., Any]] = {
    np.square: lambda a: a * a,
    np.reciprocal: lambda a: 1 / a,
    np.positive: lambda a: a,
    np.add: lambda a, b: _t(a) + b,
    np.subtract: lambda a, b: _t(a) - b,
    np.multiply: lambda a, b: _t(a) * b,
    np.true_divide: lambda a, b: _t(a) / b,
    np.power: lambda a, b: _t(a) ** b,
    np.matmul: lambda a, b: _t(a) @ b,
    np.maximum: maximum,
    np.minimum: minimum,
    np.negative: lambda a: -a,
    np.exp: lambda a: a.exp(),
    np.log: lambda a: a.log(),
    np.sqrt: lambda a: a.sqrt(),
    np.absolute: lambda a: a.abs(),
    np.sin: lambda a: a.sin(),
    np.cos: lambda a: a.cos(),
    np.tanh: lambda a: a.tanh(),
    np.less: lambda a, b: _t(a) < b,
    np.less_equal: lambda a, b: _t(a) <= b,
    np.greater: lambda a, b: _t(a) > b,
    np.greater_equal: lambda a, b: _t(a) >= b,
    np.equal: lambda a, b: _t(a) == b,
    np.not_equal: lambda a, b: _t(a) != b,
}
_UFUNC_OPS.update(everyday_ufuncs())  # np.floor(t), np.arctan2(t, u), ...: the everyday ops


# -- constructors -----------------------------------------------------------------------------
def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None) -> Tensor:
    """Build a tensor from a number, a nested list, an array or a tensor (always a copy)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def _float(dtype: Any) -> Any:
    return get_default_dtype() if dtype is None else dtype


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: `zeros(2, 3)` or `zeros((2, 3))`."""
    return Tensor(np.zeros(_shape(shape), dtype=_float(dtype)), requires_grad=requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return Tensor(np.ones(_shape(shape), dtype=_float(dtype)), requires_grad=requires_grad)


def full(shape: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with `fill_value`."""
    if dtype is None and isinstance(fill_value, float):
        dtype = get_default_dtype()
    return Tensor(np.full(_shape((shape,)), fill_value, dtype=dtype), requires_grad=requires_grad)


def arange(*args: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values, as numpy.arange (floats get the default float dtype)."""
    a = np.arange(*args, dtype=dtype)
    if dtype is None and a.dtype.kind == "f":
        a = a.astype(get_default_dtype())
    return Tensor(a, requires_grad=requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix (n, m)."""
    return Tensor(np.eye(n, m, dtype=_float(dtype)), requires_grad=requires_grad)


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and dtype) of `t`."""
    a = t.data if isinstance(t, Tensor) else np.asarray(t)
    return Tensor(np.zeros_like(a, dtype=dtype), requires_grad=requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and dtype) of `t`."""
    a = t.data if isinstance(t, Tensor) else np.asarray(t)
    return Tensor(np.ones_like(a, dtype=dtype), requires_grad=requires_grad)


@fresh  # under ag.compile: drawn anew on every call
def rand(*shape: Any, rng: Any = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) values from `rng` (a Generator or int seed; default: `manual_seed`'s)."""
    a = resolve(rng).random(_shape(shape))
    return Tensor(a.astype(_float(dtype)), requires_grad=requires_grad)


@fresh  # under ag.compile: drawn anew on every call
def randn(*shape: Any, rng: Any = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal values from `rng` (a Generator or int seed; default: `manual_seed`'s)."""
    a = resolve(rng).standard_normal(_shape(shape))
    return Tensor(a.astype(_float(dtype)), requires_grad=requires_grad)


def _shape(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        out = tuple(int(n) for n in shape)
    except (TypeError, ValueError):
        raise TypeError(f"shape must be ints, got {shape!r}") from None
    if any(n < 0 for n in out):
        raise ValueError(f"shape must be non-negative, got {out}")
    return out
