"""Convolution and pooling layers, as torch.nn's: Conv1d/2d/3d, ConvTranspose1d/2d/3d,
MaxPool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d and AdaptiveMaxPool1d/2d/3d.

Thin modules over `nn.functional`'s convolutions and pooling (im2col on numpy strided views and
BLAS, autograd/ops/conv.py and pool.py). Weight layouts, state-dict keys and initialization
are PyTorch's: a convolution's `weight` is (out_channels, in_channels / groups, *kernel_size)
(a transposed one's (in_channels, out_channels / groups, *kernel_size)), drawn with
kaiming_uniform(a = sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and so is `bias`.

>>> import autograd as ag, nn
>>> conv = nn.Conv2d(1, 4, 3, padding=1, rng=0)
>>> conv(ag.ones(2, 1, 8, 8)).shape
(2, 4, 8, 8)
>>> nn.MaxPool2d(2)(ag.ones(2, 4, 8, 8)).shape
(2, 4, 4, 4)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import Tensor
from autograd.dtypes import get_default_dtype
from autograd.random import resolve

from . import functional as F  # noqa: N812 - PyTorch's usual alias
from . import init
from .module import Module, Parameter

Rng = np.random.Generator | int | None
_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(where: str, name: str, value: Any, nd: int) -> tuple[int, ...]:
    items = (value,) * nd if isinstance(value, (int, np.integer)) else tuple(value)
    if len(items) != nd or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in items):
        raise ValueError(f"{where}: {name} must be an int or {nd} ints, got {value!r}")
    return tuple(int(v) for v in items)


class _ConvNd(Module):
    _nd = 2
    _transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        output_padding: Any = 0,
        rng: Rng = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        where = type(self).__name__
        nd = self._nd
        for name, v in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{where}: {name} must be a positive int, got {v!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{where}: in_channels ({in_channels}) and out_channels ({out_channels}) must both be "
                f"divisible by groups ({groups})"
            )
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"{where}: padding_mode must be one of {', '.join(map(repr, _PADDING_MODES))}, "
                f"got {padding_mode!r}"
            )
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f"{where}: only padding_mode='zeros' is supported, got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size = _tuple(where, "kernel_size", kernel_size, nd)
        self.stride = _tuple(where, "stride", stride, nd)
        self.dilation = _tuple(where, "dilation", dilation, nd)
        self.padding: Any = padding if isinstance(padding, str) else _tuple(where, "padding", padding, nd)
        self.output_padding = _tuple(where, "output_padding", output_padding, nd)
        self.padding_mode = padding_mode
        if self._transposed:
            shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        else:
            shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        gen = resolve(rng)
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        self.weight = init.kaiming_uniform_(Parameter(np.zeros(shape, dtype=dt)), a=math.sqrt(5), rng=gen)
        self.bias: Parameter | None = None
        if bias:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in)
            self.bias = init.uniform_(
                Parameter(np.zeros(self.out_channels, dtype=dt)), -bound, bound, rng=gen
            )

    def _check(self, x: Any) -> Tensor:
        where = f"{type(self).__name__} {self._name!r}" if self._name else type(self).__name__
        x = F.match_dtype(where, F._as_tensor(x), self.weight)
        nd = self._nd
        if x.ndim not in (nd + 1, nd + 2) or x.shape[-nd - 1] != self.in_channels:
            spatial = ", ".join("LHW"[3 - nd :] if nd < 3 else "DHW")
            raise ValueError(
                f"{where}: expected an input of shape (N, {self.in_channels}, {spatial}) or "
                f"({self.in_channels}, {spatial}), got {x.shape}"
            )
        return x

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._nd:
            s += (
                f", padding={self.padding!r}"
                if isinstance(self.padding, str)
                else f", padding={self.padding}"
            )
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self._transposed and self.output_padding != (0,) * self._nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode!r}"
        return s


class _Conv(_ConvNd):
    """A convolution of `_nd` spatial axes, with torch.nn's signature (see Conv1d/2d/3d)."""

    _function: Any = staticmethod(F.conv2d)  # F.conv1d, F.conv2d or F.conv3d

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        rng: Rng = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            0,
            rng,
            dtype,
        )

    def forward(self, x: Any) -> Tensor:
        x, padding = self._check(x), self.padding
        if self.padding_mode != "zeros":  # pad first with the mode, then convolve without padding
            x, padding = F.pad(x, self._mode_pads(), mode=self.padding_mode), 0
        return self._function(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def _mode_pads(self) -> list[int]:
        """The padding as F.pad's list, (left, right) of the last axis first; "same" puts the odd
        one of an even total on the right, as torch."""
        pads: list[int] = []
        for i in reversed(range(self._nd)):
            if self.padding == "same":
                total = self.dilation[i] * (self.kernel_size[i] - 1)
                pads += [total // 2, total - total // 2]
            elif self.padding == "valid":
                pads += [0, 0]
            else:
                pads += [self.padding[i]] * 2
        return pads


class _ConvTranspose(_ConvNd):
    """A transposed convolution of `_nd` spatial axes, with torch.nn's signature."""

    _transposed = True
    _function: Any = staticmethod(F.conv_transpose2d)  # F.conv_transpose1d, 2d or 3d

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        rng: Rng = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            output_padding,
            rng,
            dtype,
        )

    def forward(self, x: Any, output_size: Any = None) -> Tensor:
        """x (N, C_in, *S) -> (N, C_out, *S'); `output_size` (S' or (N, C_out, *S')) picks
        among the sizes a stride > 1 leaves open, in place of output_padding (as torch)."""
        x = self._check(x)
        output_padding = self.output_padding if output_size is None else self._output_padding(x, output_size)
        return self._function(
            x,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, ...]:
        where, nd = type(self).__name__, self._nd
        size = tuple(int(v) for v in output_size)
        if len(size) == nd + 2 or (len(size) == nd + 1 and x.ndim == nd + 1):
            size = size[-nd:]  # the batch and channel sizes given too
        if len(size) != nd:
            raise ValueError(f"{where}: output_size must have {nd} (or {nd + 2}) entries, got {size}")
        pads = []
        for i in range(nd):
            smallest = (
                (x.shape[-nd + i] - 1) * self.stride[i]
                - 2 * self.padding[i]
                + self.dilation[i] * (self.kernel_size[i] - 1)
                + 1
            )
            if not smallest <= size[i] < smallest + self.stride[i]:
                raise ValueError(
                    f"{where}: output_size {size} is not reachable from an input of shape {x.shape}: "
                    f"spatial axis {i} can be {smallest} to {smallest + self.stride[i] - 1}"
                )
            pads.append(size[i] - smallest)
        return tuple(pads)


class Conv1d(_Conv):
    """1-d convolution: x (N, C_in, L) -> (N, C_out, L'); weight (C_out, C_in/groups, K)."""

    _nd = 1
    _function = staticmethod(F.conv1d)


class Conv2d(_Conv):
    """2-d convolution: x (N, C_in, H, W) -> (N, C_out, H', W'), H' = floor((H + 2 padding -
    dilation (KH - 1) - 1) / stride) + 1; weight (C_out, C_in/groups, KH, KW), bias (C_out,).
    padding: an int, a pair, "valid" or "same"; padding_mode: what the padding holds, "zeros",
    "reflect" (mirrored, without the edge), "replicate" (the edge) or "circular" (wrapped)."""

    _nd = 2
    _function = staticmethod(F.conv2d)


class Conv3d(_Conv):
    """3-d convolution: x (N, C_in, D, H, W); weight (C_out, C_in/groups, KD, KH, KW)."""

    _nd = 3
    _function = staticmethod(F.conv3d)


class ConvTranspose1d(_ConvTranspose):
    """1-d transposed convolution: x (N, C_in, L) -> (N, C_out, L'); weight (C_in, C_out/groups, K)."""

    _nd = 1
    _function = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTranspose):
    """2-d transposed convolution (the gradient of Conv2d with respect to its input): x (N, C_in,
    H, W) -> (N, C_out, H', W'), H' = (H - 1) stride - 2 padding + dilation (KH - 1) +
    output_padding + 1; weight (C_in, C_out/groups, KH, KW), bias (C_out,)."""

    _nd = 2
    _function = staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTranspose):
    """3-d transposed convolution: x (N, C_in, D, H, W); weight (C_in, C_out/groups, KD, KH, KW)."""

    _nd = 3
    _function = staticmethod(F.conv_transpose3d)


