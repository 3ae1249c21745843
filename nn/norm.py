"""Normalization layers: BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm, as PyTorch's.

Each standardizes its input over some axes, y = (x - mean) / sqrt(var + eps) with the biased
variance, then applies a learned per-feature scale and shift (`weight`, `bias`). LayerNorm and
GroupNorm share the registered op `standardize`; BatchNorm in training mode is one registered
op, `batch_norm` (statistics, scale and shift; per-channel sums as matrix-vector products).
The op suite checks both ops' gradients and second derivatives against finite differences;
tests/test_nn_layers_vs_torch.py checks the layers against torch.nn with the same weights.

>>> import autograd as ag, nn
>>> bn = nn.BatchNorm1d(3)
>>> y = bn(ag.randn(8, 3))
>>> [name for name in bn.state_dict()]
['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor
from autograd.dtypes import get_default_dtype
from autograd.function import Op
from autograd.ops.reduce import normalize_axis
from autograd.tracing import ACTIVE, opaque

from . import functional
from .module import Module, Parameter

Array = Any  # a numpy array, or a Tensor when backward records a graph


class Standardize(Op):
    """y = (x - m) / s, s = sqrt(var + eps) over axis.  dy/dx = (g-mean(g)-y*mean(g*y))/sqrt(var+eps).

    m and var are the mean and the biased variance over `axis` (a tuple of axes); x: any shape.
    One op instead of seven (mean, subtract, square, mean, add, sqrt, divide): LayerNorm and
    GroupNorm normalize with it (BatchNorm with `BatchNormOp`, which adds the affine part).
    """

    @staticmethod
    def forward(
        ctx: Standardize, x: np.ndarray, axis: tuple[int, ...] = (-1,), eps: float = 1e-5
    ) -> np.ndarray:
        mean = x.mean(axis=axis, keepdims=True)
        xc = x - mean
        var = np.mean(xc * xc, axis=axis, keepdims=True)
        rstd = 1.0 / np.sqrt(var + eps)
        y = np.asarray(xc * rstd)
        ctx.saved_tensors = (x, y)  # y: the very array returned (see the note in elementwise.py)
        ctx.stats = (mean, var, rstd)
        return y

    @staticmethod
    def backward(ctx: Standardize, g: Array) -> Array:
        x, y = ctx.saved_tensors
        axis, eps = ctx.kwargs.get("axis", (-1,)), ctx.kwargs.get("eps", 1e-5)
        if isinstance(x, Tensor):  # recording (create_graph): 1/sqrt(var + eps) as a function of x
            xc = x - x.mean(axis=axis, keepdims=True)
            rstd = ((xc * xc).mean(axis=axis, keepdims=True) + eps) ** -0.5
        else:
            rstd = ctx.stats[2]
        return rstd * (g - g.mean(axis=axis, keepdims=True) - y * (g * y).mean(axis=axis, keepdims=True))

    @classmethod
    def op_name(cls) -> str:
        return "standardize"


def standardize(x: Any, axis: Any = -1, eps: float = 1e-5) -> Tensor:
    """(x - mean) / sqrt(var + eps) over `axis` (an int or a tuple), biased variance, one op."""
    t = x if isinstance(x, Tensor) else ag.tensor(x)
    axes = normalize_axis("standardize", axis, t.shape)
    return Standardize.apply(t, axis=axes, eps=float(eps))


def _standardize(x: Tensor, axes: tuple[int, ...], eps: float) -> tuple[Tensor, Any, Any]:
    """(x - mean) / sqrt(var + eps) over `axes`, with the mean and biased variance: the op's
    own arrays, or under ag.compile's tracing Tensors computed from x (no gradient), so that a
    compiled step's running-statistics update sees each call's statistics."""
    y = Standardize.apply(x, axis=axes, eps=eps)
    ctx = y._ctx
    if ACTIVE.tracer is not None:
        xd = x.detach()
        mean_t = xd.mean(axis=axes, keepdims=True)
        xc = xd - mean_t
        return y, mean_t, (xc * xc).mean(axis=axes, keepdims=True)
    if ctx is not None:
        mean, var, _ = ctx.stats
    else:  # not recorded (no_grad, or no input needs a gradient): compute the statistics again
        data = x.data
        mean = data.mean(axis=axes, keepdims=True)
        var = np.mean((data - mean) ** 2, axis=axes, keepdims=True)
    return y, mean, var


def _ref_standardize(x: np.ndarray, axis: Any = -1, eps: float = 1e-5) -> np.ndarray:
    mean = x.mean(axis=axis, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=axis, keepdims=True) + eps)


ag.registry.register(
    ag.OpInfo(
        name="standardize",
        call=lambda x, **kw: standardize(x, **kw),
        ref=_ref_standardize,
        samples=ag.registry.samples(
            ((4,), {}),
            ((3, 4), {"axis": -1}),
            ((3, 4), {"axis": 0, "eps": 0.1}),
            ((2, 3, 4), {"axis": (0, 2)}),
            ((2, 3, 2, 2), {"axis": (1, 2, 3)}),
        ),
        function=Standardize,
    )
)


def channel_sums(a: np.ndarray) -> np.ndarray:
    """The sums of a (N, C, *S) over all axes but the channels (axis 1): (C,).

    One matrix-vector product over the batch, then C short contiguous rows. (numpy's own sum
    over axes (0, 2, 3) of a small image batch walks it a few values at a time: about 30x
    slower for a 64x16x8x8 batch.)
    """
    n, c = a.shape[:2]
    per_position = np.ones(n, dtype=a.dtype) @ np.ascontiguousarray(a).reshape(n, -1)
    return per_position.reshape(c, -1).sum(axis=1)


def _moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The per-channel mean and biased variance of x (N, C, *S), two passes."""
    count = x.size // x.shape[1]
    mean = channel_sums(x) / count
    xc = x - mean.reshape((1, -1) + (1,) * (x.ndim - 2))
    return mean, channel_sums(xc * xc) / count


