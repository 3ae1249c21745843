"""`export`: trace a forward pass, translate each recorded op into ONNX nodes, write the file.

How it works:

1. The model (or function) runs once on copies of the example inputs, with gradients recorded
   (the inputs and the parameters require grad for the duration) and with the line of code that
   created each op remembered. A module is put in eval mode for the run (Dropout off), then
   back in the mode it was in.
2. The recorded graph is walked from the outputs back (a loop with an explicit stack: graphs
   may be deep), giving the ops in an order where every op comes after its inputs.
3. Each op is looked up in the registry by its class, and its translation (one entry of
   `TRANSLATIONS`, keyed by the registry's op name) adds ONNX nodes. Tensors that were not made
   by an op become initializers: a module's parameters under their dotted names
   (`layers.0.weight`), other constants as `const_N`.

Tensors and arrays that are not made by a recorded op are constants in the file. One computed
from the input values outside the recorded graph (through `.data`, numpy, comparisons, which
have no gradient, or an `if` on values) would be frozen at its traced value, so the export
refuses it: the model is traced a second time on the inputs' values shuffled, and any op whose
constants (or the sequence of ops) changed is an error naming the op and its line. A constant
that shares memory with an input is refused as well, and so is an input the graph never uses.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import function
from ..engine import walk
from ..errors import AutogradError
from ..function import _STACK_ONLY, Function
from ..grad_mode import STATE
from ..registry import OPS
from ..tensor import Tensor
from .translations import TRANSLATIONS, UnsupportedError

OPSET = 18  # ONNX opset written (opset 18: every Reduce* takes its axes as an input)
EXTRA_HINT = 'ONNX export needs the onnx package: pip install "seegrad[onnx]" (or pip install onnx)'


class ExportError(AutogradError):
    """The graph cannot be written as ONNX: an op without a translation, a bad argument, ..."""


def _require_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError(EXTRA_HINT) from None
    return onnx


def exportable() -> list[str]:
    """The names of the registered ops that export: those with an ONNX translation, and the
    composite ops (built from other ops, no `Function` of their own) whose pieces all have one.
    The composites are checked by tracing them on their first registry sample."""
    names = []
    for name, info in OPS.items():
        composite = info.function is None and bool(info.samples)
        if name in TRANSLATIONS or (composite and _pieces_translate(info)):
            names.append(name)
    return names


def _pieces_translate(info: Any) -> bool:
    """Whether one call of a composite op records only ops that have a translation, with
    nothing frozen from its input values (see `_check_nothing_frozen`)."""
    sample = info.samples[0]
    tensors = []
    for a in info.inputs(np.random.default_rng(0), sample):
        t = Tensor._make(np.array(a, copy=True), None)
        t.requires_grad = t.dtype.kind == "f"
        tensors.append(t)

    def call(*xs: Tensor) -> Any:
        return info.call(*xs, **sample.kwargs)

    try:
        outs = _trace(call, tensors, [])
        _check_nothing_frozen(call, tensors, [], outs)
    except ExportError:
        return False
    names = _op_names()
    order, _ = _topological(outs)
    return all(any(n in TRANSLATIONS for n in names.get(type(ctx), [])) for ctx in order)


@dataclass
class Node:
    """What a translation gets about one recorded op.

    - op: the registry name; ctx: the recorded node (its kwargs, and what forward stored on it).
    - inputs: the ONNX value name of each input of the op, in order.
    - shapes, dtypes: the shape and numpy dtype of each input (constants included).
    - out_shape, out_dtype: those of the op's output.
    """

    op: str
    ctx: Function
    inputs: list[str]
    shapes: list[tuple[int, ...]]
    dtypes: list[np.dtype[Any]]
    out_shape: tuple[int, ...]
    out_dtype: np.dtype[Any]

    @property
    def kwargs(self) -> dict[str, Any]:
        return getattr(self.ctx, "kwargs", None) or {}


class Builder:
    """Collects ONNX nodes and initializers; translations add nodes through it."""

    def __init__(self, onnx: Any) -> None:
        self.onnx = onnx
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.used: set[str] = set()  # value names
        self.node_names: set[str] = set()
        self.outputs: set[str] = set()  # the graph outputs named so far
        self.int_inputs: list[tuple[str, np.ndarray]] = []  # integer graph inputs (ids)
        self.prefix = ""  # "fc1/" while translating an op recorded inside module fc1
        self._count: dict[str, int] = {}

    def fresh(self, hint: str, used: set[str] | None = None) -> str:
        """A value name (or, with `used=b.node_names`, a node name) not used yet, from `hint`."""
        used = self.used if used is None else used
        hint = re.sub(r"[^A-Za-z0-9_./:-]", "_", hint) or "v"
        name = hint
        while name in used:
            k = self._count.get(hint, 0) + 1
            self._count[hint] = k
            name = f"{hint}_{k}"
        used.add(name)
        return name

    def add(self, op_type: str, inputs: Sequence[str], outputs: int = 1, **attrs: Any) -> Any:
        """Add a node; returns its output name (a list of names when `outputs` > 1). An empty
        string in `inputs` is ONNX's "optional input left out"."""
        outs = [self.fresh(f"{self.prefix}{op_type}_output") for _ in range(outputs)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        name = self.fresh(f"{self.prefix}{op_type}", self.node_names)
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), outs, name=name, **attrs))
        return outs[0] if outputs == 1 else outs

    def initializer(self, value: Any, name: str, exact: bool = False) -> str:
        """Add an initializer named exactly `name` (a parameter) or after it (a constant)."""
        arr = np.array(value, order="C", copy=None)  # not ascontiguousarray: it makes 0-d 1-d
        if arr.dtype.kind not in "biuf":
            raise ExportError(f"onnx.export: a constant of dtype {arr.dtype} cannot be written")
        unique = name if exact else self.fresh(name)
        self.initializers.append(self.onnx.numpy_helper.from_array(arr, unique))
        return unique

    def const(self, value: Any, dtype: Any = None) -> str:
        """A constant (an initializer named const_N)."""
        return self.initializer(np.asarray(value, dtype=dtype), "const")

    def index(self, value: Any) -> str:
        """An int64 index array: the graph input it equals, when it is an integer example
        input read through `.data` (an Embedding's ids), so that it follows new inputs;
        a constant otherwise."""
        arr = np.asarray(value)
        for name, example in self.int_inputs:
            if arr.shape == example.shape and arr.dtype.kind in "iu" and np.array_equal(arr, example):
                return self.cast(name, example.dtype, np.int64)
        return self.const(arr.astype(np.int64))

    def ints(self, values: Sequence[int]) -> str:
        """A 1-D int64 constant: shapes, axes, pads."""
        return self.const(np.asarray(list(values), dtype=np.int64).reshape(-1))

    def cast(self, name: str, from_dtype: Any, to_dtype: Any) -> str:
        """`name` converted to `to_dtype` (no node when it already has it)."""
        if np.dtype(from_dtype) == np.dtype(to_dtype):
            return name
        return str(self.add("Cast", [name], to=self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(to_dtype))))


