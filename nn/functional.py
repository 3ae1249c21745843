"""Activations and losses as functions: `from nn import functional as F`.

Every loss takes `reduction`: "mean" (the default) averages the per-element losses, "sum" adds
them, "none" returns them unreduced (shape of the targets, or of the rows for cross_entropy).
Inputs may be Tensors or arrays; targets never need `requires_grad`.

The two binary cross-entropies are fused ops (one `ag.Function` each, forward and backward side
by side) because their textbook forms are unstable: log(0) = -inf for probabilities, and
e^x overflows for large logits.

>>> import autograd as ag
>>> from nn import functional as F
>>> p = ag.tensor([0.8, 0.7, 0.1], requires_grad=True)
>>> round(F.binary_cross_entropy(p, [1.0, 1.0, 0.0], reduction="sum").item(), 6)
0.685179
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor, dual
from autograd.ops import activation as _act
from autograd.ops import conv as _conv
from autograd.ops import interpolate as _interp
from autograd.ops import pool as _pool
from autograd.ops.everyday import normalize as normalize
from autograd.ops.everyday import one_hot as one_hot
from autograd.ops.shaping import torch_pad as _torch_pad
from autograd.random import resolve
from autograd.tracing import fresh

from .attention import scaled_dot_product_attention as scaled_dot_product_attention

pad = _torch_pad  # torch.nn.functional.pad: (left, right, top, bottom, ...) from the last axis

Array = Any  # a numpy array, or a Tensor when backward records a graph
REDUCTIONS = ("mean", "sum", "none")
# PyTorch clamps the logs in binary_cross_entropy at -100, so p = 0 or 1 gives a finite loss.
LOG_FLOOR = -100.0
# ... and keeps the backward's denominator p(1 - p) at least this large.
BCE_EPS = 1e-12


# -- activations ------------------------------------------------------------------------------
def identity(x: Tensor) -> Tensor:
    """y = x."""
    return x


def sigmoid(x: Tensor) -> Tensor:
    """y = 1 / (1 + e^-x) elementwise, stable for any x."""
    return _as_tensor(x).sigmoid()


def tanh(x: Tensor) -> Tensor:
    """y = tanh x elementwise."""
    return _as_tensor(x).tanh()


def relu(x: Tensor) -> Tensor:
    """y = max(x, 0) elementwise."""
    return _as_tensor(x).relu()


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """y = x where x > 0, else negative_slope * x."""
    return _as_tensor(x).leaky_relu(negative_slope)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """y = log(1 + e^(beta x)) / beta, and y = x where beta x > threshold (there the two agree to
    within e^-threshold, and x avoids the rounding), as PyTorch."""
    x = _as_tensor(x)
    if beta == 0:
        raise ValueError("softplus: beta must not be 0")
    if beta == 1.0 and not (x.data > threshold).any():
        return x.softplus()
    smooth = (x * beta).softplus() / beta if beta != 1.0 else x.softplus()
    return ag.where(x.data * beta > threshold, x, smooth)


gelu = _act.gelu
silu = _act.silu
quick_gelu = _act.quick_gelu
elu = _act.elu
selu = _act.selu
celu = _act.celu
mish = _act.mish
hardswish = _act.hardswish
hardsigmoid = _act.hardsigmoid
hardtanh = _act.hardtanh
relu6 = _act.relu6
logsigmoid = _act.logsigmoid
softsign = _act.softsign
prelu = _act.prelu


def softmin(x: Tensor, axis: int = -1, dim: int | None = None) -> Tensor:
    """y = softmax(-x) along `axis` (`dim` is PyTorch's name for it)."""
    return _act.softmin(x, axis if dim is None else dim)


def glu(x: Tensor, axis: int = -1, dim: int | None = None) -> Tensor:
    """y = a sigmoid(b) for the halves a, b of x along `axis` (or `dim`); its size must be even."""
    return _act.glu(x, axis if dim is None else dim)


def softmax(x: Tensor, axis: int = -1, dim: int | None = None) -> Tensor:
    """y_i = e^(x_i) / sum_j e^(x_j) along `axis` (stable: the max is subtracted first);
    `dim` is PyTorch's name for `axis`."""
    return _as_tensor(x).softmax(axis=axis if dim is None else dim)


def log_softmax(x: Tensor, axis: int = -1, dim: int | None = None) -> Tensor:
    """y_i = x_i - log sum_j e^(x_j) along `axis` (or `dim`) (stable)."""
    return _as_tensor(x).log_softmax(axis=axis if dim is None else dim)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x @ W^T + b.  x: (..., in), W: (out, in), b: (out,) -> y: (..., out)."""
    x = match_dtype("linear", _as_tensor(x), weight)
    if x.ndim == 0 or x.shape[-1] != weight.shape[-1]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not fit a weight of shape {weight.shape}: "
            f"expected the input's last axis to have {weight.shape[-1]} features"
        )
    return ag.linear(x, weight, bias)


def match_dtype(where: str, x: Tensor, weight: Tensor) -> Tensor:
    """The input of a layer, in the layer's dtype.

    Integer and bool inputs are converted. A float input of another precision is an error,
    as in PyTorch: numpy would silently compute the whole layer (and everything after it) in
    the wider type - a float32 model fed float64 data would run in float64.
    """
    if x.dtype == weight.dtype:
        return x
    if x.dtype.kind != "f":
        return ag.Tensor(x.data.astype(weight.dtype))
    raise TypeError(
        f"{where}: the input is {x.dtype} but the weights are {weight.dtype}; convert the input "
        f"(x.astype(np.{weight.dtype})) or build the model in {x.dtype} "
        "(ag.set_default_dtype before creating it)"
    )


def dropout(x: Tensor, p: float = 0.5, training: bool = True, rng: Any = None) -> Tensor:
    """Zero each element with probability p and scale the rest by 1 / (1 - p) ("inverted"
    dropout, so the expected value is unchanged and evaluation needs no rescaling).

    Off (y = x) when not `training` or p = 0. The mask is drawn from `rng` (a Generator, an int
    seed, or None for the library's generator).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    x = _as_tensor(x)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    return x * _dropout_mask(rng, x.shape, p, x.dtype)


@fresh  # under ag.compile: a new mask on every call, not the one drawn while tracing
def _dropout_mask(rng: Any, shape: tuple[int, ...], p: float, dtype: Any) -> Tensor:
    """keep / (1 - p) with keep ~ Bernoulli(1 - p): the scaled mask of inverted dropout."""
    keep = resolve(rng).random(shape) >= p
    return Tensor((keep * (1.0 / (1.0 - p))).astype(dtype))


# -- convolution and pooling (autograd/ops/conv.py, pool.py): PyTorch's names and arguments ----
def conv1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-d convolution: input (N, C, L) or (C, L), weight (O, C/groups, K), bias (O,) or None.
    padding: an int, "valid" or "same" (stride 1)."""
    return _conv.conv(input, weight, bias, stride, padding, dilation, groups, nd=1)


def conv2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-d convolution: input (N, C, H, W) or (C, H, W), weight (O, C/groups, KH, KW), bias (O,)
    or None -> (N, O, H', W'). stride, padding, dilation: an int or a pair; padding also "valid"
    or "same" (stride 1).

    >>> import autograd as ag
    >>> y = conv2d(ag.ones(1, 1, 4, 4), ag.ones(2, 1, 3, 3), padding=1)
    >>> y.shape, y.data[0, 0, 0, 0], y.data[0, 0, 1, 1]
    ((1, 2, 4, 4), np.float64(4.0), np.float64(9.0))
    """
    return _conv.conv(input, weight, bias, stride, padding, dilation, groups, nd=2)


def conv3d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-d convolution: input (N, C, D, H, W), weight (O, C/groups, KD, KH, KW), bias (O,)."""
    return _conv.conv(input, weight, bias, stride, padding, dilation, groups, nd=3)


def conv_transpose1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """1-d transposed convolution: input (N, C_in, L), weight (C_in, C_out/groups, K)."""
    return _conv.conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, nd=1)


def conv_transpose2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """2-d transposed convolution (the gradient of conv2d with respect to its input):
    input (N, C_in, H, W), weight (C_in, C_out/groups, KH, KW) -> (N, C_out, H', W') with
    H' = (H - 1) stride - 2 padding + dilation (KH - 1) + output_padding + 1."""
    return _conv.conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, nd=2)


def conv_transpose3d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """3-d transposed convolution: input (N, C_in, D, H, W), weight (C_in, C_out/groups, *K)."""
    return _conv.conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, nd=3)


