"""Tracing: run a step once, eagerly, and write down everything it did to tensors.

While a `Tracer` is active (one thread, for the length of one call of the user's function),
a few entry points of the library are swapped for recording versions and restored afterwards:

- `Function.apply`: every op, with its inputs, keyword arguments and output (`OpStep`);
- `Tensor.backward`: where the chain rule runs, and for which output (`BackwardStep`);
- `Tensor._inplace` under no_grad: `w -= lr * w.grad` (`InplaceStep`);
- the Tensor methods that make arrays without an op (comparisons, `any`, `astype`, `detach`)
  (`ArrayStep`);
- methods marked `opaque` (optimizers) and functions marked `fresh` (random draws) (`CallStep`);
- and the methods that would turn a traced value into a Python value (`.item()`, `bool()`,
  `float()`, `.numpy()`, ...), which are refused: the compiled code could not follow them.

Ops called from inside another recorded call (a custom op's forward, an optimizer's step) are
not recorded separately: `depth` counts how deep we are.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import AutogradError
from ..function import Function
from ..tensor import Tensor
from ..tracing import ACTIVE


class CompileError(AutogradError):
    """ag.compile cannot turn this step into code (the message says which line and why)."""


@dataclass
class OpStep:
    cls: type[Function]
    args: tuple[Any, ...]  # Tensors and constants, as given to apply
    kwargs: dict[str, Any]
    out: Tensor
    ctx: Any  # the eager node (None when not recorded): shapes and flags for the code


@dataclass
class ArrayStep:
    """out = t.method(*args, **kwargs): a Tensor method that computes values without an op."""

    method: str  # a key of ARRAY_METHODS
    args: tuple[Any, ...]  # the tensor first
    kwargs: dict[str, Any]
    out: Tensor


@dataclass
class InplaceStep:
    target: Tensor
    ufunc: Any
    other: Any


@dataclass
class BackwardStep:
    root: Tensor
    gradient: Any
    grads: dict[int, Tensor] = field(default_factory=dict)  # id(leaf) -> its .grad just after


@dataclass
class CallStep:
    """An opaque method call (obj.method(*args)) or a fresh draw (out = fn(*args))."""

    fn: Any
    obj: Any
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    out: Any  # the result (a Tensor or an array for fresh draws; ignored for opaque calls)
    fresh: bool


@dataclass
class GradStep:
    """t.grad = value (None: the gradient is forgotten) in the user's code."""

    tensor: Tensor
    value: Any


Step = OpStep | ArrayStep | InplaceStep | BackwardStep | CallStep | GradStep

_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # autograd/
# Where the library's own code lives (autograd/ and nn/): every other frame is the user's.
LIBRARY = (_HERE, os.path.join(os.path.dirname(_HERE), "nn"))
# Reads that are not noted: the compiler's own, and the ops' (their composites read values
# only to check shapes and dtypes; what they compute from values is in traced ops).
_UNREAD = (os.path.dirname(os.path.abspath(__file__)), os.path.join(_HERE, "ops"))


def user_line() -> str:
    """'train.py:12, in step: loss.item()': the innermost frame of the user's own code."""
    for frame in reversed(traceback.extract_stack()):
        path = os.path.abspath(frame.filename)
        if not path.startswith(LIBRARY):
            code = f": {frame.line.strip()}" if frame.line else ""
            return f"{frame.filename}:{frame.lineno}, in {frame.name}{code}"
    return "(unknown line)"


_REFUSED = {
    "item": "t.item() turns a traced value into a Python number",
    "__bool__": "`if t:` or bool(t) branches on a traced value (data-dependent control flow)",
    "__float__": "float(t) turns a traced value into a Python number",
    "__int__": "int(t) turns a traced value into a Python number",
    "__index__": "using a tensor as an index turns a traced value into a Python number",
    "numpy": "t.numpy() hands out the traced values as an array",
    "tolist": "t.tolist() turns traced values into Python numbers",
    "__array__": "converting a tensor to a numpy array (np.asarray(t)) reads its traced values",
    "register_hook": "hooks run Python code on gradients, which compiled code cannot follow",
    "retain_grad": "retain_grad() keeps an intermediate gradient, which compiled code does not",
    "__setitem__": "item assignment (t[i] = v) changes a tensor in place",
}