def _as_tuple(x: Any) -> tuple[Any, ...]:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _op_names() -> dict[type, list[str]]:
    names: dict[type, list[str]] = {}
    for name, info in OPS.items():
        if info.function is not None:
            names.setdefault(info.function, []).append(name)
    return names


def _created_at(ctx: Function) -> str:
    frames = function.user_frames(ctx)
    if not frames:
        return ""
    f = frames[-1]
    code = f" ({f.line.strip()})" if f.line else ""
    return f"; it was created at {f.filename}, line {f.lineno}, in {f.name}{code}"


def _topological(outputs: Sequence[Tensor]) -> tuple[list[Function], dict[int, Tensor]]:
    """The recorded ops the outputs depend on, each after its inputs (no recursion), and the
    output tensor of each (by id of its op node)."""
    order: list[Function] = []
    made: dict[int, Tensor] = {}
    for t in walk(outputs, stop_at_released=True):
        if t._ctx is not None:
            order.append(t._ctx)
            made[id(t._ctx)] = t
    return order, made


def _dynamic(dynamic_axes: Mapping[str, Any] | None, known: set[str]) -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = {}
    for name, axes in (dynamic_axes or {}).items():
        if name not in known:
            raise ExportError(
                f"onnx.export: dynamic_axes names {name!r}, which is not an input or output name "
                f"(they are {sorted(known)})"
            )
        if isinstance(axes, Mapping):
            out[name] = {int(a): str(d) for a, d in axes.items()}
        else:
            out[name] = {int(a): f"{name}_dim{int(a)}" for a in axes}
    return out