class _Pool(Module):
    _function: Any = staticmethod(F.max_pool2d)  # the functional form, one per class

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, **kw: Any) -> None:
        super().__init__()
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = kernel_size if stride is None else stride
        self.options = kw

    def forward(self, x: Any) -> Any:
        return self._function(x, self.kernel_size, self.stride, self.padding, **self.options)

    def extra_repr(self) -> str:
        s = f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
        return s + "".join(f", {k}={v}" for k, v in self.options.items())


class _MaxPool(_Pool):
    """Max over windows (stride defaults to kernel_size; padding counts as -inf), with
    torch.nn's signature; with `return_indices` also the argmax positions (for max_unpool)."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__(
            kernel_size,
            stride,
            padding,
            dilation=dilation,
            return_indices=return_indices,
            ceil_mode=ceil_mode,
        )


class MaxPool1d(_MaxPool):
    """Max over windows of (N, C, L) (stride defaults to kernel_size)."""

    _function = staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPool):
    """Max over windows of (N, C, H, W) (stride defaults to kernel_size; padding counts as
    -inf); with `return_indices` also the argmax positions (for max_unpool2d)."""

    _function = staticmethod(F.max_pool2d)


class MaxPool3d(_MaxPool):
    """Max over windows of (N, C, D, H, W) (stride defaults to kernel_size)."""

    _function = staticmethod(F.max_pool3d)


class AvgPool1d(_Pool):
    """Mean over windows of (N, C, L) (stride defaults to kernel_size)."""

    _function = staticmethod(F.avg_pool1d)

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__(
            kernel_size, stride, padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad
        )


class AvgPool2d(_Pool):
    """Mean over windows of (N, C, H, W) (stride defaults to kernel_size); the divisor is the
    window size, or with count_include_pad=False the input elements in it, or divisor_override."""

    _function = staticmethod(F.avg_pool2d)

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__(
            kernel_size,
            stride,
            padding,
            ceil_mode=ceil_mode,
            count_include_pad=count_include_pad,
            divisor_override=divisor_override,
        )


class AvgPool3d(AvgPool2d):
    """Mean over windows of (N, C, D, H, W), with AvgPool2d's options."""

    _function = staticmethod(F.avg_pool3d)