def max_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max over windows of (N, C, L); with return_indices also the argmax positions."""
    return _pool.max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd=1)


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max over windows of (N, C, H, W) (stride defaults to kernel_size; padding is -inf);
    with return_indices also the flat argmax positions in each input plane (for max_unpool2d).

    >>> import autograd as ag
    >>> max_pool2d(ag.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    return _pool.max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd=2)


def max_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max over windows of (N, C, D, H, W)."""
    return _pool.max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd=3)


def max_unpool1d(input: Any, indices: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    """The inverse of max_pool1d: values placed at their indices, zeros elsewhere."""
    return _pool.max_unpool(input, indices, kernel_size, stride, padding, output_size, nd=1)


def max_unpool2d(input: Any, indices: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    """The inverse of max_pool2d(..., return_indices=True): values placed at their indices in a
    zero (N, C, H, W) output, H = (H_in - 1) stride - 2 padding + kernel (or output_size)."""
    return _pool.max_unpool(input, indices, kernel_size, stride, padding, output_size, nd=2)


def max_unpool3d(input: Any, indices: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    """The inverse of max_pool3d: values placed at their indices, zeros elsewhere."""
    return _pool.max_unpool(input, indices, kernel_size, stride, padding, output_size, nd=3)


def avg_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """Mean over windows of (N, C, L)."""
    return _pool.avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, nd=1)


def avg_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over windows of (N, C, H, W) (stride defaults to kernel_size). The divisor is the
    window size, or with count_include_pad=False the number of input elements in it."""
    return _pool.avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                          divisor_override, nd=2)


def avg_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over windows of (N, C, D, H, W)."""
    return _pool.avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                          divisor_override, nd=3)


def adaptive_avg_pool1d(input: Any, output_size: Any) -> Tensor:
    """Mean over the adaptive windows that cut (N, C, L) into output_size pieces."""
    return _pool.adaptive_avg_pool(input, output_size, nd=1)


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Tensor:
    """Mean over adaptive windows: (N, C, H, W) -> (N, C, *output_size); output i of an axis
    of size S covers rows floor(i S / L) .. ceil((i + 1) S / L) - 1. output_size 1 is global
    average pooling."""
    return _pool.adaptive_avg_pool(input, output_size, nd=2)


def adaptive_avg_pool3d(input: Any, output_size: Any) -> Tensor:
    """Mean over adaptive windows of (N, C, D, H, W)."""
    return _pool.adaptive_avg_pool(input, output_size, nd=3)


def adaptive_max_pool1d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """Max over the adaptive windows of (N, C, L)."""
    return _pool.adaptive_max_pool(input, output_size, return_indices, nd=1)


def adaptive_max_pool2d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """Max over adaptive windows: (N, C, H, W) -> (N, C, *output_size)."""
    return _pool.adaptive_max_pool(input, output_size, return_indices, nd=2)


def adaptive_max_pool3d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """Max over the adaptive windows of (N, C, D, H, W)."""
    return _pool.adaptive_max_pool(input, output_size, return_indices, nd=3)


def interpolate(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> Tensor:
    """Resize the spatial axes of (N, C, *S) to `size` or by `scale_factor`: mode "nearest",
    "nearest-exact", "linear" (N, C, L), "bilinear" (N, C, H, W) or "trilinear"
    (N, C, D, H, W), with align_corners for the linear modes, as PyTorch.

    >>> import autograd as ag
    >>> interpolate(ag.tensor([[[1.0, 2.0]]]), scale_factor=2, mode="linear")
    tensor([[[1.  , 1.25, 1.75, 2.  ]]])
    """
    return _interp.interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor)


# -- fused ops --------------------------------------------------------------------------------
def _maximum(x: Array, floor: float) -> Array:
    return ag.maximum(x, floor) if isinstance(x, Tensor) else np.maximum(x, floor)


def _clamped_log(x: Array) -> Array:
    """max(log x, -100); log 0 = -inf is expected here, so numpy must not warn."""
    if isinstance(x, Tensor):  # only under create_graph; clip first so log(0) never happens
        return x.clip(a_min=float(np.exp(LOG_FLOOR))).log()
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(x), LOG_FLOOR)