class BatchNormOp(Op):
    """y = x̂ w + b per channel, x̂ = (x - m) / s, s = sqrt(var + eps).
    dy/dx = w/s (g - mean(g) - x̂ mean(g x̂)), dy/dw = sum(g x̂), dy/db = sum(g).

    x: (N, C, *S); w, b: (C,), or None (no affine part); m, var (the biased variance), the means
    and the sums are over N and S, per channel: batch normalization with the batch's statistics,
    as one op (forward and the closed-form backward), instead of standardize, two reshapes, a
    product and a sum whose backward would reduce over (0, 2, 3) twice more.
    """

    @staticmethod
    def forward(ctx: BatchNormOp, x: np.ndarray, weight: np.ndarray | None = None,
                bias: np.ndarray | None = None, eps: float = 1e-5) -> np.ndarray:
        shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        mean, var = _moments(x)  # two passes: stable when |m| >> s
        rstd = 1.0 / np.sqrt(var + eps)
        xhat = (x - mean.reshape(shape)) * rstd.reshape(shape)
        # (x̂ is kept for backward, and the caller may change y in place: y is a new array)
        y = xhat * weight.reshape(shape) if weight is not None else xhat.copy()
        if bias is not None:
            y += bias.reshape(shape)
        ctx.xhat, ctx.rstd, ctx.stats = xhat, rstd, (mean, var)
        ctx.saved_tensors = (x, weight)
        return y

    @staticmethod
    def backward(ctx: BatchNormOp, g: Array) -> tuple[Array, Array, Array]:
        x, w = ctx.saved_tensors
        c = x.shape[1]
        count = math.prod(x.shape) // c
        shape = (1, c) + (1,) * (x.ndim - 2)
        nx, nw, nb = ctx.needs_input_grad
        if isinstance(x, Tensor) or isinstance(g, Tensor):  # recording (create_graph): from x
            axes = (0, *range(2, x.ndim))
            xc = x - x.mean(axis=axes, keepdims=True)
            rstd = ((xc * xc).mean(axis=axes, keepdims=True) + ctx.kwargs.get("eps", 1e-5)) ** -0.5
            xhat = xc * rstd
            gs = g.sum(axis=axes, keepdims=True)
            gxs = (g * xhat).sum(axis=axes, keepdims=True)
            scale = rstd if w is None else rstd * w.reshape(shape)
            gx = scale * (g - gs / count - xhat * (gxs / count)) if nx else None
            return gx, (gxs.reshape(c) if nw else None), (gs.reshape(c) if nb else None)
        xhat = ctx.xhat
        gs, gxs = channel_sums(g), channel_sums(g * xhat)
        gx = None
        if nx:
            scale = ctx.rstd if w is None else ctx.rstd * w
            gx = xhat * (gxs / -count).reshape(shape)
            gx += g
            gx -= (gs / count).reshape(shape)
            gx *= scale.reshape(shape)
        return gx, (gxs if nw else None), (gs if nb else None)

    @classmethod
    def op_name(cls) -> str:
        return "batch_norm"