def _value_info(onnx: Any, name: str, arr: np.ndarray, dyn: Mapping[int, str]) -> Any:
    for a in dyn:
        if not -arr.ndim <= a < arr.ndim:
            raise ExportError(
                f"onnx.export: dynamic_axes gives axis {a} for {name!r}, which has shape {arr.shape}"
            )
    dyn = {a % max(arr.ndim, 1): d for a, d in dyn.items()}
    shape = [dyn.get(i, n) for i, n in enumerate(arr.shape)]
    elem = onnx.helper.np_dtype_to_tensor_dtype(arr.dtype)
    return onnx.helper.make_tensor_value_info(name, elem, shape)


def _names(given: Sequence[str] | None, n: int, default: str, what: str) -> list[str]:
    if given is None:
        return [default] if n == 1 else [f"{default}_{i}" for i in range(n)]
    names = [str(s) for s in given]
    if len(names) != n:
        raise ExportError(f"onnx.export: {len(names)} {what} names given for {n} {what}s: {names}")
    if len(set(names)) != n:
        raise ExportError(f"onnx.export: {what} names must be distinct, got {names}")
    return names


def _trace(
    model: Callable[..., Any], inputs: Sequence[Tensor], params: Sequence[Tensor]
) -> tuple[Tensor, ...]:
    """Run the model with recording on, inputs and parameters requiring grad, eval mode, and
    the creating line of every op remembered; restore everything afterwards."""
    saved_flags = [p.requires_grad for p in params]
    modules = list(model.modules()) if hasattr(model, "modules") and callable(model.modules) else []
    saved_modes = [getattr(m, "training", None) for m in modules]
    prev_enabled, prev_anomaly = STATE.enabled, STATE.anomaly
    try:
        for p in params:
            if p.dtype.kind == "f":
                p.requires_grad = True
        for m in modules:
            if hasattr(m, "training"):
                m.training = False
        STATE.enabled = True
        if not STATE.anomaly:
            STATE.anomaly = _STACK_ONLY  # type: ignore[assignment]
        out = model(*inputs)
    finally:
        STATE.enabled, STATE.anomaly = prev_enabled, prev_anomaly
        for p, flag in zip(params, saved_flags, strict=True):
            p.requires_grad = flag
        for m, mode in zip(modules, saved_modes, strict=True):
            if mode is not None:
                m.training = mode
    outs = _as_tuple(out)
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise ExportError(
                f"onnx.export: the model returned a {type(o).__name__} as output {i}; it must "
                "return a Tensor or a tuple of Tensors"
            )
    return outs


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return isinstance(a, Tensor) and isinstance(b, Tensor) and _same_value(a.data, b.data)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.shape(a) == np.shape(b) and np.array_equal(a, b, equal_nan=True))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b, strict=True))
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _check_nothing_frozen(
    model: Callable[..., Any], inputs: Sequence[Tensor], params: Sequence[Tensor], outs: Sequence[Tensor]
) -> None:
    """Trace again on the example inputs' values shuffled (same shapes, dtypes and range of
    values) and compare: an op whose constants (index arrays, masks, non-parameter tensors)
    or whose sequence changed was computed from the input values outside the recorded graph
    (an argsort, a comparison, `if x.sum() > 0`), and the file would freeze it."""
    rng = np.random.default_rng(0)
    shuffled = []
    for t in inputs:
        a = t.data.copy()
        if a.dtype.kind == "f" and a.size > 1:
            a = rng.permutation(a.reshape(-1)).reshape(a.shape)
        u = Tensor._make(a, None)
        u.requires_grad = t.requires_grad
        shuffled.append(u)
    if all(np.array_equal(t.data, u.data) for t, u in zip(inputs, shuffled, strict=True)):
        return
    first, _ = _topological(outs)
    second, _ = _topological(_trace(model, shuffled, params))
    fixed = {id(p) for p in params} | {id(t) for t in inputs} | {id(t) for t in shuffled}
    for i, a in enumerate(first):
        b = second[i] if i < len(second) else None
        same = b is not None and type(a) is type(b) and len(a.inputs) == len(b.inputs)
        if same and b is not None:
            for x, y in zip(a.inputs, b.inputs, strict=True):
                if isinstance(x, Tensor) and (x._ctx is not None or id(x) in fixed):
                    continue
                if not _same_value(x, y):
                    same = False
            kx, ky = getattr(a, "kwargs", {}) or {}, getattr(b, "kwargs", {}) or {}
            same = same and kx.keys() == ky.keys() and all(_same_value(kx[k], ky[k]) for k in kx)
        if not same:
            raise ExportError(
                f"onnx.export: {a.label()} depends on the input values through something outside "
                "the recorded graph (an argsort or a comparison read with .data, numpy, or Python "
                f"control flow on values): with other input values it changes, so the file "
                f"would freeze it{_created_at(a)}"
            )
    if len(second) != len(first):
        raise ExportError(
            "onnx.export: the model records different ops for other input values (Python control "
            "flow on the values), so no single graph describes it"
        )


