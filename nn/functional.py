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
from autograd.ops import conv as _conv
from autograd.ops import pool as _pool
from autograd.random import resolve
from autograd.tracing import fresh

from .attention import scaled_dot_product_attention as scaled_dot_product_attention

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


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """y_i = e^(x_i) / sum_j e^(x_j) along `axis` (stable: the max is subtracted first)."""
    return _as_tensor(x).softmax(axis=axis)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """y_i = x_i - log sum_j e^(x_j) along `axis` (stable)."""
    return _as_tensor(x).log_softmax(axis=axis)


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
        ctx.save_for_backward(p, y)
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
        ctx.save_for_backward(x, y)
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


def binary_cross_entropy(probs: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """l_i = -(y_i log p_i + (1 - y_i) log(1 - p_i)), logs clamped at -100 (as PyTorch).

    probs: probabilities in [0, 1] (a sigmoid's output); targets: the same shape, in [0, 1].
    For raw scores prefer `binary_cross_entropy_with_logits`, which is more accurate.
    """
    _check_reduction("binary_cross_entropy", reduction)
    p = _as_tensor(probs)
    y = _float_target("binary_cross_entropy", targets, p)
    if p.size and (p.data.min() < 0 or p.data.max() > 1):
        raise ValueError(
            f"binary_cross_entropy: probabilities must be in [0, 1], got values from "
            f"{p.data.min():.4g} to {p.data.max():.4g}; for raw scores (logits) use "
            "binary_cross_entropy_with_logits"
        )
    return _reduce(BinaryCrossEntropy.apply(p, y), reduction)


def binary_cross_entropy_with_logits(logits: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """binary_cross_entropy(sigmoid(x), y) computed stably from the logits x.

    l_i = max(x_i, 0) - x_i y_i + log(1 + e^-|x_i|): finite and accurate for any x (1e4 too).
    """
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    x = _as_tensor(logits)
    y = _float_target("binary_cross_entropy_with_logits", targets, x)
    return _reduce(BinaryCrossEntropyWithLogits.apply(x, y), reduction)


def cross_entropy(logits: Tensor, targets: Any, reduction: str = "mean", axis: int = -1) -> Tensor:
    """Softmax cross-entropy: l = -sum_c t_c log softmax(x)_c over the class axis.

    logits: (..., C) with the classes on `axis` (the last by default), e.g. (N, C).
    targets: either integer class labels, the logits' shape without the class axis, e.g. (N,)
    with values in [0, C); or probability rows of the logits' shape, e.g. (N, C).
    Computed with log_softmax, so large logits do not overflow.

    >>> import autograd as ag
    >>> logits = ag.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> round(cross_entropy(logits, [0, 2]).item(), 4)
    0.6691
    """
    name = "cross_entropy"
    _check_reduction(name, reduction)
    x = _as_tensor(logits)
    ax = _class_axis(name, x, axis)
    weights = _class_weights(name, targets, x, ax)
    return _reduce(-(x.log_softmax(axis=ax) * weights).sum(axis=ax), reduction)


def nll_loss(log_probs: Tensor, targets: Any, reduction: str = "mean", axis: int = -1) -> Tensor:
    """Negative log-likelihood: l = -log_probs[label] (the log_probs of a log_softmax).

    log_probs: (..., C) with the classes on `axis`; targets: integer labels in [0, C) of the
    log_probs' shape without the class axis.  cross_entropy(x, y) = nll_loss(log_softmax(x), y).
    """
    name = "nll_loss"
    _check_reduction(name, reduction)
    lp = _as_tensor(log_probs)
    ax = _class_axis(name, lp, axis)
    onehot = _one_hot(name, targets, lp, ax)
    return _reduce(-(lp * onehot).sum(axis=ax), reduction)


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


def _one_hot(name: str, targets: Any, x: Tensor, axis: int) -> np.ndarray:
    """Integer labels (x's shape without `axis`) as one-hot rows of x's shape and dtype."""
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
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"{name}: labels must be in [0, {n_classes}) for {n_classes} classes, got values "
            f"from {labels.min()} to {labels.max()}"
        )
    onehot = np.eye(n_classes, dtype=x.dtype)[labels]
    return np.moveaxis(onehot, -1, axis)