def batch_norm(x: Any, weight: Any = None, bias: Any = None, eps: float = 1e-5) -> Tensor:
    """Batch normalization of x (N, C, *S) with its own statistics (training mode), then
    weight and bias per channel (see `BatchNormOp`)."""
    t = x if isinstance(x, Tensor) else ag.tensor(x)
    if t.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C, *), got shape {t.shape}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(np.shape(p.data if isinstance(p, Tensor) else p)) != (t.shape[1],):
            raise ValueError(f"batch_norm: {name} must have shape ({t.shape[1]},) for an input of "
                             f"shape {t.shape}, got {np.shape(p.data if isinstance(p, Tensor) else p)}")
    return BatchNormOp.apply(t, weight, bias, eps=float(eps))


def _ref_batch_norm(x: np.ndarray, weight: np.ndarray | None = None, bias: np.ndarray | None = None,
                    eps: float = 1e-5) -> np.ndarray:
    axes = (0, *range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    y = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    if weight is not None:
        y = y * weight.reshape(shape)
    return y if bias is None else y + bias.reshape(shape)


ag.registry.register(
    ag.OpInfo(
        name="batch_norm",
        call=lambda x, w=None, b=None, **kw: batch_norm(x, w, b, **kw),
        ref=_ref_batch_norm,
        samples=ag.registry.samples(
            ((4, 3), (3,), (3,)),
            ((2, 3, 4, 4), (3,), (3,)),
            (((3, 2, 5), (2,), (2,)), {"eps": 0.1}),
            ((3, 2, 2, 2),),
        ),
        function=BatchNormOp,
    )
)


class BatchStats(Op):
    """s = (mean, biased variance) per channel of x (N, C, *S), stacked: (2, C).
    ds/dx: not taken (x is detached: the statistics only feed the running averages).
    """

    @staticmethod
    def forward(ctx: BatchStats, x: np.ndarray) -> np.ndarray:
        return np.stack(_moments(x))

    @staticmethod
    def backward(ctx: BatchStats, g: Array) -> Array:
        return None

    @classmethod
    def op_name(cls) -> str:
        return "batch_stats"


def _batch_stats(x: Tensor, y: Tensor) -> tuple[Any, Any]:
    """The batch's per-channel mean and biased variance that made y = batch_norm(x): the op's
    own arrays; or, under ag.compile's tracing, an op on x (no gradient) that a compiled step
    runs again on every call, so that its running-statistics update sees each call's
    statistics - computed as the op computes them, so compiled and eager agree to the bit."""
    ctx = y._ctx
    if ACTIVE.tracer is not None or ctx is None:  # (not recorded: no_grad, or no input needs a gradient)
        stats = BatchStats.apply(x.detach())
        return stats[0], stats[1]
    return ctx.stats


def _where(module: Module) -> str:
    return f"{type(module).__name__} {module._name!r}" if module._name else type(module).__name__


def _check_eps(where: str, eps: float) -> float:
    if not (isinstance(eps, (int, float)) and eps >= 0):
        raise ValueError(f"{where}: eps must be a non-negative number, got {eps!r}")
    return float(eps)


class _BatchNorm(Module):
    """Normalize each channel (axis 1) over the batch and every other axis.

    Training: the batch's mean and biased variance normalize x; the running statistics are
    updated (if tracked) as running = (1 - momentum) * running + momentum * batch, with the
    unbiased batch variance for running_var; `momentum=None` gives the cumulative average
    (factor 1 / num_batches_tracked). Eval: the running statistics normalize x (or the batch's,
    without `track_running_stats`). Then y = weight * x_hat + bias per channel (if `affine`).

    Parameters `weight` (ones) and `bias` (zeros), buffers `running_mean` (zeros),
    `running_var` (ones) and `num_batches_tracked` (int64), all of shape (C,) but the last.
    """

    _dims: tuple[int, ...] = ()  # the input ranks this layer accepts
    running_mean: Tensor
    running_var: Tensor
    num_batches_tracked: Tensor

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        where = type(self).__name__
        if (
            isinstance(num_features, bool)
            or not isinstance(num_features, (int, np.integer))
            or num_features < 1
        ):
            raise ValueError(f"{where}: num_features must be a positive int, got {num_features!r}")
        if momentum is not None and not (isinstance(momentum, (int, float)) and 0 <= momentum <= 1):
            raise ValueError(f"{where}: momentum must be in [0, 1] or None, got {momentum!r}")
        self.num_features = int(num_features)
        self.eps = _check_eps(where, eps)
        self.momentum = None if momentum is None else float(momentum)
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        if self.affine:
            self.weight = Parameter(np.ones(self.num_features, dtype=dt))
            self.bias = Parameter(np.zeros(self.num_features, dtype=dt))
        if self.track_running_stats:
            self.register_buffer("running_mean", np.zeros(self.num_features, dtype=dt))
            self.register_buffer("running_var", np.ones(self.num_features, dtype=dt))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self._dtype = dt

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked."""
        if self.track_running_stats:
            self.running_mean.data = np.zeros(self.num_features, dtype=self._dtype)
            self.running_var.data = np.ones(self.num_features, dtype=self._dtype)
            self.num_batches_tracked.data = np.array(0, dtype=np.int64)

    def forward(self, x: Tensor) -> Tensor:
        where = _where(self)
        x = functional._as_tensor(x)
        if x.ndim not in self._dims or x.shape[1] != self.num_features:
            shapes = " or ".join(
                "(N, C)" if d == 2 else "(N, C, L)" if d == 3 else "(N, C, H, W)" for d in self._dims
            )
            raise ValueError(
                f"{where}: expected an input of shape {shapes} with C = {self.num_features}, "
                f"got shape {x.shape}"
            )
        if x.dtype != self._dtype:
            raise TypeError(
                f"{where}: the input is {x.dtype} but the layer is {self._dtype}; convert the input "
                f"(x.astype(np.{self._dtype})) or build the layer in {x.dtype}"
            )
        if self.training or not self.track_running_stats:  # the batch's statistics: one op
            count = x.size // self.num_features
            if self.training and count <= 1:
                raise ValueError(
                    f"{where}: expected more than 1 value per channel when training, got input "
                    f"shape {x.shape}"
                )
            y = BatchNormOp.apply(x, self.weight, self.bias, eps=self.eps)
            if self.training and self.track_running_stats:
                self._update(*_batch_stats(x, y), count)
            return y
        # Tensor ops on the buffers (no gradient): ag.compile reads them afresh each call.
        shape = (1, self.num_features) + (1,) * (x.ndim - 2)
        mean_r = self.running_mean.reshape(shape)
        std_r = (self.running_var.reshape(shape) + self.eps).sqrt()
        x_hat = (x - mean_r) / std_r
        if self.weight is not None and self.bias is not None:
            return x_hat * self.weight.reshape(shape) + self.bias.reshape(shape)
        return x_hat

    @opaque  # under ag.compile: called again on every call, with that call's statistics
    def _update(self, mean: Any, var: Any, count: int) -> None:
        """Move the running statistics towards this batch's `mean` and `var` (Tensors, or
        their arrays when a compiled step calls it)."""
        mean = (mean.data if isinstance(mean, Tensor) else mean).reshape(-1)
        var = (var.data if isinstance(var, Tensor) else var).reshape(-1)
        self.num_batches_tracked.data = self.num_batches_tracked.data + 1
        m = 1.0 / float(self.num_batches_tracked.data) if self.momentum is None else self.momentum
        unbiased = var * (count / (count - 1))
        # New arrays, not writes into the old ones: a graph that used them stays valid.
        self.running_mean.data = ((1 - m) * self.running_mean.data + m * mean).astype(self._dtype)
        self.running_var.data = ((1 - m) * self.running_var.data + m * unbiased).astype(self._dtype)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) inputs, per channel C (see `_BatchNorm`)."""

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) inputs, per channel C (see `_BatchNorm`)."""

    _dims = (4,)


class LayerNorm(Module):
    """Normalize each sample over its last axes, `normalized_shape`: for x (..., *S),
    y = (x - mean) / sqrt(var + eps) * weight + bias, mean and biased variance over S.

    `weight` (ones) and `bias` (zeros) have shape S (if `elementwise_affine`; `bias=False`
    leaves the bias out), as PyTorch's.
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else normalized_shape
        self.normalized_shape = tuple(int(n) for n in shape)
        if not self.normalized_shape or any(n < 1 for n in self.normalized_shape):
            raise ValueError(f"LayerNorm: normalized_shape must be positive sizes, got {normalized_shape!r}")
        self.eps = _check_eps("LayerNorm", eps)
        self.elementwise_affine = bool(elementwise_affine)
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dt))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dt))

    def forward(self, x: Tensor) -> Tensor:
        where = _where(self)
        x = functional._as_tensor(x)
        k = len(self.normalized_shape)
        if x.shape[x.ndim - k :] != self.normalized_shape or x.ndim < k:
            raise ValueError(
                f"{where}: expected an input whose last axes are {self.normalized_shape}, got shape {x.shape}"
            )
        if self.weight is not None:
            x = functional.match_dtype(where, x, self.weight)
        y, _, _ = _standardize(x, tuple(range(x.ndim - k, x.ndim)), self.eps)
        if self.weight is not None:
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Split the C channels (axis 1) into `num_groups` groups and normalize each sample's
    group over its channels and positions: x (N, C, *) -> y (N, C, *), then
    y = y * weight + bias per channel (`weight` ones, `bias` zeros, shape (C,), if `affine`).
    """

    def __init__(
        self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, dtype: Any = None
    ) -> None:
        super().__init__()
        if num_groups < 1 or num_channels < 1 or num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels ({num_channels}) must be a positive multiple of num_groups "
                f"({num_groups})"
            )
        self.num_groups, self.num_channels = int(num_groups), int(num_channels)
        self.eps = _check_eps("GroupNorm", eps)
        self.affine = bool(affine)
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        if self.affine:
            self.weight = Parameter(np.ones(self.num_channels, dtype=dt))
            self.bias = Parameter(np.zeros(self.num_channels, dtype=dt))

    def forward(self, x: Tensor) -> Tensor:
        where = _where(self)
        x = functional._as_tensor(x)
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(
                f"{where}: expected an input of shape (N, {self.num_channels}, *), got shape {x.shape}"
            )
        if self.weight is not None:
            x = functional.match_dtype(where, x, self.weight)
        n = x.shape[0]
        grouped = x.reshape((n, self.num_groups, -1))
        y, _, _ = _standardize(grouped, (2,), self.eps)
        y = y.reshape(x.shape)
        if self.weight is not None and self.bias is not None:
            shape = (1, self.num_channels) + (1,) * (x.ndim - 2)
            y = y * self.weight.reshape(shape) + self.bias.reshape(shape)
        return y

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


__all__ = ["BatchNorm1d", "BatchNorm2d", "GroupNorm", "LayerNorm"]
