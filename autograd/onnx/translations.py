"""Each op's translation into ONNX nodes: ONE table, keyed by the op's name in the registry.

`TRANSLATIONS["exp"](b, node)` adds the nodes that compute the op through the builder `b`
(`b.add(op_type, inputs, **attributes)`, `b.ints([...])` for shapes and axes, `b.const(...)`)
and returns the name of the value holding the result. `node` gives the ONNX names of the op's
inputs, their shapes and dtypes, the output's shape and dtype, and the op's keyword arguments
(`node.kwargs`). A translation that meets a variant it cannot write raises `UnsupportedError`
(the export names the op and the line that created it).

An op registered without an entry here does not export; `autograd.onnx.exportable()` lists
those that do. The opset is 18 (see export.py). This module does not import `onnx`: the
table is readable without the optional extra.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .export import Builder, Node

INT64_MAX = int(np.iinfo(np.int64).max)
INT64_MIN = int(np.iinfo(np.int64).min)


class UnsupportedError(Exception):
    """This variant of the op (an argument value) has no ONNX translation."""


TRANSLATIONS: dict[str, Callable[[Builder, Node], str]] = {}


def translates(*names: str) -> Callable[[Callable[[Builder, Node], str]], Callable[[Builder, Node], str]]:
    """Decorator: the function is the translation of the ops `names`."""

    def deco(fn: Callable[[Builder, Node], str]) -> Callable[[Builder, Node], str]:
        for name in names:
            if name in TRANSLATIONS:
                raise ValueError(f"translates: {name!r} already has an ONNX translation")
            TRANSLATIONS[name] = fn
        return fn

    return deco


# -- helpers ----------------------------------------------------------------------------------
def same_dtype(b: Builder, node: Node, dtype: Any = None) -> list[str]:
    """The inputs, each cast to `dtype` (default: the output's) where it differs: numpy mixes
    dtypes (float32 with a float64 constant, int with float) where ONNX wants one."""
    dtype = node.out_dtype if dtype is None else dtype
    return [b.cast(n, d, dtype) if n else n for n, d in zip(node.inputs, node.dtypes, strict=True)]


def axes_of(axis: Any, ndim: int) -> list[int] | None:
    """numpy's axis argument (None, int, tuple; negatives) as a sorted list, None for all."""
    if axis is None:
        return None
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    return sorted(int(a) % max(ndim, 1) for a in axes)


def simple(op_type: str, **attrs: Any) -> Callable[[Builder, Node], str]:
    """An elementwise op that is one ONNX node on inputs of the output's dtype."""

    def translate(b: Builder, node: Node) -> str:
        return str(b.add(op_type, same_dtype(b, node), **attrs))

    return translate


# -- elementwise ------------------------------------------------------------------------------
for _name, _onnx in {
    "add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "maximum": "Max", "minimum": "Min",
    "neg": "Neg", "exp": "Exp", "log": "Log", "sqrt": "Sqrt", "abs": "Abs", "sin": "Sin",
    "cos": "Cos", "tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu", "softplus": "Softplus",
}.items():
    translates(_name)(simple(_onnx))


@translates("pow")
def _pow(b: Builder, node: Node) -> str:
    x, y = node.inputs
    return str(b.add("Pow", [b.cast(x, node.dtypes[0], node.out_dtype), y]))


@translates("leaky_relu")
def _leaky_relu(b: Builder, node: Node) -> str:
    """LeakyRelu for float32; otherwise x * where(x > 0, 1, slope), because the node's alpha
    attribute is a float32, which would round a float64 slope."""
    (x,) = same_dtype(b, node)
    slope = float(node.kwargs.get("negative_slope", 0.01))
    if node.out_dtype == np.float32:
        return str(b.add("LeakyRelu", [x], alpha=slope))
    zero = b.const(0.0, node.out_dtype)
    one, slope_c = b.const(1.0, node.out_dtype), b.const(slope, node.out_dtype)
    factor = b.add("Where", [b.add("Greater", [x, zero]), one, slope_c])
    return str(b.add("Mul", [x, factor]))


@translates("clip")
def _clip(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    bounds = []
    for key in ("a_min", "a_max"):
        v = node.kwargs.get(key)
        if v is not None and np.ndim(v) != 0:
            raise UnsupportedError(f"clip with an array bound ({key} of shape {np.shape(v)})")
        bounds.append("" if v is None else b.const(v, node.out_dtype))
    return str(b.add("Clip", [x, *bounds]))


@translates("where")
def _where(b: Builder, node: Node) -> str:
    x, y = same_dtype(b, node)
    cond = b.const(np.asarray(node.kwargs["cond"], dtype=bool))
    return str(b.add("Where", [cond, x, y]))


# -- linear algebra ---------------------------------------------------------------------------
@translates("matmul")
def _matmul(b: Builder, node: Node) -> str:
    return str(b.add("MatMul", same_dtype(b, node)))


@translates("linear")
def _linear(b: Builder, node: Node) -> str:
    """y = x W^T + b: Gemm for a 2-D x (one node, as torch exports nn.Linear); MatMul with a
    transposed W otherwise. W keeps its (out, in) layout, as in the state_dict."""
    ins = same_dtype(b, node)
    x, w = ins[0], ins[1]
    bias = ins[2] if len(ins) > 2 else ""
    if len(node.shapes[0]) == 2:
        return str(b.add("Gemm", [x, w, bias] if bias else [x, w], transB=1))
    y = b.add("MatMul", [x, b.add("Transpose", [w], perm=[1, 0])])
    return str(b.add("Add", [y, bias])) if bias else str(y)


# -- reductions -------------------------------------------------------------------------------
def _reduce(op_type: str) -> Callable[[Builder, Node], str]:
    def translate(b: Builder, node: Node) -> str:
        (x,) = same_dtype(b, node)
        axes = axes_of(node.kwargs.get("axis"), len(node.shapes[0]))
        keep = int(bool(node.kwargs.get("keepdims", False)))
        if axes is None or not node.shapes[0]:
            return str(b.add(op_type, [x], keepdims=keep))
        return str(b.add(op_type, [x, b.ints(axes)], keepdims=keep))

    return translate


for _name, _onnx in {
    "sum": "ReduceSum", "mean": "ReduceMean", "max": "ReduceMax", "min": "ReduceMin",
    "logsumexp": "ReduceLogSumExp",
}.items():
    translates(_name)(_reduce(_onnx))


@translates("softmax")
def _softmax(b: Builder, node: Node) -> str:
    return str(b.add("Softmax", same_dtype(b, node), axis=int(node.kwargs.get("axis", -1))))


@translates("log_softmax")
def _log_softmax(b: Builder, node: Node) -> str:
    return str(b.add("LogSoftmax", same_dtype(b, node), axis=int(node.kwargs.get("axis", -1))))


# -- movement ---------------------------------------------------------------------------------
@translates("reshape")
def _reshape(b: Builder, node: Node) -> str:
    """Leading sizes equal to the input's are written as 0 ("copy this axis from the input"),
    so a reshape of a batch keeps working when the batch size is dynamic."""
    in_shape = node.shapes[0]
    target = list(node.out_shape)
    asked = node.kwargs.get("shape", ())
    asked = [int(asked)] if isinstance(asked, (int, np.integer)) else [int(n) for n in asked]
    if len(asked) == 1 and len(target) != 1:  # reshape(((2, 3),)) style, already unpacked
        asked = target
    if -1 in asked and len(asked) == len(target):
        target = asked
    if 0 in node.out_shape:  # a real empty axis: no copying semantics
        return str(b.add("Reshape", [node.inputs[0], b.ints(node.out_shape)], allowzero=1))
    for i in range(min(len(in_shape), len(target))):
        if target[i] != in_shape[i]:
            break
        target[i] = 0
    return str(b.add("Reshape", [node.inputs[0], b.ints(target)]))


@translates("transpose")
def _transpose(b: Builder, node: Node) -> str:
    ndim = len(node.shapes[0])
    axes = node.kwargs.get("axes")
    perm = list(reversed(range(ndim))) if axes is None else [int(a) % ndim for a in axes]
    return str(b.add("Transpose", [node.inputs[0]], perm=perm))


@translates("broadcast_to")
def _broadcast_to(b: Builder, node: Node) -> str:
    """Expand broadcasts the input with the given shape: a size the input already has is
    written as 1, so it follows the input (a dynamic batch)."""
    in_shape = node.shapes[0]
    target = list(node.out_shape)
    offset = len(target) - len(in_shape)
    for i, n in enumerate(in_shape):
        if n == target[offset + i]:
            target[offset + i] = 1
    return str(b.add("Expand", [node.inputs[0], b.ints(target)]))


@translates("getitem")
def _getitem(b: Builder, node: Node) -> str:
    """Basic indexing (ints, slices, None, ...) is Slice + Squeeze + Unsqueeze; one integer
    array on one axis (the rest full slices) is Gather, a boolean mask its Gather of nonzero."""
    x = node.inputs[0]
    ndim = len(node.shapes[0])
    index = node.kwargs.get("index")
    items = list(index) if isinstance(index, tuple) else [index]
    arrays = [i for i, it in enumerate(items) if isinstance(it, (np.ndarray, list))]
    if arrays:
        return _gather(b, node, items, arrays)
    # expand the Ellipsis into full slices
    used = sum(1 for it in items if it is not None and it is not Ellipsis)
    if sum(1 for it in items if it is Ellipsis) > 1:
        raise UnsupportedError("an index with more than one Ellipsis")
    if Ellipsis in items:  # trailing axes that no item names need no entry
        k = items.index(Ellipsis)
        items[k : k + 1] = [slice(None)] * (ndim - used)
    starts, ends, axes, steps, squeeze, unsqueeze = [], [], [], [], [], []
    axis = 0
    out_pos = 0
    for it in items:
        if it is None:
            unsqueeze.append(out_pos)
            out_pos += 1
            continue
        if isinstance(it, (bool, np.bool_)):
            raise UnsupportedError("a boolean scalar index")
        if isinstance(it, (int, np.integer)):
            i = int(it)
            starts.append(i)
            ends.append(i + 1 if i != -1 else INT64_MAX)
            steps.append(1)
            axes.append(axis)
            squeeze.append(axis)
        elif isinstance(it, slice):
            if it != slice(None):
                step = 1 if it.step is None else int(it.step)
                if step > 0:
                    start = 0 if it.start is None else int(it.start)
                    end = INT64_MAX if it.stop is None else int(it.stop)
                else:
                    start = -1 if it.start is None else int(it.start)
                    end = INT64_MIN if it.stop is None else int(it.stop)
                starts.append(start)
                ends.append(end)
                steps.append(step)
                axes.append(axis)
            out_pos += 1
        else:
            raise UnsupportedError(f"an index of type {type(it).__name__}")
        axis += 1
    y = x
    if axes:
        y = b.add("Slice", [y, b.ints(starts), b.ints(ends), b.ints(axes), b.ints(steps)])
    if squeeze:
        y = b.add("Squeeze", [y, b.ints(squeeze)])
    if unsqueeze:
        y = b.add("Unsqueeze", [y, b.ints(unsqueeze)])
    if y == x:
        y = b.add("Identity", [x])
    return str(y)


def _gather(b: Builder, node: Node, items: list[Any], arrays: list[int]) -> str:
    """Integer (or boolean) arrays in an index, numpy's "advanced" indexing, when the arrays
    (with any ints, which then count as arrays) sit on adjacent axes and every other axis is
    taken whole: one array is Gather on its axis; several are GatherND on those axes moved
    to the front, with the result's axes moved back to where numpy puts them."""
    x = node.inputs[0]
    ndim = len(node.shapes[0])
    if any(it is None for it in items):  # `in` would compare arrays with ==
        raise UnsupportedError("an index mixing an array with None")
    parts: list[Any] = []
    for it in items:
        if isinstance(it, (np.ndarray, list)):
            a = np.asarray(it)
            parts.extend(np.nonzero(a) if a.dtype == bool else [a])  # a k-D mask indexes k axes
        elif isinstance(it, (int, np.integer)) and not isinstance(it, (bool, np.bool_)):
            parts.append(np.asarray(int(it)))
        else:
            parts.append(it)
    dots = [i for i, it in enumerate(parts) if it is Ellipsis]
    if len(dots) > 1:
        raise UnsupportedError("an index with more than one Ellipsis")
    if dots:
        parts[dots[0] : dots[0] + 1] = [slice(None)] * (ndim - len(parts) + 1)
    parts += [slice(None)] * (ndim - len(parts))
    pos = [i for i, it in enumerate(parts) if isinstance(it, np.ndarray)]
    others = [i for i in range(ndim) if i not in pos]
    if any(not (isinstance(parts[i], slice) and parts[i] == slice(None)) for i in others):
        raise UnsupportedError("an index mixing arrays with slices other than ':'")
    if pos != list(range(pos[0], pos[0] + len(pos))):
        raise UnsupportedError("index arrays on axes that are not next to each other")
    if len(pos) == 1:
        return str(b.add("Gather", [x, b.index(parts[pos[0]])], axis=pos[0]))
    try:
        idx = np.stack(np.broadcast_arrays(*[parts[i] for i in pos]), axis=-1).astype(np.int64)
    except ValueError:
        raise UnsupportedError("index arrays whose shapes do not broadcast") from None
    front = pos + others
    if front != list(range(ndim)):
        x = b.add("Transpose", [x], perm=front)
    y = b.add("GatherND", [x, b.const(idx)])
    r, p = idx.ndim - 1, pos[0]
    back = list(range(r, r + p)) + list(range(r)) + list(range(r + p, r + len(others)))
    if back != list(range(len(back))):
        y = b.add("Transpose", [y], perm=back)
    return str(y)


@translates("index_add")
def _index_add(b: Builder, node: Node) -> str:
    """zeros(shape) with x added at index: ScatterND(reduction="add") on a flat zero vector,
    with the flat position of every indexed element (a constant), then a reshape."""
    shape = tuple(int(n) for n in node.kwargs["shape"])
    index = node.kwargs["index"]
    positions = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)[index]
    (x,) = same_dtype(b, node)
    if tuple(node.shapes[0]) != positions.shape:
        x = b.add("Expand", [x, b.ints(positions.shape)])
    flat = b.add("Reshape", [x, b.ints([-1])])
    zeros = b.const(np.zeros(int(np.prod(shape)), dtype=node.out_dtype))
    out = b.add("ScatterND", [zeros, b.const(positions.reshape(-1, 1)), flat], reduction="add")
    return str(b.add("Reshape", [out, b.ints(shape)]))


@translates("concatenate")
def _concatenate(b: Builder, node: Node) -> str:
    axis = int(node.kwargs.get("axis", 0))
    return str(b.add("Concat", same_dtype(b, node), axis=axis))


@translates("stack")
def _stack(b: Builder, node: Node) -> str:
    axis = int(node.kwargs.get("axis", 0)) % len(node.out_shape)
    parts = [b.add("Unsqueeze", [x, b.ints([axis])]) for x in same_dtype(b, node)]
    return str(b.add("Concat", parts, axis=axis))


_PAD_MODES = {"constant": "constant", "reflect": "reflect", "edge": "edge"}


@translates("pad")
def _pad(b: Builder, node: Node) -> str:
    ndim = len(node.shapes[0])
    mode = node.kwargs.get("mode", "constant")
    if mode not in _PAD_MODES:
        raise UnsupportedError(f"pad mode {mode!r} (ONNX opset 18 pads with {sorted(_PAD_MODES)})")
    pw = np.broadcast_to(np.asarray(node.kwargs.get("pad_width", 0), dtype=np.int64), (ndim, 2))
    pads = [int(n) for n in pw[:, 0]] + [int(n) for n in pw[:, 1]]
    (x,) = same_dtype(b, node)
    ins = [x, b.ints(pads)]
    if mode == "constant":
        ins.append(b.const(node.kwargs.get("value", 0.0), node.out_dtype))
    return str(b.add("Pad", ins, mode=_PAD_MODES[mode]))


# -- losses (nn's fused ops) -------------------------------------------------------------------
@translates("binary_cross_entropy")
def _bce(b: Builder, node: Node) -> str:
    """-(y log p + (1 - y) log(1 - p)), each log clamped below at -100 as in nn.functional."""
    p, y = same_dtype(b, node)
    floor = b.const(-100.0, node.out_dtype)
    one = b.const(1.0, node.out_dtype)
    log_p = b.add("Max", [b.add("Log", [p]), floor])
    log_q = b.add("Max", [b.add("Log", [b.add("Sub", [one, p])]), floor])
    s = b.add("Add", [b.add("Mul", [y, log_p]), b.add("Mul", [b.add("Sub", [one, y]), log_q])])
    return str(b.add("Neg", [s]))


@translates("binary_cross_entropy_with_logits")
def _bce_logits(b: Builder, node: Node) -> str:
    """max(x, 0) - x y + log(1 + e^-|x|)  (Softplus of -|x|: stable, as in nn.functional)."""
    x, y = same_dtype(b, node)
    tail = b.add("Softplus", [b.add("Neg", [b.add("Abs", [x])])])
    return str(b.add("Add", [b.add("Sub", [b.add("Relu", [x]), b.add("Mul", [x, y])]), tail]))


@translates("standardize")
def _standardize(b: Builder, node: Node) -> str:
    """nn's normalization (BatchNorm, LayerNorm, GroupNorm): (x - mean) / sqrt(var + eps) over
    `axis`, biased variance, as ReduceMean / Sub / Mul / ReduceMean / Add / Sqrt / Div."""
    (x,) = same_dtype(b, node)
    return _standardized(b, node, x, axes_of(node.kwargs.get("axis", (-1,)), len(node.shapes[0])) or [])


def _standardized(b: Builder, node: Node, x: str, axes: list[int]) -> str:
    """(x - mean) / sqrt(var + eps) over `axes`, biased variance (eps from the node)."""
    over = b.ints(axes)
    xc = b.add("Sub", [x, b.add("ReduceMean", [x, over], keepdims=1)])
    var = b.add("ReduceMean", [b.add("Mul", [xc, xc]), over], keepdims=1)
    eps = b.const(float(node.kwargs.get("eps", 1e-5)), node.out_dtype)
    return str(b.add("Div", [xc, b.add("Sqrt", [b.add("Add", [var, eps])])]))


@translates("batch_norm")
def _batch_norm(b: Builder, node: Node) -> str:
    """BatchNorm with the batch's own statistics: standardize over (0, 2, ...), then the weight
    and the bias (each (C,), reshaped to (1, C, 1, ...)) when given."""
    x, w, bias = same_dtype(b, node)
    ndim = len(node.shapes[0])
    y = _standardized(b, node, x, [0, *range(2, ndim)])
    per_channel = b.ints([1, -1] + [1] * (ndim - 2))
    if w:
        y = b.add("Mul", [y, b.add("Reshape", [w, per_channel])])
    if bias:
        y = b.add("Add", [y, b.add("Reshape", [bias, per_channel])])
    return str(y)


# -- convolution and pooling (N, C, *spatial) ---------------------------------------------------
def _pads(pairs: Any) -> list[int]:
    """((lo, hi) per spatial axis) -> ONNX's [lo_1, lo_2, ..., hi_1, hi_2, ...]."""
    pairs = [(int(lo), int(hi)) for lo, hi in pairs]
    return [lo for lo, _ in pairs] + [hi for _, hi in pairs]


@translates("conv1d", "conv2d", "conv3d")
def _conv(b: Builder, node: Node) -> str:
    kw = node.kwargs
    ins = same_dtype(b, node)
    return str(b.add(
        "Conv", [i for i in ins if i], strides=list(kw["stride"]), pads=_pads(kw["padding"]),
        dilations=list(kw["dilation"]), group=int(kw["groups"]),
        kernel_shape=list(node.shapes[1][2:]),
    ))


@translates("conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
def _conv_transpose(b: Builder, node: Node) -> str:
    """The output size is given as output_padding, the ONNX way:
    S = s (L - 1) + output_padding + d (K - 1) + 1 - pad_lo - pad_hi."""
    kw = node.kwargs
    ksize = node.shapes[1][2:]
    extra = []
    for n, size, s, d, k, (lo, hi) in zip(
        node.shapes[0][2:], kw["output_size"], kw["stride"], kw["dilation"], ksize, kw["padding"], strict=True
    ):
        extra.append(int(size) - (int(s) * (n - 1) + int(d) * (k - 1) + 1 - int(lo) - int(hi)))
    ins = same_dtype(b, node)
    return str(b.add(
        "ConvTranspose", [i for i in ins if i], strides=list(kw["stride"]), pads=_pads(kw["padding"]),
        dilations=list(kw["dilation"]), group=int(kw["groups"]), kernel_shape=list(ksize),
        output_padding=extra,
    ))


def _pool_pads(node: Node, dilation: Any) -> tuple[Any, list[int]]:
    """The output size and explicit (lo, hi) pads, hi grown for ceil_mode's last window, as
    the op computes them; written explicitly, ONNX needs no ceil_mode of its own."""
    from ..ops.pool import pool_geometry

    kw = node.kwargs
    out, pads = pool_geometry(
        node.op, node.shapes[0][2:], kw["kernel_size"], kw["stride"], kw["padding"], dilation,
        bool(kw.get("ceil_mode", False)),
    )
    return out, _pads(pads)


@translates("max_pool1d", "max_pool2d", "max_pool3d")
def _max_pool(b: Builder, node: Node) -> str:
    kw = node.kwargs
    _, pads = _pool_pads(node, kw["dilation"])
    return str(b.add(
        "MaxPool", same_dtype(b, node), kernel_shape=list(kw["kernel_size"]), strides=list(kw["stride"]),
        pads=pads, dilations=list(kw["dilation"]),
    ))


@translates("avg_pool1d", "avg_pool2d", "avg_pool3d")
def _avg_pool(b: Builder, node: Node) -> str:
    """The window sums (AveragePool counting the zero padding, times the window size) divided
    by the op's own divisor per output position: that covers count_include_pad, ceil_mode's
    partial windows and divisor_override exactly as the op does."""
    kw = node.kwargs
    ksize = [int(k) for k in kw["kernel_size"]]
    _, pads = _pool_pads(node, (1,) * len(ksize))
    (x,) = same_dtype(b, node)
    mean = b.add(
        "AveragePool", [x], kernel_shape=ksize, strides=list(kw["stride"]), pads=pads, count_include_pad=1
    )
    total = b.add("Mul", [mean, b.const(float(np.prod(ksize)), node.out_dtype)])
    return str(b.add("Div", [total, b.const(node.ctx.div, node.out_dtype)]))


@translates("adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d")
def _adaptive_max_pool(b: Builder, node: Node) -> str:
    """Output i of an axis of size S -> L is the max over floor(i S / L) .. ceil((i+1) S / L) - 1.
    A max over a box is a max over each of its axes in turn: per axis, one Slice + ReduceMax
    per output position, then a Concat."""
    (x,) = same_dtype(b, node)
    spatial = node.shapes[0][2:]
    for a, (n, m) in enumerate(zip(spatial, node.out_shape[2:], strict=True)):
        if n == m:
            continue
        axis = a + 2
        parts = []
        for i in range(m):
            lo, hi = (i * n) // m, -((-(i + 1) * n) // m)
            part = b.add("Slice", [x, b.ints([lo]), b.ints([hi]), b.ints([axis])])
            parts.append(b.add("ReduceMax", [part, b.ints([axis])], keepdims=1))
        x = parts[0] if m == 1 else b.add("Concat", parts, axis=axis)
    return str(x if x != node.inputs[0] else b.add("Identity", [x]))


@translates("max_unpool1d", "max_unpool2d", "max_unpool3d")
def _max_unpool(b: Builder, node: Node) -> str:
    """Zeros of shape (N, C, plane) with x scattered at the flat in-plane indices
    (ScatterElements along the plane axis), reshaped to (N, C, *output_size)."""
    out_size = [int(n) for n in node.kwargs["output_size"]]
    (x,) = same_dtype(b, node)
    flat = b.add("Reshape", [x, b.ints([0, 0, -1])])
    rows = b.add("Shape", [x], start=0, end=2)
    shape = b.add("Concat", [rows, b.ints([int(np.prod(out_size))])], axis=0)
    zero = b.onnx.numpy_helper.from_array(np.zeros(1, dtype=node.out_dtype))
    zeros = b.add("ConstantOfShape", [shape], value=zero)
    idx = np.asarray(node.kwargs["indices"]).reshape(node.shapes[0][0], node.shapes[0][1], -1)
    scattered = b.add("ScatterElements", [zeros, b.index(idx), flat], axis=2)
    return str(b.add("Reshape", [scattered, b.ints([0, 0, *out_size])]))


# -- activations ------------------------------------------------------------------------------
# Written with elementary nodes and constants of the output's dtype: the activation nodes of
# ONNX (Elu, Selu, HardSigmoid, ...) take their constants as float32 attributes, which would
# round a float64 model's constants.
def _k(b: Builder, node: Node, v: float) -> str:
    return b.const(v, node.out_dtype)


def _positive_or(b: Builder, node: Node, x: str, negative: str) -> str:
    """where(x > 0, x, negative)"""
    return str(b.add("Where", [b.add("Greater", [x, _k(b, node, 0.0)]), x, negative]))


def _normal_cdf_of(b: Builder, node: Node, x: str) -> str:
    """0.5 (1 + erf(x / sqrt 2))"""
    erf = b.add("Erf", [b.add("Div", [x, _k(b, node, math.sqrt(2.0))])])
    return str(b.add("Mul", [_k(b, node, 0.5), b.add("Add", [_k(b, node, 1.0), erf])]))


@translates("normal_cdf")
def _normal_cdf(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    return _normal_cdf_of(b, node, x)


@translates("gelu")
def _gelu(b: Builder, node: Node) -> str:
    """x Phi(x), or with approximate="tanh": 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    (x,) = same_dtype(b, node)
    if node.kwargs.get("approximate", "none") == "tanh":
        cube = b.add("Mul", [b.add("Mul", [x, x]), x])
        inner = b.add("Add", [x, b.add("Mul", [_k(b, node, 0.044715), cube])])
        t = b.add("Tanh", [b.add("Mul", [_k(b, node, math.sqrt(2.0 / math.pi)), inner])])
        half = b.add("Mul", [_k(b, node, 0.5), x])
        return str(b.add("Mul", [half, b.add("Add", [_k(b, node, 1.0), t])]))
    return str(b.add("Mul", [x, _normal_cdf_of(b, node, x)]))


@translates("silu")
def _silu(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    return str(b.add("Mul", [x, b.add("Sigmoid", [x])]))


@translates("quick_gelu")
def _quick_gelu(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    return str(b.add("Mul", [x, b.add("Sigmoid", [b.add("Mul", [_k(b, node, 1.702), x])])]))


def _elu_of(b: Builder, node: Node, x: str, alpha: float, inner_scale: float = 1.0) -> str:
    """where(x > 0, x, alpha (e^(x / inner_scale) - 1))"""
    z = x if inner_scale == 1.0 else b.add("Div", [x, _k(b, node, inner_scale)])
    neg = b.add("Mul", [_k(b, node, alpha), b.add("Sub", [b.add("Exp", [z]), _k(b, node, 1.0)])])
    return _positive_or(b, node, x, neg)


@translates("elu")
def _elu(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    return _elu_of(b, node, x, float(node.kwargs.get("alpha", 1.0)))


@translates("celu")
def _celu(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    alpha = float(node.kwargs.get("alpha", 1.0))
    return _elu_of(b, node, x, alpha, alpha)


@translates("selu")
def _selu(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    scale, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
    return str(b.add("Mul", [_k(b, node, scale), _elu_of(b, node, x, alpha)]))


@translates("mish")
def _mish(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    return str(b.add("Mul", [x, b.add("Tanh", [b.add("Softplus", [x])])]))


def _hardsigmoid_of(b: Builder, node: Node, x: str) -> str:
    """clip(x + 3, 0, 6) / 6"""
    c = b.add("Clip", [b.add("Add", [x, _k(b, node, 3.0)]), _k(b, node, 0.0), _k(b, node, 6.0)])
    return str(b.add("Div", [c, _k(b, node, 6.0)]))


@translates("hardsigmoid")
def _hardsigmoid(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    return _hardsigmoid_of(b, node, x)


@translates("hardswish")
def _hardswish(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    c = b.add("Clip", [b.add("Add", [x, _k(b, node, 3.0)]), _k(b, node, 0.0), _k(b, node, 6.0)])
    return str(b.add("Div", [b.add("Mul", [x, c]), _k(b, node, 6.0)]))


@translates("hardtanh")
def _hardtanh(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    lo, hi = float(node.kwargs.get("min_val", -1.0)), float(node.kwargs.get("max_val", 1.0))
    return str(b.add("Clip", [x, _k(b, node, lo), _k(b, node, hi)]))


@translates("logsigmoid")
def _logsigmoid(b: Builder, node: Node) -> str:
    """-softplus(-x)"""
    (x,) = same_dtype(b, node)
    return str(b.add("Neg", [b.add("Softplus", [b.add("Neg", [x])])]))


@translates("softsign")
def _softsign(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    return str(b.add("Div", [x, b.add("Add", [_k(b, node, 1.0), b.add("Abs", [x])])]))


@translates("prelu")
def _prelu(b: Builder, node: Node) -> str:
    """where(x > 0, x, w x), w along axis 1 (the channels) of an x with 2 or more axes."""
    x, w = same_dtype(b, node)
    nd = len(node.shapes[0])
    if nd >= 3 and node.shapes[1] and node.shapes[1][0] != 1:
        w = b.add("Reshape", [w, b.ints([node.shapes[1][0]] + [1] * (nd - 2))])
    return _positive_or(b, node, x, b.add("Mul", [w, x]))


# -- more elementwise math ----------------------------------------------------------------------
for _name, _onnx in {
    "erf": "Erf", "tan": "Tan", "asin": "Asin", "acos": "Acos", "atan": "Atan", "sinh": "Sinh",
    "cosh": "Cosh", "asinh": "Asinh", "acosh": "Acosh", "atanh": "Atanh", "sign": "Sign",
    "floor": "Floor", "ceil": "Ceil",
}.items():
    translates(_name)(simple(_onnx))


def _log_base(base: float) -> Callable[[Builder, Node], str]:
    def translate(b: Builder, node: Node) -> str:
        (x,) = same_dtype(b, node)
        return str(b.add("Div", [b.add("Log", [x]), b.const(math.log(base), node.out_dtype)]))

    return translate


translates("log2")(_log_base(2.0))
translates("log10")(_log_base(10.0))


@translates("log1p")
def _log1p(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    return str(b.add("Log", [b.add("Add", [b.const(1.0, node.out_dtype), x])]))


@translates("exp2")
def _exp2(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    return str(b.add("Pow", [b.const(2.0, node.out_dtype), x]))


@translates("expm1")
def _expm1(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    return str(b.add("Sub", [b.add("Exp", [x]), b.const(1.0, node.out_dtype)]))


@translates("rsqrt")
def _rsqrt(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    return str(b.add("Reciprocal", [b.add("Sqrt", [x])]))


@translates("trunc")
def _trunc(b: Builder, node: Node) -> str:
    """ceil below 0, floor above."""
    (x,) = same_dtype(b, node)
    negative = b.add("Less", [x, b.const(0.0, node.out_dtype)])
    return str(b.add("Where", [negative, b.add("Ceil", [x]), b.add("Floor", [x])]))


@translates("round")
def _round(b: Builder, node: Node) -> str:
    """Half to even, as numpy; with decimals d: round(x 10^d) / 10^d, as numpy computes it."""
    (x,) = same_dtype(b, node)
    d = int(node.kwargs.get("decimals", 0))
    if d == 0:
        return str(b.add("Round", [x]))
    scale = b.const(10.0**d, node.out_dtype)
    return str(b.add("Div", [b.add("Round", [b.add("Mul", [x, scale])]), scale]))


@translates("logaddexp")
def _logaddexp(b: Builder, node: Node) -> str:
    """max(a, b) + log(1 + e^-|a - b|)"""
    a, c = same_dtype(b, node)
    tail = b.add("Softplus", [b.add("Neg", [b.add("Abs", [b.add("Sub", [a, c])])])])
    return str(b.add("Add", [b.add("Max", [a, c]), tail]))


@translates("fmod")
def _fmod(b: Builder, node: Node) -> str:
    return str(b.add("Mod", same_dtype(b, node), fmod=1))


@translates("remainder")
def _remainder(b: Builder, node: Node) -> str:
    """a - floor(a / b) b: the sign of b, as numpy's remainder (and Python's %)."""
    a, c = same_dtype(b, node)
    return str(b.add("Sub", [a, b.add("Mul", [b.add("Floor", [b.add("Div", [a, c])]), c])]))


@translates("floor_divide")
def _floor_divide(b: Builder, node: Node) -> str:
    return str(b.add("Floor", [b.add("Div", same_dtype(b, node))]))


@translates("copysign")
def _copysign(b: Builder, node: Node) -> str:
    a, c = same_dtype(b, node)
    mag = b.add("Abs", [a])
    return str(b.add("Where", [b.add("Less", [c, b.const(0.0, node.out_dtype)]), b.add("Neg", [mag]), mag]))


@translates("lerp", "lerp_scalar_weight")
def _lerp(b: Builder, node: Node) -> str:
    """a + w (b - a)"""
    a, c, w = same_dtype(b, node)  # the weight is an input (a tensor or a number)
    return str(b.add("Add", [a, b.add("Mul", [w, b.add("Sub", [c, a])])]))


# -- indexing, shaping, scans ------------------------------------------------------------------
@translates("clone")
def _clone(b: Builder, node: Node) -> str:
    return str(b.add("Identity", same_dtype(b, node)))


@translates("gather")
def _gather_elements(b: Builder, node: Node) -> str:
    """take_along_axis: GatherElements (the index has the input's number of axes)."""
    (x,) = same_dtype(b, node)
    index = np.asarray(node.kwargs["index"])
    if index.ndim == 0:
        return str(b.add("Identity", [x]))
    axis = int(node.kwargs.get("axis", 0)) % len(node.shapes[0])
    return str(b.add("GatherElements", [x, b.index(index)], axis=axis))


def _scatter(reduction: str) -> Callable[[Builder, Node], str]:
    def translate(b: Builder, node: Node) -> str:
        x, src = same_dtype(b, node)
        index = np.asarray(node.kwargs["index"])
        axis = int(node.kwargs.get("axis", 0)) % len(node.shapes[0])
        if tuple(node.shapes[1]) != index.shape:  # src may be bigger than index: its leading part
            src = b.add("Slice", [src, b.ints([0] * index.ndim), b.ints(list(index.shape)),
                                  b.ints(list(range(index.ndim)))])
        return str(b.add("ScatterElements", [x, b.index(index), src], axis=axis, reduction=reduction))

    return translate


translates("scatter")(_scatter("none"))
translates("scatter_add")(_scatter("add"))


@translates("masked_fill")
def _masked_fill(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    mask = b.const(np.asarray(node.kwargs["mask"], dtype=bool))
    return str(b.add("Where", [mask, b.const(node.kwargs.get("value", 0.0), node.out_dtype), x]))


@translates("flip")
def _flip(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    ndim = len(node.shapes[0])
    axis = node.kwargs.get("axis", ())
    axes = list(range(ndim)) if axis is None or axis == () else axes_of(axis, ndim) or []
    n = len(axes)
    return str(b.add("Slice", [x, b.ints([-1] * n), b.ints([INT64_MIN] * n), b.ints(axes), b.ints([-1] * n)]))


@translates("tile")
def _tile(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    reps = [int(r) for r in np.atleast_1d(node.kwargs.get("reps", ()))]
    ndim = max(len(node.shapes[0]), len(reps))
    if len(node.shapes[0]) < ndim:  # numpy prepends axes of size 1 to the input
        x = b.add("Reshape", [x, b.ints([1] * (ndim - len(node.shapes[0])) + list(node.shapes[0]))])
    reps = [1] * (ndim - len(reps)) + reps
    return str(b.add("Tile", [x, b.ints(reps)]))


@translates("tril", "triu")
def _trilu(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    upper = int(node.op == "triu")
    return str(b.add("Trilu", [x, b.const(np.int64(node.kwargs.get("diagonal", 0)))], upper=upper))


@translates("cumsum")
def _cumsum(b: Builder, node: Node) -> str:
    (x,) = same_dtype(b, node)
    axis = int(node.kwargs.get("axis", 0)) % max(len(node.shapes[0]), 1)
    return str(b.add("CumSum", [x, b.const(np.int64(axis))]))


@translates("prod")
def _prod(b: Builder, node: Node) -> str:
    return _reduce("ReduceProd")(b, node)


@translates("einsum")
def _einsum(b: Builder, node: Node) -> str:
    """Einsum; operands whose "..." stands for fewer axes than another's get size-1 axes
    there (numpy broadcasts them; ONNX wants the same number)."""
    equation = str(node.kwargs["subscripts"]).replace(" ", "")
    ins = same_dtype(b, node)
    terms = equation.split("->")[0].split(",")
    if "..." in equation and len(terms) == len(ins):
        ranks = [len(shape) - len(t.replace("...", "")) for t, shape in zip(terms, node.shapes, strict=True)]
        most = max(ranks)
        for i, (t, r) in enumerate(zip(terms, ranks, strict=True)):
            if "..." in t and r < most:
                at = t.index("...")
                ins[i] = b.add("Unsqueeze", [ins[i], b.ints(list(range(at, at + most - r)))])
    return str(b.add("Einsum", ins, equation=equation))


@translates("roll")
def _roll(b: Builder, node: Node) -> str:
    """Per axis: the last `shift` entries, then the others (Slice, Slice, Concat). Without an
    axis, numpy rolls the flattened tensor."""
    (x,) = same_dtype(b, node)
    shape = list(node.shapes[0])
    shifts, axis = node.kwargs.get("shifts", 0), node.kwargs.get("axis")
    flat = axis is None
    if axis is None:
        x = b.add("Reshape", [x, b.ints([-1])])
        shape, axes, shifts = [int(np.prod(shape))], [0], [int(np.sum(shifts))]
    else:
        axes = [int(a) % len(shape) for a in np.atleast_1d(axis)]
        shifts = [int(s) for s in np.broadcast_to(np.atleast_1d(shifts), (len(axes),))]
    for a, s in zip(axes, shifts, strict=True):
        n = shape[a]
        s %= max(n, 1)
        if s:
            tail = b.add("Slice", [x, b.ints([n - s]), b.ints([n]), b.ints([a])])
            head = b.add("Slice", [x, b.ints([0]), b.ints([n - s]), b.ints([a])])
            x = b.add("Concat", [tail, head], axis=a)
    if flat:
        x = b.add("Reshape", [x, b.ints(list(node.shapes[0]))])
    return str(x if x != node.inputs[0] else b.add("Identity", [x]))