_FIX = (
    "ag.compile runs the step as generated numpy code, so this value would be baked into the "
    "code as it was while tracing, and be wrong on the next call. Return the tensor from the "
    "step and convert it outside (loss = step(x, y); loss.item()), or call the function "
    "without ag.compile."
)


class Tracer:
    """Records one call of the user's function (see the module doc)."""

    def __init__(self, inputs: tuple[Any, ...] = ()) -> None:
        # ids of the values that change from call to call: the inputs and what steps make.
        self.dynamic: set[int] = {id(a) for a in inputs}
        self.dynamic.update(id(a.data) for a in inputs if isinstance(a, Tensor))
        self.steps: list[Step] = []
        self._depth = 0
        self._thread = threading.get_ident()
        self.keep: list[Any] = []  # every object a step refers to stays alive until codegen
        self._saved: list[tuple[Any, str, Any]] = []
        self.made: set[int] = set()  # ids of tensors made by traced steps (not captured)
        self.masks: list[np.ndarray] = []  # bool and integer arrays the steps computed
        # Where the step (or the library for it) read a traced tensor's values outside an op:
        # id(tensor) -> (the user's line, read by the user's own code?). Tensors it then builds
        # from arrays may hold values derived from them, which the code cannot recompute (see
        # Codegen.capture).
        self.reads: dict[int, tuple[str, bool]] = {}
        # Tensors the step built from arrays with Tensor(...): id -> (tensor, ids read before, data).
        self.created: dict[int, tuple[Tensor, frozenset[int], Any]] = {}
        self.data_slot = Tensor.__dict__["data"]

    @property
    def depth(self) -> int:
        """How deep inside recorded calls we are (0: record). The swapped entry points are the
        class's for every thread; only the tracing thread records, others pass through."""
        return self._depth if threading.get_ident() == self._thread else 1

    @depth.setter
    def depth(self, value: int) -> None:
        self._depth = value

    # -- the swapped entry points ------------------------------------------------------------
    def __enter__(self) -> Tracer:
        if ACTIVE.tracer is not None:
            raise CompileError("ag.compile: a compiled step called another one while it was being traced")
        ACTIVE.tracer = self
        try:
            self._patch()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _patch(self) -> None:
        tracer = self
        apply = Function.__dict__["apply"].__func__

        def traced_apply(cls: type[Function], *args: Any, **kwargs: Any) -> Tensor:
            if tracer.depth:
                return apply(cls, *args, **kwargs)
            tracer.depth += 1
            try:
                out = apply(cls, *args, **kwargs)
            finally:
                tracer.depth -= 1
            tracer.check_arrays(cls, kwargs)
            tracer.record(OpStep(cls, args, dict(kwargs), out, out._ctx))
            return out

        backward = Tensor.backward

        def traced_backward(
            t: Tensor, gradient: Any = None, retain_graph: bool = False, create_graph: bool = False
        ) -> None:
            if tracer.depth:
                return backward(t, gradient, retain_graph, create_graph)
            if create_graph:
                tracer.refuse("backward(create_graph=True) records a graph of the backward pass")
            tracer.depth += 1
            try:
                backward(t, gradient, retain_graph, create_graph)
            finally:
                tracer.depth -= 1
            leaves = [a for s in tracer.steps if isinstance(s, OpStep) for a in s.args]
            grads = {id(a): a.grad for a in (*leaves, t) if isinstance(a, Tensor) and a.grad is not None}
            tracer.record(BackwardStep(t, gradient, grads))
            tracer.keep.append(list(grads.values()))
            return None

        inplace = Tensor._inplace

        def traced_inplace(t: Tensor, other: Any, ufunc: Any, symbol: str, out_of_place: Any) -> Tensor:
            if tracer.depth:
                return inplace(t, other, ufunc, symbol, out_of_place)
            before = len(tracer.steps)
            result = inplace(t, other, ufunc, symbol, out_of_place)
            if result is t and len(tracer.steps) == before:  # really in place (under no_grad)
                tracer.record(InplaceStep(t, ufunc, other))
            return result

        init = Tensor.__init__

        def traced_init(t: Tensor, data: Any, *args: Any, **kwargs: Any) -> None:
            if tracer.depth:
                return init(t, data, *args, **kwargs)
            tracer.quiet(init, t, data, *args, **kwargs)
            if isinstance(data, (np.ndarray, Tensor)) and id(data) not in tracer.dynamic:
                tracer.created[id(t)] = (t, frozenset(tracer.reads), data)
            if id(data) in tracer.dynamic:  # ag.tensor(x) of an input
                dtype = kwargs.get("dtype", args[1] if len(args) > 1 else None)
                tracer.record(ArrayStep("tensor", (data, dtype), {}, t))

        slot = Tensor.__dict__["grad"]

        def set_grad(t: Tensor, value: Any) -> None:
            slot.__set__(t, value)
            if not tracer.depth and id(t) not in tracer.created and id(t) not in tracer.made:
                tracer.record(GradStep(t, value))

        data_slot = Tensor.__dict__["data"]

        def get_data(t: Tensor) -> Any:
            # A traced tensor's values read outside an op: note where (see `reads`).
            if not tracer.depth and id(t) in tracer.dynamic and not tracer.reads.get(id(t), ("", False))[1]:
                caller = sys._getframe(1).f_code.co_filename
                if not caller.startswith(_UNREAD):
                    tracer.reads[id(t)] = (user_line(), not caller.startswith(LIBRARY))
            return data_slot.__get__(t)

        def meta(fn: Callable[[np.ndarray], Any]) -> property:
            return property(lambda t: fn(data_slot.__get__(t)))

        self._swap(Function, "apply", classmethod(traced_apply))
        self._swap(Tensor, "__init__", traced_init)
        self._swap(Tensor, "data", property(get_data, data_slot.__set__))
        # Shapes and dtypes are known while tracing: reading them is no taint.
        self._swap(Tensor, "shape", meta(lambda d: d.shape))
        self._swap(Tensor, "ndim", meta(lambda d: d.ndim))
        self._swap(Tensor, "dtype", meta(lambda d: d.dtype))
        self._swap(Tensor, "size", meta(lambda d: d.size))
        self._swap(Tensor, "__len__", lambda t: len(data_slot.__get__(t)))
        self._swap(Tensor, "__repr__", lambda t, r=Tensor.__repr__: tracer.quiet(r, t))
        self._swap(Tensor, "grad", property(slot.__get__, set_grad))
        self._swap(Tensor, "backward", traced_backward)
        self._swap(Tensor, "_inplace", traced_inplace)
        for name in ARRAY_METHODS.keys() - {"tensor"}:
            self._swap(Tensor, name, self._array_method(name, getattr(Tensor, name)))
        for name, why in _REFUSED.items():
            self._swap(Tensor, name, self._refusing(getattr(Tensor, name), why))

    def __exit__(self, *exc: Any) -> None:
        for owner, name, value in reversed(self._saved):
            if value is _INHERITED:  # the method came from a base class (a mixin): drop ours
                delattr(owner, name)
            else:
                setattr(owner, name, value)
        self._saved.clear()
        ACTIVE.tracer = None

    def _swap(self, owner: Any, name: str, value: Any) -> None:
        self._saved.append((owner, name, owner.__dict__.get(name, _INHERITED)))
        setattr(owner, name, value)

    def _array_method(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        tracer = self

        def traced(t: Tensor, *args: Any, **kwargs: Any) -> Any:
            if tracer.depth:
                return method(t, *args, **kwargs)
            out = tracer.quiet(method, t, *args, **kwargs)
            if isinstance(out, Tensor):
                tracer.record(ArrayStep(name, (t, *args), dict(kwargs), out))
            return out

        return traced

    def _refusing(self, method: Callable[..., Any], why: str) -> Callable[..., Any]:
        tracer = self

        def refused(t: Tensor, *args: Any, **kwargs: Any) -> Any:
            if tracer.depth:
                return method(t, *args, **kwargs)
            tracer.refuse(why)

        return refused

    # -- recording ---------------------------------------------------------------------------
    def record(self, step: Step) -> None:
        self.steps.append(step)
        self.keep.append(step)
        out = getattr(step, "out", None)
        if out is not None:
            self.made.add(id(out))
            self.dynamic.add(id(out))
            if isinstance(out, Tensor):
                data = self.data_slot.__get__(out)
                self.dynamic.add(id(data))
                if data.dtype.kind in "biu":  # a mask or indices the step computed
                    self.masks.append(data)

    def check_arrays(self, cls: type[Function], kwargs: dict[str, Any]) -> None:
        """Refuse an op whose keyword arguments hold a copy of a mask or of indices the step
        computed (`x[x > 0]`, `where(x > 0, ...)` made a copy of `x > 0`): the code would keep
        this call's copy as a constant. The computed arrays themselves are recognised by
        identity and become the code's variables."""
        stack: list[Any] = list(kwargs.values())
        while stack:
            v = stack.pop()
            if isinstance(v, (tuple, list)):
                stack.extend(v)
                continue
            maybe_copy = (  # an index value the code does not compute itself
                isinstance(v, (np.ndarray, int, np.integer))
                and not isinstance(v, bool)
                and id(v) not in self.dynamic  # the computed array itself: the code's variable
            )
            if maybe_copy and any(m.shape == np.shape(v) and np.array_equal(m, v) for m in self.masks):
                self.refuse(
                    f"{cls.__name__.lower()} was given a copy of a mask or of indices computed "
                    "from traced values (a data-dependent index); the compiled code would keep "
                    "this call's values. Multiply by the mask instead (x * (x > 0)), or run this "
                    "step without ag.compile"
                )

    def quiet(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """fn(*args) with nothing recorded (library code that reads values legitimately)."""
        self.depth += 1
        try:
            return fn(*args, **kwargs)
        finally:
            self.depth -= 1

    def refuse(self, why: str) -> None:
        raise CompileError(f"ag.compile: {why}, at {user_line()}.\n{_FIX}")

    def opaque_call(self, wrapper: Any, obj: Any, args: Any, kwargs: Any, method: Any) -> Any:
        self.depth += 1
        try:
            result = method(obj, *args, **kwargs)
        finally:
            self.depth -= 1
        self.record(CallStep(method, obj, args, kwargs, None, fresh=False))
        return result

    def fresh_call(self, wrapper: Any, fn: Any, args: Any, kwargs: Any) -> Any:
        self.depth += 1
        try:
            result = fn(*args, **kwargs)
        finally:
            self.depth -= 1
        if not isinstance(result, (Tensor, np.ndarray)):
            kind = type(result).__name__
            raise CompileError(f"ag.compile: {fn.__name__} is marked fresh but returned a {kind}")
        self.record(CallStep(fn, None, args, kwargs, result, fresh=True))
        return result


_INHERITED = object()  # _swap: the owner had no method of its own under that name


def _arg(fn: str, t: str, axis: str = "None", keepdims: str = "False", dim: str | None = None,
         keepdim: str | None = None) -> str:
    """argmax/argmin as numpy, with numpy's or PyTorch's argument names."""
    axis, keepdims = axis if dim is None else dim, keepdims if keepdim is None else keepdim
    return f"np.{fn}({t}, {axis}, keepdims={keepdims})"


# Tensor methods that make a new tensor from values without an op (and so without a gradient):
# how each is written as numpy, given the code of its operands.
ARRAY_METHODS: dict[str, Callable[..., str]] = {
    "__lt__": lambda t, o: f"np.less({t}, {o})",
    "__le__": lambda t, o: f"np.less_equal({t}, {o})",
    "__gt__": lambda t, o: f"np.greater({t}, {o})",
    "__ge__": lambda t, o: f"np.greater_equal({t}, {o})",
    "__eq__": lambda t, o: f"np.equal({t}, {o})",
    "__ne__": lambda t, o: f"np.not_equal({t}, {o})",
    "any": lambda t, axis="None", keepdims="False", out="None": f"np.any({t}, {axis}, keepdims={keepdims})",
    "all": lambda t, axis="None", keepdims="False", out="None": f"np.all({t}, {axis}, keepdims={keepdims})",
    "__and__": lambda t, o: f"np.bitwise_and({t}, {o})",
    "__rand__": lambda t, o: f"np.bitwise_and({o}, {t})",
    "__or__": lambda t, o: f"np.bitwise_or({t}, {o})",
    "__ror__": lambda t, o: f"np.bitwise_or({o}, {t})",
    "__xor__": lambda t, o: f"np.bitwise_xor({t}, {o})",
    "__rxor__": lambda t, o: f"np.bitwise_xor({o}, {t})",
    "__invert__": lambda t: f"np.invert({t})",
    "argmax": lambda t, *a, **k: _arg("argmax", t, *a, **k),
    "argmin": lambda t, *a, **k: _arg("argmin", t, *a, **k),
    "astype": lambda t, dtype: f"{t}.astype({dtype})",
    "detach": lambda t: t,
    "tensor": lambda data, dtype: f"rt.to_array({data}, {dtype})",
}