def export(
    model_or_function: Callable[..., Any],
    example_inputs: Any,
    path: str | os.PathLike[str] | None,
    *,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    dynamic_axes: Mapping[str, Any] | None = None,
    opset: int = OPSET,
) -> Any:
    """Write the graph that `model_or_function(*example_inputs)` records as an ONNX model.

    - model_or_function: an `nn.Module` (its parameters become initializers named by their
      dotted names, as in its state_dict) or any function of tensors (tensors it uses that
      are not inputs become initializers too, under their `.name` when they have one).
    - example_inputs: a tensor or array, or a tuple of them: one per argument. Their shapes
      and dtypes are the file's, except for the axes listed in `dynamic_axes`.
    - input_names, output_names: the names of the graph's inputs and outputs (default
      `input`, `output`, or `input_0`, `input_1`, ... when there are several).
    - dynamic_axes: `{name: {axis: "batch"}}` or `{name: [axis, ...]}`: axes whose size is
      left free, so the file runs on any batch size (mark the outputs' axes too).
    - path: where to write; None writes nothing. Returns the `onnx.ModelProto`.

    Raises ExportError for an op that has no ONNX translation, naming the op and the line of
    code that created it. Needs the `onnx` package (`pip install "seegrad[onnx]"`).
    """
    onnx = _require_onnx()
    if opset < 17:
        raise ExportError(f"onnx.export: opset {opset} is not supported; use 17 or newer")
    examples = _as_tuple(example_inputs)
    if not examples:
        raise ExportError("onnx.export: example_inputs is empty; give one example per argument")
    inputs: list[Tensor] = []
    for i, x in enumerate(examples):
        arr = np.array(x.data if isinstance(x, Tensor) else x, copy=True)
        if arr.dtype.kind not in "biuf":
            raise ExportError(f"onnx.export: example input {i} has dtype {arr.dtype}; expected numbers")
        t = Tensor._make(arr, None)
        if arr.dtype.kind == "f":
            t.requires_grad = True
        inputs.append(t)

    named: list[tuple[str, Tensor]] = []
    if hasattr(model_or_function, "named_parameters"):
        named = list(model_or_function.named_parameters())
    params = [p for _, p in named]
    outs = _trace(model_or_function, inputs, params)
    _check_nothing_frozen(model_or_function, inputs, params, outs)

    in_names = _names(input_names, len(inputs), "input", "input")
    out_names = _names(output_names, len(outs), "output", "output")
    clash = set(in_names) & (set(out_names) | {n for n, _ in named})
    if clash:
        raise ExportError(f"onnx.export: names used twice (inputs, outputs, parameters): {sorted(clash)}")
    dyn = _dynamic(dynamic_axes, set(in_names) | set(out_names))

    b = Builder(onnx)
    values: dict[int, str] = {}  # id(tensor or ctx) -> ONNX value name
    for name, t in zip(in_names, inputs, strict=True):
        values[id(t)] = b.fresh(name)
        if t.dtype.kind in "iub":
            b.int_inputs.append((name, t.data))
    param_names = {id(p): n for n, p in named}
    b.used.update(param_names.values())
    keep: list[Any] = []  # constants whose id() is a key of `values` must stay alive

    def leaf(x: Any, node_dtype: np.dtype[Any], ctx: Function) -> tuple[str, np.ndarray]:
        """The value name of a non-op input (parameter, constant, number) and its array."""
        arr = x.data if isinstance(x, Tensor) else x
        if isinstance(x, (bool, int, float)) and not isinstance(x, np.ndarray):
            dtype = node_dtype if node_dtype.kind == "f" and not isinstance(x, bool) else None
            arr = np.asarray(x, dtype=dtype)
        arr = np.asarray(arr)
        key = id(x)
        if key in values:
            return values[key], arr
        for i, t in enumerate(inputs):
            if arr.size and np.shares_memory(arr, t.data):
                raise ExportError(
                    f"onnx.export: a constant used by {ctx.label()} shares memory with input "
                    f"{in_names[i]!r}: it was computed from the input outside the recorded graph "
                    f"(.data, .detach(), numpy), so the file would freeze it{_created_at(ctx)}"
                )
        if key in param_names:
            name = b.initializer(arr, param_names[key], exact=True)
        else:
            hint = x.name if isinstance(x, Tensor) and x.name else "const"
            name = b.initializer(arr, hint)
        values[key] = name
        keep.append(x)
        return name, arr

    op_names = _op_names()
    order, made = _topological(outs)
    b.used.update(out_names)
    for ctx in order:
        candidates = op_names.get(type(ctx), [])
        op = next((n for n in candidates if n in TRANSLATIONS), None)
        if op is None:
            shown = candidates[0] if candidates else type(ctx).op_name()
            kind = "op" if candidates else "custom op (not in the registry)"
            raise ExportError(
                f"onnx.export: the {kind} {shown!r} has no ONNX translation{_created_at(ctx)}. "
                f"Ops that export: {', '.join(exportable())}"
            )
        out_arr = made[id(ctx)].data
        names, shapes, dtypes = [], [], []
        for x in ctx.inputs:
            if isinstance(x, Tensor) and (x._ctx is not None or id(x) in values):
                key = id(x._ctx) if x._ctx is not None else id(x)
                names.append(values[key])
                shapes.append(x.shape)
                dtypes.append(x.dtype)
            elif x is None:
                names.append("")
                shapes.append(())
                dtypes.append(np.dtype(np.float64))
            else:
                name, arr = leaf(x, out_arr.dtype, ctx)
                names.append(name)
                shapes.append(arr.shape)
                dtypes.append(arr.dtype)
        scope = getattr(ctx, "scope", ())
        b.prefix = "/".join(str(s) for s in scope) + "/" if scope else ""
        node = Node(op, ctx, names, shapes, dtypes, out_arr.shape, out_arr.dtype)
        try:
            result = TRANSLATIONS[op](b, node)
        except UnsupportedError as e:
            raise ExportError(f"onnx.export: {ctx.label()}: {e}{_created_at(ctx)}") from None
        values[id(ctx)] = result
    b.prefix = ""

    outputs = []
    for name, t in zip(out_names, outs, strict=True):
        key = id(t._ctx) if t._ctx is not None else id(t)
        if key not in values:
            leaf(t, t.dtype, Function())  # a constant returned as it is
        values[key] = _rename_or_copy(b, values[key], name, in_names)
        outputs.append(_value_info(onnx, name, t.data, dyn.get(name, {})))
    graph_inputs = [
        _value_info(onnx, name, t.data, dyn.get(name, {})) for name, t in zip(in_names, inputs, strict=True)
    ]
    used = {v for n in b.nodes for v in n.input}
    for name in in_names:
        if name not in used:
            raise ExportError(
                f"onnx.export: input {name!r} is not used by the recorded graph: the model read its "
                "values outside the recorded ops (.data, numpy, comparisons), so the file would "
                "hold them as constants and ignore new inputs"
            )
    graph = onnx.helper.make_graph(
        b.nodes, getattr(model_or_function, "__name__", type(model_or_function).__name__),
        graph_inputs, outputs, initializer=b.initializers,
    )
    model = onnx.helper.make_model(
        graph, opset_imports=[onnx.helper.make_opsetid("", opset)], producer_name="seegrad"
    )
    model.ir_version = min(model.ir_version, 10)  # readable by older runtimes too
    onnx.checker.check_model(model)
    if path is not None:
        onnx.save(model, os.fspath(path))
    return model


def _rename_or_copy(b: Builder, src: str, name: str, in_names: Sequence[str]) -> str:
    """Make value `src` available as graph output `name`: rename the node output that made it
    (so Netron shows no extra node), or add an Identity when it is an input, an initializer or
    already another output. Returns the value's name from now on."""
    producer = next((n for n in b.nodes if src in n.output), None)
    if producer is None or src in in_names or src in b.outputs:
        node_name = b.fresh(f"{name}/Identity", b.node_names)
        b.nodes.append(b.onnx.helper.make_node("Identity", [src], [name], name=node_name))
        b.outputs.add(name)
        return src
    for n in b.nodes:
        for i, v in enumerate(n.input):
            if v == src:
                n.input[i] = name
    for i, v in enumerate(producer.output):
        if v == src:
            producer.output[i] = name
    b.outputs.add(name)
    return name
