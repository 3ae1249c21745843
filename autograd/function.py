"""`Function`: the contract every op follows, built-in or written by a user.

Reading order for a newcomer (about 200 lines): `autograd/tensor.py` (the `Tensor` class and
`Tensor._make`), then `Function.apply` below (how an op's output is made and recorded), one op
(`Mul` in `autograd/ops/binary.py`), then `autograd/engine.py` (`backward_step` and
`run_backward`). docs/how-it-works.md walks the same path.

An op is a subclass with two static methods side by side:

- ``forward(ctx, *inputs, **kwargs)`` computes the output and saves what backward needs with
  ``ctx.save_for_backward(...)`` (the built-in ops assign ``ctx.saved_tensors = (...)``
  directly, which is the same and saves a call) or as attributes of ``ctx``. A custom op gets
  the input Tensors themselves, as in PyTorch, and runs under ``no_grad``: Tensor methods
  (``x.exp()``) and numpy functions (``np.exp(x)``) both work, and it may return a Tensor or an
  array. The built-in ops (subclasses of `Op`) get the inputs' numpy arrays instead, which is
  the fastest path. Constants (Python numbers, keyword arguments) pass through as they are.
- ``backward(ctx, grad) -> grad or tuple of grads`` gets the gradient of the final output with
  respect to this op's output and returns one gradient per input (``None`` where there is none).
  Gradients have the *output's* shape for broadcasting ops: the engine sums them back to each
  input's shape, so no op contains broadcasting code.

Backward formulas are written with operators and the functions of `autograd.dual`, which take
numpy arrays and Tensors alike. Normally the engine feeds them arrays (nothing is recorded, which
is fast); under ``backward(create_graph=True)`` it feeds Tensors - the saved arrays are swapped for
the Tensors they came from - so the backward pass is itself recorded and can be differentiated
again.

``apply(*inputs, **kwargs)`` runs forward and, when grad mode is on and some input requires a
gradient, records the op as the output's node: the context object keeps the inputs (the graph's
edges), the saved values and the keyword arguments (shown in graph pictures).
"""

from __future__ import annotations

import inspect
import os
import re
import traceback
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .errors import AnomalyError
from .grad_mode import EXTRA, STATE

_DERIVATIVE = re.compile(r"\bd\w+/d\w+\s*[=:]\s*")


def derivatives(doc: str | None) -> tuple[str, ...]:
    """The local derivatives written in the first paragraph of an op's docstring, one per input.

    ``"z = x * y.  dz/dx = y, dz/dy = x."`` gives ``("y", "x")``: each ``d<out>/d<in> =``
    (or ``:``) starts a formula, which runs to the next one or to the end of the paragraph.
    """
    first = (doc or "").strip().split("\n\n", 1)[0]
    line = " ".join(part.strip() for part in first.splitlines())
    marks = list(_DERIVATIVE.finditer(line))
    ends = [m.start() for m in marks[1:]] + [len(line)] if marks else []
    return tuple(line[m.end() : e].strip().rstrip(",.;").strip() for m, e in zip(marks, ends, strict=True))


