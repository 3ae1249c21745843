"""Convolutions over 1, 2 or 3 spatial axes, in PyTorch's layouts and with its arguments.

Input (N, C, *S) - NCL, NCHW or NCDHW - and weight (O, C/groups, *K). With stride s, dilation
d and zero padding, output position l of a spatial axis reads the input at l*s + k*d - pad_lo
for kernel offsets k = 0..K-1:

    y[n, o, l] = b[o] + sum_{c in o's group, k} w[o, c, k] * x_pad[n, c, l*s + k*d]

Forward is "im2col" followed by matrix products (BLAS): the columns hold, for every output
position and sample, the C*K input values its window reads, and y = W (O, C*K) @ columns.
The derivatives are the two other products of the same three arrays:

- dL/dw = G @ columns^T, over the batch and the positions;
- dL/dx is the transposed convolution of the gradient ("col2im"): W^T @ G gives the columns'
  gradient, added back with one slice-add per kernel offset (K iterations, never a loop over
  pixels).

Two layouts (`batch_last`). Small images (an output row shorter than 16) are laid out channel
first and batch last, (C, *S, N): the input is copied once into that layout (padded), the
columns (C, *K, *L, N) are K slice copies of it whose contiguous runs are L_last * N values
long, and each product is one BLAS call over the whole batch. In numpy's layout (N, C, *S) the
same slices of an 8x8 or 4x4 image copy runs of 4 or 8 values, and numpy's per-run overhead
dominates. Larger images stay in numpy's layout: the columns (N, C*K, L) are a copy of a
strided view of the padded input and the products run one per sample; there, moving the batch
innermost would cost more than it saves.

`conv_transpose` is the first of these as an op of its own (PyTorch's ConvTranspose; its weight
is (C_in, C_out/groups, *K), the same array a convolution from C_out to C_in channels would use),
and each is the other's input gradient: d conv/dx = conv_transpose, d conv_transpose/dx = conv.
Under ``create_graph`` the backward passes call the ops themselves (and build the weight
gradient from slices and matmuls), so second derivatives work.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import function
from ..function import Op
from ..registry import OpInfo, register, samples
from .operands import as_tensor

if TYPE_CHECKING:
    from ..tensor import Tensor

Array = Any  # a numpy array, or a Tensor when backward records a graph
Pads = tuple[tuple[int, int], ...]  # (before, after) zero padding per spatial axis
Ints = tuple[int, ...]


# -- arguments --------------------------------------------------------------------------------
def ntuple(op: str, name: str, value: Any, nd: int, minimum: int = 1) -> Ints:
    """An int or nd ints as a tuple of nd ints, each >= minimum."""
    if isinstance(value, (int, np.integer)):
        t: Ints = (int(value),) * nd
    else:
        try:
            t = tuple(int(v) for v in value)
        except TypeError:
            t = ()
        if len(t) != nd:
            raise ValueError(f"{op}: {name} must be an int or {nd} ints, got {value!r}")
    if any(v < minimum for v in t):
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return t


def conv_padding(op: str, padding: Any, nd: int, ksize: Ints, stride: Ints, dilation: Ints) -> Pads:
    """PyTorch's padding argument as (before, after) pairs: an int, nd ints, "valid" or "same"."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' needs stride 1, got stride {stride}")
            # The extra row, when d*(K-1) is odd, goes after (as PyTorch).
            total = [d * (k - 1) for k, d in zip(ksize, dilation, strict=True)]
            return tuple((t // 2, t - t // 2) for t in total)
        raise ValueError(f"{op}: padding must be an int, {nd} ints, 'valid' or 'same', got {padding!r}")
    return tuple((p, p) for p in ntuple(op, "padding", padding, nd, minimum=0))


def out_size(size: Ints, pads: Pads, ksize: Ints, stride: Ints, dilation: Ints, ceil: bool = False) -> Ints:
    """Positions a window of K taps spaced d apart takes, moving by s over the padded axis."""
    out = []
    for n, (lo, hi), k, s, d in zip(size, pads, ksize, stride, dilation, strict=True):
        span = n + lo + hi - d * (k - 1) - 1
        out.append((-(-span // s) if ceil else span // s) + 1)
    return tuple(out)


def check_input(op: str, x: np.ndarray, nd: int) -> None:
    if x.ndim != nd + 2:
        axes = ("L", "H, W", "D, H, W")[nd - 1]
        raise ValueError(f"{op}: expected an input of shape (N, C, {axes}), got shape {x.shape}")


# -- kernels on arrays ------------------------------------------------------------------------
def pad_spatial(x: np.ndarray, pads: Pads, value: float = 0.0) -> np.ndarray:
    """x with `value` added around its spatial axes (all but the first two)."""
    if not any(lo or hi for lo, hi in pads):
        return x
    shape = x.shape[:2] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads, strict=True))
    out = np.full(shape, value, dtype=x.dtype)
    out[(slice(None), slice(None)) + _interior(x.shape[2:], pads)] = x
    return out


def _interior(size: Sequence[int], pads: Pads) -> tuple[slice, ...]:
    return tuple(slice(lo, lo + n) for n, (lo, _) in zip(size, pads, strict=True))


def offset_slices(k: Ints, stride: Ints, dilation: Ints, out: Ints) -> tuple[slice, ...]:
    """The input positions l*s + k*d (l = 0..L-1) that kernel offset k reads, as slices."""
    return (slice(None), slice(None)) + tuple(
        slice(ki * d, ki * d + (n - 1) * s + 1, s)
        for ki, s, d, n in zip(k, stride, dilation, out, strict=True)
    )


# The products' layout. Small images (an output row shorter than this) go batch last,
# (C, *S, N): each of the K slices then copies runs of L_last * N contiguous values, where in
# numpy's layout (N, C, *S) it would copy runs of L_last (4 or 8 values: numpy's inner loop
# overhead dominates). Larger images stay in numpy's layout, one product per sample: moving
# the batch innermost would cost more than it saves.
BATCH_LAST_BELOW = 16


def batch_last(out: Ints) -> bool:
    return out[-1] < BATCH_LAST_BELOW


def channel_major(x: np.ndarray, pads: Pads = ()) -> np.ndarray:
    """x (N, C, *S) copied to (C, *S_padded, N), zero padding around the spatial axes."""
    moved = np.moveaxis(x, 0, -1)
    if not any(lo or hi for lo, hi in pads):
        return np.ascontiguousarray(moved)
    size = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads, strict=True))
    xp = np.zeros((x.shape[1],) + size + (x.shape[0],), dtype=x.dtype)
    xp[(slice(None),) + _interior(x.shape[2:], pads)] = moved
    return xp


def _from_channel_major(a: np.ndarray) -> np.ndarray:
    """(C, *S, N) -> (N, C, *S), contiguous."""
    return np.ascontiguousarray(np.moveaxis(a, -1, 0))


def windows(xp: np.ndarray, ksize: Ints, stride: Ints, dilation: Ints, out: Ints) -> np.ndarray:
    """A read-only strided view (N, C, *K, *L) of the padded input: [.., k, l] = xp[.., l*s + k*d]."""
    st = xp.strides[2:]
    strides = xp.strides[:2] + tuple(a * d for a, d in zip(st, dilation, strict=True)) + tuple(
        a * s for a, s in zip(st, stride, strict=True)
    )
    return as_strided(xp, shape=xp.shape[:2] + ksize + out, strides=strides, writeable=False)


def im2col(x: np.ndarray, ksize: Ints, stride: Ints, pads: Pads, dilation: Ints, out: Ints,
           groups: int) -> np.ndarray:
    """The columns of x (N, C, *S), one per output position and sample: batch last,
    (groups, C/groups * prod(K), prod(L) * N), or else (N, groups, C/groups * prod(K), prod(L))."""
    n, c = x.shape[:2]
    if not batch_last(out):
        cols = np.ascontiguousarray(windows(pad_spatial(x, pads), ksize, stride, dilation, out))
        return cols.reshape(n, groups, (c // groups) * math.prod(ksize), math.prod(out))
    xp = channel_major(x, pads)
    cols = np.empty((c,) + tuple(ksize) + tuple(out) + (n,), dtype=x.dtype)
    for k in itertools.product(*(range(m) for m in ksize)):  # K slice copies
        cols[(slice(None),) + k] = xp[offset_slices(k, stride, dilation, out)[1:]]
    return cols.reshape(groups, (c // groups) * math.prod(ksize), -1)


def col2im(cols: np.ndarray, shape: Ints, ksize: Ints, stride: Ints, pads: Pads, dilation: Ints,
           out: Ints, last: bool = False) -> np.ndarray:
    """The adjoint of im2col: columns (N, C, *K, *L), or (C, *K, *L, N) if `last`, added back
    into an input of `shape` (N, C, *S); the result is (N, C, *S)."""
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(shape[2:], pads, strict=True))
    n, c = shape[:2]
    acc = np.zeros((c,) + padded + (n,) if last else (n, c) + padded, dtype=cols.dtype)
    lead = (slice(None),) if last else (slice(None), slice(None))
    for k in itertools.product(*(range(m) for m in ksize)):  # K slice-adds
        acc[lead + offset_slices(k, stride, dilation, out)[2:]] += cols[lead + k]
    inside = acc[lead + _interior(shape[2:], pads)]
    return _from_channel_major(inside) if last else inside


def conv_arrays(x: np.ndarray, w: np.ndarray, stride: Ints, pads: Pads, dilation: Ints, groups: int,
                out: Ints | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The convolution of arrays, and the columns it used (for the weight gradient)."""
    n = x.shape[0]
    o, ksize = w.shape[0], w.shape[2:]
    if out is None:
        out = out_size(x.shape[2:], pads, ksize, stride, dilation)
    cols = im2col(x, ksize, stride, pads, dilation, out, groups)
    y = np.matmul(w.reshape(groups, o // groups, -1), cols)  # one product a group (and sample)
    if batch_last(out):  # (g, O/g, L*N)
        return _from_channel_major(y.reshape((o,) + out + (n,))), cols
    return y.reshape((n, o) + out), cols  # (N, g, O/g, L)


def grad_layout(g: np.ndarray) -> np.ndarray:
    """The upstream gradient (N, O, *L) in the products' layout (see batch_last)."""
    return channel_major(g) if batch_last(g.shape[2:]) else g


def conv_input_grad_arrays(g: np.ndarray, w: np.ndarray, shape: Ints, stride: Ints, pads: Pads,
                           dilation: Ints, groups: int, g_cm: np.ndarray | None = None) -> np.ndarray:
    """d conv/dx (= conv_transpose of g): W^T @ G gives columns, col2im adds them back.
    g_cm: grad_layout(g), if the caller has it."""
    n, o = g.shape[:2]
    out, ksize = tuple(g.shape[2:]), tuple(w.shape[2:])
    last = batch_last(out)
    gm = grad_layout(g) if g_cm is None else g_cm
    gm = gm.reshape(groups, o // groups, -1) if last else gm.reshape(n, groups, o // groups, -1)
    wt = w.reshape(groups, o // groups, -1).transpose(0, 2, 1)  # (g, C/g * K, O/g)
    cols = np.matmul(wt, gm)  # (g, C/g * K, L*N) or (N, g, C/g * K, L)
    cols = cols.reshape((shape[1],) + ksize + out + (n,) if last else shape[:2] + ksize + out)
    return col2im(cols, shape, ksize, stride, pads, dilation, out, last)


def conv_weight_grad_arrays(cols: np.ndarray, g_cm: np.ndarray, wshape: Ints, groups: int) -> np.ndarray:
    """d conv/dw = G @ columns^T, over the batch and the positions; g_cm = grad_layout(g)."""
    o = wshape[0]
    if cols.ndim == 3:  # batch last: one product a group
        gm = g_cm.reshape(groups, o // groups, -1)
        return np.matmul(gm, cols.transpose(0, 2, 1)).reshape(wshape)  # (g, O/g, C/g * K)
    per_sample = g_cm.reshape(g_cm.shape[0], groups, o // groups, -1)
    return np.matmul(per_sample, cols.transpose(0, 1, 3, 2)).sum(axis=0).reshape(wshape)


# -- the same derivatives on Tensors (create_graph) -------------------------------------------
def _is_tensor(*xs: Any) -> bool:
    return any(isinstance(x, function.Tensor) for x in xs)


def _conv_weight_grad(x: Array, g: Array, wshape: Ints, stride: Ints, pads: Pads, dilation: Ints,
                      groups: int, cols: np.ndarray | None = None, g_cm: np.ndarray | None = None) -> Array:
    """dL/dw for y = conv(x, w) with upstream gradient g, on arrays or (recorded) Tensors."""
    out, ksize = tuple(g.shape[2:]), tuple(wshape[2:])
    if not _is_tensor(x, g):
        if cols is None:
            cols = im2col(x, ksize, stride, pads, dilation, out, groups)
        return conv_weight_grad_arrays(
            cols, grad_layout(g) if g_cm is None else g_cm, wshape, groups)
    # One slice of the padded input per kernel offset; each gives a (g, O/g, C/g) block.
    x = x if isinstance(x, function.Tensor) else function.Tensor(x)
    n, c = x.shape[:2]
    o, cg, length = g.shape[1], c // groups, math.prod(out)
    xp = x.pad(((0, 0), (0, 0)) + pads) if any(lo or hi for lo, hi in pads) else x
    gm = g.reshape(n, groups, o // groups, length)
    blocks = []
    for k in itertools.product(*(range(m) for m in ksize)):
        xs = xp[offset_slices(k, stride, dilation, out)].reshape(n, groups, cg, length)
        blocks.append((gm @ xs.swapaxes(-1, -2)).sum(axis=0))
    from .movement import stack

    return stack(blocks, axis=-1).reshape(wshape)


def _conv(x: Array, w: Array, stride: Ints, pads: Pads, dilation: Ints, groups: int,
          out: Ints | None = None) -> Array:
    if _is_tensor(x, w):
        y = Conv.apply(x, w, None, stride=stride, padding=pads, dilation=dilation, groups=groups)
        if out is not None and tuple(y.shape[2:]) != out:
            y = y[(slice(None), slice(None)) + tuple(slice(0, m) for m in out)]
        return y
    return conv_arrays(x, w, stride, pads, dilation, groups, out)[0]


def _conv_transpose(g: Array, w: Array, shape: Ints, stride: Ints, pads: Pads, dilation: Ints,
                    groups: int, g_cm: np.ndarray | None = None) -> Array:
    if _is_tensor(g, w):
        return ConvTranspose.apply(g, w, None, stride=stride, padding=pads, output_size=shape[2:],
                                   dilation=dilation, groups=groups)
    return conv_input_grad_arrays(g, w, shape, stride, pads, dilation, groups, g_cm)


def _bias_grad(g: Array, g_cm: np.ndarray | None = None) -> Array:
    if g_cm is not None and g_cm is not g:  # batch last: contiguous rows, one per channel
        return g_cm.reshape(g_cm.shape[0], -1).sum(axis=1)
    return g.sum(axis=(0, *range(2, g.ndim)))


# -- the ops ----------------------------------------------------------------------------------
_PLAIN = {"groups": 1, "ceil_mode": False, "count_include_pad": True, "divisor_override": None}


def geometry_label(name: str, kwargs: dict[str, Any] | None) -> str:
    """'conv2d(stride=(2, 2))': the arguments that differ from the plain case (stride 1 or
    kernel_size, no padding, dilation 1, one group), for graph pictures and messages."""
    shown = []
    for k, v in (kwargs or {}).items():
        if k in _PLAIN and v == _PLAIN[k]:
            continue
        if k in ("stride", "dilation") and (all(n == 1 for n in v) or v == (kwargs or {}).get("kernel_size")):
            continue
        if k == "padding" and not any(np.ravel(v)):
            continue
        if k == "padding" and all(isinstance(p, tuple) and p[0] == p[1] for p in v):
            v = tuple(p[0] for p in v)  # symmetric (before, after) pairs read as PyTorch's
        if k in ("output_size", "indices"):
            continue
        shown.append(f"{k}={v!r}")
    return f"{name}({', '.join(shown)})" if shown else name


def _check_conv(op: str, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, nd: int, groups: int,
                in_axis: int) -> None:
    """Shapes of input, weight and bias; in_axis is the weight axis that holds C/groups."""
    check_input(op, x, nd)
    if w.ndim != nd + 2:
        raise ValueError(f"{op}: expected a weight with {nd + 2} axes, got shape {w.shape}")
    if groups < 1 or x.shape[1] % groups or w.shape[0] % groups:
        raise ValueError(
            f"{op}: groups={groups} must divide the input channels ({x.shape[1]}, input "
            f"{x.shape}) and the weight's first axis ({w.shape[0]}, weight {w.shape})"
        )
    expected = x.shape[1] // groups if in_axis == 1 else x.shape[1]
    if w.shape[in_axis] != expected:
        what = "C_in/groups" if in_axis == 1 else "C_in"
        raise ValueError(
            f"{op}: input of shape {x.shape} and weight of shape {w.shape} do not fit: "
            f"weight axis {in_axis} must be {what} = {expected}"
        )
    out_ch = w.shape[0] if in_axis == 1 else w.shape[1] * groups
    if b is not None and np.shape(b) != (out_ch,):
        raise ValueError(f"{op}: bias of shape {np.shape(b)} does not fit {out_ch} output channels")


def _add_bias(y: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    if b is not None:
        y += b.reshape((-1,) + (1,) * (y.ndim - 2))
    return y


class Conv(Op):
    """y = conv(x, w) + b (cross-correlation, as PyTorch).  dy/dx = conv_transpose(G, W),
    dy/dw = G ⋆ x (over the batch), dy/db = sum of G over N and space.

    G ⋆ x: dy/dw[o, c, k] sums over n, l of g[n, o, l] x_pad[n, c, l*s + k*d].
    x: (N, C, *S), w: (O, C/groups, *K), b: (O,) or None -> y: (N, O, *L) with
    L = (S + pad_lo + pad_hi - d(K-1) - 1) // s + 1 on each spatial axis.
    """

    @staticmethod
    def forward(ctx: Conv, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
                stride: Ints = (1,), padding: Pads = ((0, 0),), dilation: Ints = (1,),
                groups: int = 1) -> np.ndarray:
        nd = w.ndim - 2
        op = f"conv{nd}d"
        _check_conv(op, x, w, b, nd, groups, in_axis=1)
        ksize = w.shape[2:]
        out = out_size(x.shape[2:], padding, ksize, stride, dilation)
        if min(out) < 1:
            raise ValueError(
                f"{op}: the kernel {ksize} (dilation {dilation}) is larger than the padded input "
                f"{tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], padding, strict=True))} "
                f"(input {x.shape}, padding {padding})"
            )
        y, cols = conv_arrays(x, w, stride, padding, dilation, groups, out)
        ctx.cols = cols if ctx.needs_input_grad[1] else None  # reused by dL/dw
        ctx.nd = nd
        ctx.saved_tensors = (x, w)
        return _add_bias(y, b)

    @staticmethod
    def backward(ctx: Conv, g: Array) -> tuple[Array, Array, Array]:
        x, w = ctx.saved_tensors
        kw = ctx.kwargs
        stride, pads, dilation, groups = kw["stride"], kw["padding"], kw["dilation"], kw["groups"]
        nx, nw, nb = ctx.needs_input_grad
        # The three gradients share g in the (O, *L, N) layout of the products (see the top).
        g_cm = None if _is_tensor(g, w) else grad_layout(g)
        gx = _conv_transpose(g, w, x.shape, stride, pads, dilation, groups, g_cm) if nx else None
        gw = _conv_weight_grad(x, g, w.shape, stride, pads, dilation, groups, ctx.cols, g_cm) if nw else None
        return gx, gw, (_bias_grad(g, g_cm) if nb else None)

    def label(self) -> str:
        return geometry_label(f"conv{getattr(self, 'nd', '')}d", getattr(self, "kwargs", None))


class ConvTranspose(Op):
    """y = conv_transpose(x, w) + b, the adjoint of conv in x.  dy/dx = conv(G, W),
    dy/dw = x ⋆ G (over the batch), dy/db = sum of G over N and space.

    x ⋆ G: dy/dw[c, o, k] sums over n, l of x[n, c, l] g_pad[n, o, l*s + k*d].
    x: (N, C_in, *L), w: (C_in, C_out/groups, *K), b: (C_out,) or None -> y: (N, C_out, *S),
    S = (L - 1) s - pad_lo - pad_hi + d(K - 1) + output_padding + 1.
    """

    @staticmethod
    def forward(ctx: ConvTranspose, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
                stride: Ints = (1,), padding: Pads = ((0, 0),), output_size: Ints = (),
                dilation: Ints = (1,), groups: int = 1) -> np.ndarray:
        nd = w.ndim - 2
        op = f"conv_transpose{nd}d"
        _check_conv(op, x, w, b, nd, groups, in_axis=0)
        shape = (x.shape[0], w.shape[1] * groups) + tuple(output_size)
        if min(output_size) < 1:
            raise ValueError(f"{op}: the output size {tuple(output_size)} must be positive "
                             f"(input {x.shape}, weight {w.shape}, padding {padding})")
        ctx.nd = nd
        ctx.saved_tensors = (x, w)
        y = conv_input_grad_arrays(x, w, shape, stride, padding, dilation, groups)
        return _add_bias(np.ascontiguousarray(y), b)

    @staticmethod
    def backward(ctx: ConvTranspose, g: Array) -> tuple[Array, Array, Array]:
        x, w = ctx.saved_tensors
        kw = ctx.kwargs
        stride, pads, dilation, groups = kw["stride"], kw["padding"], kw["dilation"], kw["groups"]
        nx, nw, nb = ctx.needs_input_grad
        out = tuple(x.shape[2:])
        gx = _conv(g, w, stride, pads, dilation, groups, out) if nx else None
        gw = _conv_weight_grad(g, x, w.shape, stride, pads, dilation, groups) if nw else None
        return gx, gw, (_bias_grad(g) if nb else None)

    @classmethod
    def op_name(cls) -> str:
        return "conv_transpose"

    def label(self) -> str:
        return geometry_label(f"conv_transpose{getattr(self, 'nd', '')}d", getattr(self, "kwargs", None))


# -- entry points (nn.functional re-exports them under PyTorch's names) ------------------------
def batched(op: str, x: Tensor, nd: int) -> tuple[Tensor, bool]:
    """PyTorch accepts one unbatched sample (C, *S); it is run as a batch of one. (The input,
    batched, and whether it was a single sample.)"""
    if x.ndim == nd + 1:
        return x.reshape((1,) + x.shape), True
    check_input(op, x.data, nd)
    return x, False


def unbatch(y: Tensor, single: bool) -> Tensor:
    """The batch of one back to one sample, if the input was one (see `batched`)."""
    return y.reshape(y.shape[1:]) if single else y


def _conv_args(op: str, x: Any, weight: Any, bias: Any, stride: Any, dilation: Any, groups: Any,
               nd: int, weight_axes: str) -> tuple[Tensor, Tensor, Any, Ints, Ints, bool]:
    """The arguments both convolutions share, checked: (x batched, weight, bias, stride,
    dilation, whether x was one sample)."""
    x, weight = as_tensor(x), as_tensor(weight)
    bias = None if bias is None else as_tensor(bias)  # None: no bias
    if weight.ndim != nd + 2:
        raise ValueError(f"{op}: expected a weight ({weight_axes}, {', '.join('K' * nd)}), got shape "
                         f"{weight.shape}")
    st = ntuple(op, "stride", stride, nd)
    dl = ntuple(op, "dilation", dilation, nd)
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    x, single = batched(op, x, nd)
    return x, weight, bias, st, dl, single


def conv(x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
         groups: int = 1, nd: int = 2) -> Tensor:
    """N-d convolution with PyTorch's arguments (see `Conv`): conv1d/2d/3d are nd = 1, 2, 3."""
    op = f"conv{nd}d"
    x, weight, bias, st, dl, single = _conv_args(op, x, weight, bias, stride, dilation, groups, nd,
                                                 "O, C/groups")
    pads = conv_padding(op, padding, nd, weight.shape[2:], st, dl)
    y = Conv.apply(x, weight, bias, stride=st, padding=pads, dilation=dl, groups=int(groups))
    return unbatch(y, single)


def conv_transpose(x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
                   output_padding: Any = 0, groups: int = 1, dilation: Any = 1, nd: int = 2) -> Tensor:
    """N-d transposed convolution with PyTorch's arguments (see `ConvTranspose`)."""
    op = f"conv_transpose{nd}d"
    x, weight, bias, st, dl, single = _conv_args(op, x, weight, bias, stride, dilation, groups, nd,
                                                 "C_in, C_out/groups")
    pd = ntuple(op, "padding", padding, nd, minimum=0)
    opad = ntuple(op, "output_padding", output_padding, nd, minimum=0)
    if any(p >= max(s, d) for p, s, d in zip(opad, st, dl, strict=True)):
        raise ValueError(f"{op}: output_padding {opad} must be smaller than the stride {st} or the "
                         f"dilation {dl}")
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + q + 1
                 for n, s, p, d, k, q in zip(x.shape[2:], st, pd, dl, weight.shape[2:], opad, strict=True))
    y = ConvTranspose.apply(x, weight, bias, stride=st, padding=tuple((p, p) for p in pd),
                            output_size=size, dilation=dl, groups=int(groups))
    return unbatch(y, single)


# -- references (direct definitions, one output position at a time) and registration ---------
def ref_conv(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, stride: Any = 1, padding: Any = 0,
             dilation: Any = 1, groups: int = 1) -> np.ndarray:
    nd = w.ndim - 2
    st, dl = ntuple("ref", "stride", stride, nd), ntuple("ref", "dilation", dilation, nd)
    pads = conv_padding("ref", padding, nd, w.shape[2:], st, dl)
    xp = np.pad(x, ((0, 0), (0, 0)) + pads)
    out = out_size(x.shape[2:], pads, w.shape[2:], st, dl)
    o, cg = w.shape[0], w.shape[1]
    y = np.zeros((x.shape[0], o) + out)
    for oc in range(o):
        grp = oc // (o // groups)
        for pos in itertools.product(*(range(m) for m in out)):
            idx = tuple(slice(p * s, p * s + d * (k - 1) + 1, d)
                        for p, s, d, k in zip(pos, st, dl, w.shape[2:], strict=True))
            patch = xp[(slice(None), slice(grp * cg, (grp + 1) * cg)) + idx]
            y[(slice(None), oc) + pos] = np.sum(patch * w[oc], axis=tuple(range(1, nd + 2)))
    return y if b is None else y + b.reshape((-1,) + (1,) * nd)


def ref_conv_transpose(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, stride: Any = 1,
                       padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                       dilation: Any = 1) -> np.ndarray:
    """Scatter each input value times its kernel into the (padded) output."""
    nd = w.ndim - 2
    st, dl = ntuple("ref", "stride", stride, nd), ntuple("ref", "dilation", dilation, nd)
    pd = ntuple("ref", "padding", padding, nd, 0)
    opad = ntuple("ref", "output_padding", output_padding, nd, 0)
    cin, cog = w.shape[0], w.shape[1]
    size = [(n - 1) * s + d * (k - 1) + 1 + q
            for n, s, d, k, q in zip(x.shape[2:], st, dl, w.shape[2:], opad, strict=True)]
    y = np.zeros((x.shape[0], cog * groups, *size))
    for ic in range(cin):
        grp = ic // (cin // groups)
        for pos in itertools.product(*(range(m) for m in x.shape[2:])):
            idx = tuple(slice(p * s, p * s + d * (k - 1) + 1, d)
                        for p, s, d, k in zip(pos, st, dl, w.shape[2:], strict=True))
            v = x[(slice(None), ic) + pos].reshape((-1,) + (1,) * (nd + 1))
            y[(slice(None), slice(grp * cog, (grp + 1) * cog)) + idx] += v * w[ic]
    crop = tuple(slice(p, n - p) for p, n in zip(pd, size, strict=True))
    y = y[(slice(None), slice(None)) + crop]
    return y if b is None else y + b.reshape((-1,) + (1,) * nd)


def _register() -> None:
    for nd in (1, 2, 3):
        conv_samples = {
            1: samples(((2, 3, 6), (4, 3, 3), (4,)),
                       (((2, 2, 9), (3, 2, 2)), {"stride": 2, "padding": 1, "dilation": 2}),
                       (((1, 3, 6), (3, 1, 3)), {"padding": "same", "groups": 3})),
            2: samples(((2, 2, 4, 4), (2, 2, 3, 3), (2,)),
                       (((1, 4, 5, 4), (4, 2, 2, 3)), {"stride": (2, 1), "padding": (1, 0), "groups": 2}),
                       (((1, 2, 6, 6), (2, 2, 2, 2)), {"dilation": 2, "padding": "same"}),
                       (((1, 1, 5, 4), (2, 1, 3, 3), (2,)), {"stride": 2, "padding": 2})),
            3: samples(((1, 2, 3, 3, 2), (2, 2, 2, 2, 2), (2,)),
                       (((1, 2, 4, 3, 3), (2, 1, 3, 2, 2)),
                        {"stride": (2, 1, 2), "padding": 1, "groups": 2})),
        }[nd]
        register(OpInfo(
            name=f"conv{nd}d",
            call=lambda x, w, b=None, _nd=nd, **kw: conv(x, w, b, nd=_nd, **kw),
            ref=ref_conv,
            samples=conv_samples,
            function=Conv,
        ))
        tr_samples = {
            1: samples(((2, 4, 5), (4, 3, 3), (3,)),
                       (((1, 2, 4), (2, 2, 3)), {"stride": 3, "padding": 1, "output_padding": 2}),
                       (((2, 4, 3), (4, 1, 2)), {"stride": 2, "groups": 2, "dilation": 2})),
            2: samples(((2, 2, 3, 4), (2, 3, 3, 3), (3,)),
                       (((1, 4, 3, 3), (4, 1, 2, 3)), {"stride": (2, 1), "padding": (1, 1), "groups": 2,
                                                       "output_padding": (1, 0)}),
                       (((1, 2, 3, 3), (2, 2, 2, 2)), {"stride": 2, "dilation": 2, "output_padding": 1})),
            3: samples(((1, 2, 2, 3, 2), (2, 2, 2, 2, 2), (2,)),
                       (((1, 2, 2, 2, 3), (2, 1, 2, 2, 2)), {"stride": 2, "padding": 1, "groups": 2})),
        }[nd]
        register(OpInfo(
            name=f"conv_transpose{nd}d",
            call=lambda x, w, b=None, _nd=nd, **kw: conv_transpose(x, w, b, nd=_nd, **kw),
            ref=ref_conv_transpose,
            samples=tr_samples,
            function=ConvTranspose,
        ))


_register()