class BinaryCrossEntropy(ag.Function):
    """l = -(y log p + (1 - y) log(1 - p)).  dl/dp = (p-y)/(p(1-p)), dl/dy = log(1-p)-log(p).

    Each log is clamped at -100 (as PyTorch), and the denominator of dl/dp is kept >= 1e-12,
    so p = 0 or 1 stays finite.
    """

    array_forward = True  # forward works on numpy arrays: the fast path of the built-in ops

    @staticmethod
    def forward(ctx: BinaryCrossEntropy, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        ctx.saved_tensors = (p, y)
        return -(y * _clamped_log(p) + (1 - y) * _clamped_log(1 - p))

    @staticmethod
    def backward(ctx: BinaryCrossEntropy, g: Array) -> tuple[Array, Array]:
        p, y = ctx.saved_tensors
        need_p, need_y = ctx.needs_input_grad
        gp = g * (p - y) / _maximum(p * (1 - p), BCE_EPS) if need_p else None
        gy = g * (_clamped_log(1 - p) - _clamped_log(p)) if need_y else None
        return gp, gy

    @classmethod
    def op_name(cls) -> str:
        return "binary_cross_entropy"


class BinaryCrossEntropyWithLogits(ag.Function):
    """l = -(y log s(x) + (1 - y) log(1 - s(x))), s the sigmoid.  dl/dx = sigmoid(x)-y, dl/dy = -x.

    Computed stably as l = max(x, 0) - x y + log(1 + e^-|x|) (e^-|x| <= 1 never overflows;
    log1p keeps its precision when it is tiny). dl/dx is smooth, also at x = 0.
    """

    array_forward = True  # forward works on numpy arrays: the fast path of the built-in ops

    @staticmethod
    def forward(ctx: BinaryCrossEntropyWithLogits, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ctx.saved_tensors = (x, y)
        return np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx: BinaryCrossEntropyWithLogits, g: Array) -> tuple[Array, Array]:
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (g * (dual.sigmoid(x) - y) if need_x else None), (-(g * x) if need_y else None)

    @classmethod
    def op_name(cls) -> str:
        return "binary_cross_entropy_with_logits"


def _bce_inputs(rng: np.random.Generator, shapes: Any) -> list[np.ndarray]:
    # Probabilities away from 0 and 1 (the clamps are kinks) and soft targets in [0, 1].
    return [rng.uniform(0.1, 0.9, size=shapes[0]), rng.uniform(0.0, 1.0, size=shapes[1])]


# The fused losses are ops like the core's: registered, so the op suite checks them (forward
# against numpy, gradients and second derivatives against finite differences) and the
# reference lists them.
_LOSS_SAMPLES = ag.registry.samples(((4,), (4,)), ((2, 3), (2, 3)), ((2, 3), (3,)))
ag.registry.register(
    ag.OpInfo(
        name="binary_cross_entropy",
        call=lambda p, y: BinaryCrossEntropy.apply(p, y),
        ref=lambda p, y: -(y * np.log(p) + (1 - y) * np.log(1 - p)),
        samples=_LOSS_SAMPLES,
        function=BinaryCrossEntropy,
        make_inputs=_bce_inputs,
    )
)
ag.registry.register(
    ag.OpInfo(
        name="binary_cross_entropy_with_logits",
        call=lambda x, y: BinaryCrossEntropyWithLogits.apply(x, y),
        ref=lambda x, y: np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x))),
        samples=_LOSS_SAMPLES,
        function=BinaryCrossEntropyWithLogits,
        make_inputs=lambda rng, shapes: [rng.uniform(-3, 3, size=shapes[0]),
                                         rng.uniform(0.0, 1.0, size=shapes[1])],
    )
)