class Function:
    """Base class of every differentiable op; an instance is the op's node in the graph (`ctx`).

    Class attributes a subclass may set:

    - ``formulas``: the local derivative with respect to each input, as text
      (``("s*(1-s)",)`` for sigmoid). Graph pictures and `explain` print them. Normally it is
      not written out: it is read from the first line of the docstring, where each derivative
      is written once as ``d<out>/d<input> = <formula>`` (see `derivatives`).
    - ``is_view``: the output may share memory with the first input (reshape, transpose, ...),
      so both share one version counter and in-place changes through either are caught.

    - ``array_forward``: forward gets numpy arrays instead of Tensors (set by `Op`, the base
      of the built-in ops; a custom op may set it too, for speed).

    Example, a custom op::

        class Cube(ag.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * 3 * x ** 2

        y = Cube.apply(t)
    """

    formulas: ClassVar[tuple[str, ...]] = ()
    is_view: ClassVar[bool] = False
    array_forward: ClassVar[bool] = False
    # True for x[index], whose backward is "g added into zeros at index": the engine adds g
    # into x's pending gradient where it lands instead (engine._scatter).
    scatter_backward: ClassVar[bool] = False
    # Defaults, so that apply() stores them only when they differ. `saved_tensors` is what
    # forward saved (arrays; Tensors while backward records a graph), None once backward has
    # released it (engine._release). `kwargs` are the op's keyword arguments (for pictures).
    saved_tensors: Any = ()
    scope: tuple[str, ...] = ()
    kwargs: Mapping[str, Any] = MappingProxyType({})

    # Set by apply(): for each input, is a gradient wanted (a Tensor that requires grad)?
    needs_input_grad: tuple[bool, ...]
    # Set by apply() on recorded nodes.
    inputs: tuple[Any, ...]
    stack: list[traceback.FrameSummary] | None

    if TYPE_CHECKING:
        # Ops keep what backward needs as attributes of their node (ctx.mask, ctx.axis, ...).
        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "formulas" not in cls.__dict__:  # an explicit `formulas` wins
            derived = derivatives(cls.__doc__)
            if derived:
                cls.formulas = derived

    # -- the contract ------------------------------------------------------------------------
    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    # -- what forward and backward use -------------------------------------------------------
    def save_for_backward(self, *values: Any) -> None:
        """Keep arrays for backward; read them back as ``ctx.saved_tensors``."""
        self.saved_tensors = values

    @classmethod
    def op_name(cls) -> str:
        """The op's name as shown to users: the class name in lower case."""
        return cls.__name__.lower()

    def label(self) -> str:
        """'sum(axis=1)': the op name with its non-default keyword arguments."""
        kw = getattr(self, "kwargs", None)
        if not kw:
            return self.op_name()
        defaults = _defaults(type(self))
        shown = [
            f"{k}={_short(v)}"
            for k, v in kw.items()
            if not (k in defaults and _same(defaults[k], v))
        ]
        return f"{self.op_name()}({', '.join(shown)})" if shown else self.op_name()

    def __repr__(self) -> str:
        return f"<{self.label()} node>"

    # -- recording ---------------------------------------------------------------------------
    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run the op on `args` (Tensors or constants). When grad mode is on and some input
        requires a gradient, the node `ctx` becomes the output's `_ctx`: it keeps the inputs
        (the graph's edges), what forward saved, and the keyword arguments (for pictures)."""
        if not cls.array_forward:
            return _apply_custom(cls, args, kwargs)
        ctx = _new(cls)  # the node; no __init__ to run (this is the library's hottest path)
        arrays, needs = _unpack(args)
        ctx.needs_input_grad = needs
        data = cls.forward(ctx, *arrays, **kwargs) if kwargs else cls.forward(ctx, *arrays)
        if type(data) is not _ndarray:
            data = _as_array(ctx, data)
        record = STATE.record  # grad mode, read once: False, True or EXTRA
        if record and True in needs:
            ctx.inputs = args
            if kwargs:  # most ops have none: the class's empty default stands
                ctx.kwargs = kwargs
            out = _make(data, ctx)
            if record is EXTRA:  # a module scope is open, or anomaly mode is on
                _note(ctx, out)
        else:
            out = _make(data, None)
        if cls.is_view:
            _share_version(args[0], out)
        return out


class Op(Function):
    """Base of the built-in ops: `forward` gets the inputs' numpy arrays (the fast path)."""

    array_forward = True


def _unpack(args: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[bool, ...]]:
    """The values forward gets (a Tensor's array, a constant as it is) and, per input, whether
    it requires a gradient. Unrolled for one and two inputs, the common cases."""
    n = len(args)
    if n == 1:
        a = args[0]
        if isinstance(a, Tensor):
            return (a.data,), (_TRUE if a.requires_grad else _FALSE)
        return args, _FALSE
    if n == 2:
        a, b = args
        ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
        needs = _PAIRS[ta and a.requires_grad][tb and b.requires_grad]
        return (a.data if ta else a, b.data if tb else b), needs
    return (
        tuple(a.data if isinstance(a, Tensor) else a for a in args),
        tuple(isinstance(a, Tensor) and a.requires_grad for a in args),
    )


# The answers are shared tuples, indexed by requires_grad: in a long graph, one object fewer
# per node for CPython's garbage collector to walk (-3% per op on an 80,000-op chain).
_TRUE, _FALSE = (True,), (False,)
_PAIRS = (((False, False), (False, True)), ((True, False), (True, True)))


def _apply_custom(cls: type[Function], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Tensor:
    """apply() for a custom op: forward gets the input Tensors and runs under no_grad, as in
    PyTorch, so it may use Tensor methods as well as numpy functions."""
    ctx = _new(cls)
    ctx.needs_input_grad = needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    state = STATE
    record = True in needs and state.enabled
    prev, state.enabled = state.enabled, False
    try:
        result = cls.forward(ctx, *args, **kwargs)
    finally:
        state.enabled = prev
    if isinstance(result, (tuple, list)):
        raise TypeError(
            f"{cls.__name__}.forward returned a {type(result).__name__}: a Function has one "
            "output (a Tensor or an array); split a multi-output op into one Function per output"
        )
    data = result.data if isinstance(result, Tensor) else np.asarray(result)
    if not record:
        return _make(data, None)
    ctx.inputs = args
    ctx.kwargs = kwargs
    out: Tensor = _make(data, ctx)
    _note(ctx, out)
    return out


_new = object.__new__


def _note(ctx: Function, out: Tensor) -> None:
    """What a recorded node keeps beyond its edges: the open module scope (for pictures) and,
    under detect_anomaly(), where it was created (after checking its output)."""
    ctx.scope = STATE.scope
    if STATE.anomaly:
        _check_forward(ctx, out)


def _as_array(ctx: Function, data: Any) -> np.ndarray:
    """An op returned a numpy scalar (ufuncs do for 0-d inputs) or a list: make it an array,
    and save the array instead wherever the op saved the original, so that under
    create_graph the saved output is still recognised as the output."""
    arr = np.asarray(data)
    if ctx.saved_tensors:
        ctx.saved_tensors = tuple(arr if v is data else v for v in ctx.saved_tensors)
    return arr


def _share_version(base: Any, view: Tensor) -> None:
    """A view op's output shares the version counter of its input when (and only when) it
    shares its memory, so an in-place change through either is seen by both."""
    if isinstance(base, Tensor) and np.may_share_memory(view.data, base.data):
        view._version = base._shared_version()


_ndarray = np.ndarray


_DEFAULTS: dict[type, dict[str, Any]] = {}


def _defaults(cls: type) -> dict[str, Any]:
    """The keyword defaults of cls.forward (cached), to leave them out of labels."""
    d = _DEFAULTS.get(cls)
    if d is None:
        params = inspect.signature(cls.forward).parameters.values()  # type: ignore[attr-defined]
        d = {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}
        _DEFAULTS[cls] = d
    return d


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a is b or (type(a) is type(b) and a == b))
    except (ValueError, TypeError):
        return False


def _short(v: Any) -> str:
    if isinstance(v, np.ndarray):
        return f"<{v.dtype} array {v.shape}>"
    return repr(v)


def _check_forward(ctx: Function, out: Tensor) -> None:
    """detect_anomaly(): remember where the op was created; fail on a non-finite output."""
    ctx.stack = traceback.extract_stack()[:-2]
    if STATE.anomaly is _STACK_ONLY:
        return
    data = out.data
    if data.dtype.kind == "f" and not np.isfinite(data).all():
        raise AnomalyError(
            f"{ctx.label()}: the forward pass produced {_nonfinite(data)}.\n{created_at(ctx)}"
        )


def _nonfinite(data: Any) -> str:
    return "NaN" if np.isnan(data).any() else "inf"


# STATE.anomaly set to this (truthy) value: record where ops are created, without checking
# values (gradcheck uses it to point at the line that created a faulty op).
_STACK_ONLY = "stack-only"
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def user_frames(ctx: Function) -> list[traceback.FrameSummary]:
    """The frames of the user's code (outside this package) that created the op."""
    stack = getattr(ctx, "stack", None) or []
    return [f for f in stack if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR)]


def created_at(ctx: Function) -> str:
    """'The op was created at: <the user's frames>' for anomaly reports."""
    frames = user_frames(ctx)
    if not frames:
        return "(enable ag.detect_anomaly() before the forward pass to see where it was created)"
    lines = "".join(traceback.format_list(frames[-3:]))
    return f"The op was created at:\n{lines}"


# At the end: tensor.py imports the ops, which import this module, so Tensor can only be
# imported once the classes above exist (autograd/__init__.py imports this module first).
from .tensor import Tensor  # noqa: E402

_make = Tensor._make
_Tensor = Tensor  # the name op files used before this import existed