class _Adaptive(Module):
    _function: Any = staticmethod(F.adaptive_avg_pool2d)

    def __init__(self, output_size: Any, **kw: Any) -> None:
        super().__init__()
        self.output_size = output_size
        self.options = kw

    def forward(self, x: Any) -> Any:
        return self._function(x, self.output_size, **self.options)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}" + "".join(f", {k}={v}" for k, v in self.options.items())


class AdaptiveAvgPool1d(_Adaptive):
    """Mean over adaptive windows: (N, C, L) -> (N, C, output_size)."""

    _function = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_Adaptive):
    """Mean over adaptive windows: (N, C, H, W) -> (N, C, *output_size); output i of an axis of
    size S covers floor(i S / L) .. ceil((i + 1) S / L) - 1. AdaptiveAvgPool2d(1) is global
    average pooling."""

    _function = staticmethod(F.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_Adaptive):
    """Mean over adaptive windows: (N, C, D, H, W) -> (N, C, *output_size)."""

    _function = staticmethod(F.adaptive_avg_pool3d)


class _AdaptiveMax(_Adaptive):
    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size, return_indices=return_indices)


class AdaptiveMaxPool1d(_AdaptiveMax):
    """Max over adaptive windows: (N, C, L) -> (N, C, output_size)."""

    _function = staticmethod(F.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMax):
    """Max over adaptive windows: (N, C, H, W) -> (N, C, *output_size)."""

    _function = staticmethod(F.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMax):
    """Max over adaptive windows: (N, C, D, H, W) -> (N, C, *output_size)."""

    _function = staticmethod(F.adaptive_max_pool3d)