# -- losses -----------------------------------------------------------------------------------
def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error: l_i = (x_i - y_i)^2, then reduced.  Shapes must match."""
    _check_reduction("mse_loss", reduction)
    x = _as_tensor(input)
    y = _float_target("mse_loss", target, x)
    diff = x - y
    return _reduce(diff * diff, reduction)


def binary_cross_entropy(probs: Tensor, targets: Any, weight: Any = None, reduction: str = "mean") -> Tensor:
    """l_i = -(y_i log p_i + (1 - y_i) log(1 - p_i)), logs clamped at -100 (as PyTorch).

    probs: probabilities in [0, 1] (a sigmoid's output); targets: the same shape, in [0, 1];
    weight (broadcast to the targets) scales each l_i. For raw scores prefer
    `binary_cross_entropy_with_logits`, which is more accurate.
    """
    weight, reduction = _legacy_reduction(weight, reduction)
    _check_reduction("binary_cross_entropy", reduction)
    p = _as_tensor(probs)
    y = _float_target("binary_cross_entropy", targets, p)
    if p.size and (p.data.min() < 0 or p.data.max() > 1):
        raise ValueError(
            f"binary_cross_entropy: probabilities must be in [0, 1], got values from "
            f"{p.data.min():.4g} to {p.data.max():.4g}; for raw scores (logits) use "
            "binary_cross_entropy_with_logits"
        )
    loss = BinaryCrossEntropy.apply(p, y)
    if weight is not None:
        w = _constant("binary_cross_entropy", "weight", weight, p)
        _broadcastable("binary_cross_entropy", "weight", w.shape, p.shape)
        loss = loss * w
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(logits: Tensor, targets: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """binary_cross_entropy(sigmoid(x), y) computed stably from the logits x.

    l_i = max(x_i, 0) - x_i y_i + log(1 + e^-|x_i|): finite and accurate for any x (1e4 too).
    weight (broadcast to the targets) scales each l_i. pos_weight p (one per class, broadcast
    over the last axis) scales the positive term, as PyTorch:
    l_i = -(p y_i log s(x_i) + (1 - y_i) log(1 - s(x_i))) = (1 - y_i) x_i + (1 + (p - 1) y_i) softplus(-x_i).
    """
    name = "binary_cross_entropy_with_logits"
    weight, reduction = _legacy_reduction(weight, reduction)
    _check_reduction(name, reduction)
    x = _as_tensor(logits)
    y = _float_target(name, targets, x)
    if pos_weight is None:
        loss = BinaryCrossEntropyWithLogits.apply(x, y)
    else:
        pw = _constant(name, "pos_weight", pos_weight, x)
        _broadcastable(name, "pos_weight", pw.shape, x.shape)
        loss = (1 - y) * x + (1 + (pw - 1) * y) * (-x).softplus()
    if weight is not None:
        w = _constant(name, "weight", weight, x)
        _broadcastable(name, "weight", w.shape, x.shape)
        loss = loss * w
    return _reduce(loss, reduction)


def cross_entropy(logits: Tensor, targets: Any, weight: Any = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0, axis: int = -1,
                  dim: int | None = None) -> Tensor:
    """Softmax cross-entropy: l = -sum_c t_c log softmax(x)_c over the class axis.

    logits: (..., C) with the classes on `axis` (the last by default; `dim` is PyTorch's
    name for it), e.g. (N, C). targets: either integer class labels, the logits' shape without
    the class axis, e.g. (N,) with values in [0, C); or probability rows of the logits' shape.
    Computed with log_softmax, so large logits do not overflow. As PyTorch:

    - weight (C,): class c's terms are scaled by weight[c]; with labels, "mean" divides by the
      sum of the rows' weights weight[y_i] (not by N).
    - ignore_index: rows whose label equals it add nothing and are not counted.
    - label_smoothing eps: the target becomes (1 - eps) t + eps / C.

    A string in weight's place is the reduction (the library's earlier positional form).

    >>> import autograd as ag
    >>> logits = ag.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> round(cross_entropy(logits, [0, 2]).item(), 4)
    0.6691
    """
    name = "cross_entropy"
    weight, reduction = _legacy_reduction(weight, reduction)
    _check_reduction(name, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}")
    x = _as_tensor(logits)
    ax = _class_axis(name, x, axis if dim is None else dim)
    n_classes = x.shape[ax]
    w = _class_weight(name, weight, x, ax)
    arr = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
    logp = x.log_softmax(axis=ax)
    eps = float(label_smoothing)
    if arr.dtype.kind == "f":  # probability rows: l = -sum_c w_c t'_c log p_c, mean over rows
        t = _class_weights(name, targets, x, ax)
        if eps:
            t = t * (1 - eps) + eps / n_classes
        if w is not None:
            t = t * w
        return _reduce(-(logp * t).sum(axis=ax), reduction)
    onehot, valid = _one_hot(name, targets, x, ax, ignore_index)
    row_w = valid.astype(x.dtype) if w is None else (onehot * w).sum(axis=ax)  # w[y_i], 0 if ignored
    coef = onehot * (1 - eps) * (1.0 if w is None else w)
    if eps:  # the smoothing part, -eps/C sum_c w_c log p_c, for counted rows only
        spread = np.broadcast_to(eps / n_classes * (1.0 if w is None else w), x.shape)
        coef = coef + spread * np.expand_dims(valid, ax)
    loss = -(logp * coef.astype(x.dtype, copy=False)).sum(axis=ax)
    if reduction == "mean":
        return loss.sum() / _row_total(row_w)
    return _reduce(loss, reduction)


def nll_loss(log_probs: Tensor, targets: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean", axis: int = -1, dim: int | None = None) -> Tensor:
    """Negative log-likelihood: l_i = -weight[y_i] log_probs[i, y_i] (log_probs of a log_softmax).

    log_probs: (..., C) with the classes on `axis` (or `dim`); targets: integer labels in
    [0, C) of the log_probs' shape without the class axis. Rows labelled ignore_index add
    nothing; "mean" divides by the sum of weight[y_i] over the counted rows (PyTorch's rule).
    cross_entropy(x, y) = nll_loss(log_softmax(x), y).
    """
    name = "nll_loss"
    weight, reduction = _legacy_reduction(weight, reduction)
    _check_reduction(name, reduction)
    lp = _as_tensor(log_probs)
    ax = _class_axis(name, lp, axis if dim is None else dim)
    w = _class_weight(name, weight, lp, ax)
    onehot, valid = _one_hot(name, targets, lp, ax, ignore_index)
    coef = onehot if w is None else (onehot * w).astype(lp.dtype, copy=False)
    loss = -(lp * coef).sum(axis=ax)
    if reduction == "mean":
        return loss.sum() / _row_total(valid.astype(lp.dtype) if w is None else coef.sum(axis=ax))
    return _reduce(loss, reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean absolute error: l_i = |x_i - y_i|, then reduced."""
    _check_reduction("l1_loss", reduction)
    x = _as_tensor(input)
    return _reduce((x - _float_target("l1_loss", target, x)).abs(), reduction)


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """l_i = d^2 / 2 where |d| < delta, else delta (|d| - delta / 2), d = x_i - y_i: quadratic
    near 0, linear (robust to outliers) beyond delta."""
    name = "huber_loss"
    _check_reduction(name, reduction)
    if delta <= 0:
        raise ValueError(f"{name}: delta must be positive, got {delta}")
    x = _as_tensor(input)
    d = x - _float_target(name, target, x)
    a = d.abs()
    return _reduce(ag.where(a.data < delta, 0.5 * d * d, delta * (a - 0.5 * delta)), reduction)


def smooth_l1_loss(input: Tensor, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """l_i = d^2 / (2 beta) where |d| < beta, else |d| - beta / 2 (huber_loss / beta); beta = 0
    is l1_loss."""
    name = "smooth_l1_loss"
    _check_reduction(name, reduction)
    if beta < 0:
        raise ValueError(f"{name}: beta must be >= 0, got {beta}")
    x = _as_tensor(input)
    d = x - _float_target(name, target, x)
    a = d.abs()
    if beta == 0:
        return _reduce(a, reduction)
    return _reduce(ag.where(a.data < beta, (0.5 / beta) * d * d, a - 0.5 * beta), reduction)


def kl_div(input: Tensor, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence of the target from the input: input holds log-probabilities
    log q, target probabilities p (or log p with log_target):  l_i = p_i (log p_i - log q_i),
    0 where p_i = 0. reduction "batchmean" divides the sum by the batch size (the true KL
    divergence per sample); "mean" averages over all elements, as PyTorch."""
    name = "kl_div"
    if reduction not in (*REDUCTIONS, "batchmean"):
        raise ValueError(f"{name}: reduction must be 'mean', 'batchmean', 'sum' or 'none', got {reduction!r}")
    x = _as_tensor(input)
    t = _float_target(name, target, x)
    if log_target:
        loss = t.exp() * (t - x)
    else:
        positive = t.data > 0
        safe = ag.where(positive, t, 1.0)  # log 1 = 0 where p = 0: no log(0) in value or gradient
        loss = ag.where(positive, t * safe.log(), 0.0) - t * x
    if reduction == "batchmean":
        return loss.sum() / (x.shape[0] if x.ndim else 1)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0,
                          reduction: str = "mean") -> Tensor:
    """l_i = 1 - cos(x1_i, x2_i) where y_i = 1, max(0, cos(x1_i, x2_i) - margin) where y_i = -1.

    input1, input2: (N, D) or (D,); target: (N,) or () of 1 and -1. cos = <a, b> /
    sqrt((|a|^2 + 1e-12)(|b|^2 + 1e-12)), as PyTorch."""
    name = "cosine_embedding_loss"
    _check_reduction(name, reduction)
    a, b = _as_tensor(input1), _as_tensor(input2)
    if a.shape != b.shape or a.ndim not in (1, 2):
        raise ValueError(f"{name}: inputs of shapes {a.shape} and {b.shape}: expected two (N, D) or "
                         "two (D,) inputs")
    y = np.asarray(target.data if isinstance(target, Tensor) else target)
    if y.shape != a.shape[:-1]:
        raise ValueError(f"{name}: target of shape {y.shape} does not fit inputs {a.shape}: "
                         f"expected {a.shape[:-1]}")
    if not np.isin(y, (1, -1)).all():
        raise ValueError(f"{name}: target values must be 1 or -1, got {np.unique(y)[:5].tolist()}")
    eps = 1e-12
    cos = (a * b).sum(axis=-1) / (((a * a).sum(axis=-1) + eps) * ((b * b).sum(axis=-1) + eps)).sqrt()
    loss = ag.where(y == 1, 1 - cos, (cos - margin).relu())
    return _reduce(loss, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0,
                        reduction: str = "mean") -> Tensor:
    """l_i = max(0, -y_i (x1_i - x2_i) + margin), y_i = 1 when x1_i should rank higher, -1 when
    x2_i should."""
    name = "margin_ranking_loss"
    _check_reduction(name, reduction)
    a, b = _as_tensor(input1), _as_tensor(input2)
    y = _float_target(name, target, a)
    if b.shape != a.shape:
        raise ValueError(f"{name}: inputs of shapes {a.shape} and {b.shape} must have the same shape")
    return _reduce((-y * (a - b) + margin).relu(), reduction)


def hinge_loss(scores: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """Max-margin loss (micrograd's demo): l_i = max(0, 1 - y_i s_i) with y_i in {-1, +1}.

    It is zero once every point is on the right side with margin 1 (y_i s_i >= 1).
    """
    name = "hinge_loss"
    _check_reduction(name, reduction)
    s = _as_tensor(scores)
    y = _float_target(name, targets, s)
    bad = (y.data != 1) & (y.data != -1)
    if bad.any():
        values = np.unique(y.data[bad])[:5].tolist()
        raise ValueError(
            f"hinge_loss: targets must be -1 or +1, got {values}; turn 0/1 labels into -1/+1 "
            "with 2 * y - 1"
        )
    return _reduce((1 - y * s).relu(), reduction)


# -- helpers ----------------------------------------------------------------------------------
def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else ag.tensor(x)


def _check_reduction(name: str, reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _float_target(name: str, target: Any, like: Tensor) -> Tensor:
    """The target as a float tensor of `like`'s shape (and dtype, unless it is a Tensor)."""
    if isinstance(target, Tensor) and target.dtype.kind == "f":
        t = target
    else:
        kind = target.dtype.kind if isinstance(target, Tensor) else np.asarray(target).dtype.kind
        if kind not in "biuf":
            raise TypeError(f"{name}: targets must be numbers, got dtype {np.asarray(target).dtype}")
        # Converted from `target` itself, so that ag.compile sees which input the values are.
        t = target.astype(like.dtype) if isinstance(target, Tensor) else Tensor(target, dtype=like.dtype)
    if t.shape != like.shape:
        raise ValueError(
            f"{name}: input of shape {like.shape} and target of shape {t.shape} must have the "
            "same shape (reshape one of them, e.g. out.reshape(-1) for a (N, 1) output)"
        )
    return t


def _class_axis(name: str, x: Tensor, axis: int) -> int:
    if x.ndim == 0:
        raise ValueError(f"{name}: expected scores with a class axis, e.g. (N, C), got shape ()")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{name}: axis {axis} is out of bounds for scores of shape {x.shape}")
    return axis % x.ndim


def _class_weights(name: str, targets: Any, x: Tensor, axis: int) -> Any:
    """What multiplies log_softmax: one-hot rows for labels, or the probability rows."""
    arr = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
    if arr.dtype.kind != "f":
        return _one_hot(name, targets, x, axis)
    if arr.shape == x.shape:
        return targets if isinstance(targets, Tensor) else arr.astype(x.dtype)
    labels_shape = x.shape[:axis] + x.shape[axis + 1 :]
    if arr.shape == labels_shape:
        raise TypeError(
            f"{name}: class labels must be integers, got dtype {arr.dtype} (use y.astype(int)); "
            f"float targets are taken as probability rows of the scores' shape {x.shape}"
        )
    raise ValueError(
        f"{name}: targets of shape {arr.shape} fit scores of shape {x.shape} neither as integer "
        f"labels (shape {labels_shape}) nor as probability rows (shape {x.shape})"
    )


def _one_hot(name: str, targets: Any, x: Tensor, axis: int, ignore_index: int | None = None) -> Any:
    """Integer labels (x's shape without `axis`) as one-hot rows of x's shape and dtype.

    With ignore_index given, also the mask of the counted rows: rows labelled ignore_index
    get a zero row."""
    labels = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
    expected = x.shape[:axis] + x.shape[axis + 1 :]
    n_classes = x.shape[axis]
    if labels.dtype.kind not in "iu":
        hint = " (use y.astype(int))" if labels.dtype.kind == "f" else ""
        raise TypeError(f"{name}: class labels must be integers, got dtype {labels.dtype}{hint}")
    if labels.shape != expected:
        raise ValueError(
            f"{name}: labels of shape {labels.shape} do not fit scores of shape {x.shape}: "
            f"expected labels of shape {expected} (one class index per row)"
        )
    valid = np.ones(labels.shape, dtype=bool) if ignore_index is None else labels != ignore_index
    counted = labels[valid]
    if counted.size and (counted.min() < 0 or counted.max() >= n_classes):
        raise ValueError(
            f"{name}: labels must be in [0, {n_classes}) for {n_classes} classes, got values "
            f"from {counted.min()} to {counted.max()}"
        )
    onehot = np.eye(n_classes, dtype=x.dtype)[np.where(valid, labels, 0)] * valid[..., None]
    onehot = np.moveaxis(onehot, -1, axis)
    return onehot if ignore_index is None else (onehot, valid)


def _legacy_reduction(weight: Any, reduction: str) -> tuple[Any, str]:
    """PyTorch's third argument is weight; this library's losses took reduction there."""
    if isinstance(weight, str):
        return None, weight
    return weight, reduction


def _constant(name: str, what: str, value: Any, like: Tensor) -> np.ndarray:
    arr = value.data if isinstance(value, Tensor) else np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name}: {what} must be numbers, got dtype {arr.dtype}")
    return arr.astype(like.dtype, copy=False)


def _broadcastable(name: str, what: str, shape: tuple[int, ...], target: tuple[int, ...]) -> None:
    try:
        ok = np.broadcast_shapes(shape, target) == target
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{name}: {what} of shape {shape} cannot be broadcast to the input's shape {target}")


def _class_weight(name: str, weight: Any, x: Tensor, axis: int) -> np.ndarray | None:
    """A (C,) class weight as an array that broadcasts along the class axis of x."""
    if weight is None:
        return None
    w = _constant(name, "weight", weight, x)
    n_classes = x.shape[axis]
    if w.shape != (n_classes,):
        raise ValueError(f"{name}: weight of shape {w.shape} does not fit {n_classes} classes: "
                         f"expected ({n_classes},)")
    return w.reshape((n_classes,) + (1,) * (x.ndim - 1 - axis))


def _row_total(row_weights: np.ndarray) -> Any:
    """The denominator of a weighted mean: the sum of the counted rows' weights."""
    return row_weights.sum()
