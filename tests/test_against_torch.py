"""Every registered op sample against PyTorch, forward and gradients, in float64.

Optional: skipped when torch is not installed. Each op name maps to the equivalent torch call;
an op registered without a torch equivalent here fails `test_every_op_has_a_torch_equivalent`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd.registry import OpInfo, Sample

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _dims(x: Any, axis: Any) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(x.ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


def _reduce(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        dims = _dims(x, axis)
        return fn(x, dim=dims, keepdim=keepdims) if dims else x
    return call


def _var(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Any:
    return torch.var(x, dim=_dims(x, axis), correction=ddof, keepdim=keepdims)


def _std(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Any:
    return torch.std(x, dim=_dims(x, axis), correction=ddof, keepdim=keepdims)


def _torch_index(index: Any, shape: tuple[int, ...]) -> Any:
    """numpy index -> torch index: arrays become tensors, negative-step slices index arrays."""
    items = index if isinstance(index, tuple) else (index,)
    out, axis = [], 0
    for it in items:
        if isinstance(it, np.ndarray):
            out.append(torch.from_numpy(it))
            axis += it.ndim if it.dtype == np.bool_ else 1
        elif isinstance(it, slice) and it.step is not None and it.step < 0:
            out.append(torch.from_numpy(np.arange(shape[axis])[it].copy()))
            axis += 1
        else:
            out.append(it)
            axis += 0 if it is None or it is Ellipsis else 1
    return tuple(out) if isinstance(index, tuple) else out[0]


def _getitem(x: Any, index: Any) -> Any:
    return x[_torch_index(index, tuple(x.shape))]


def _index_add(x: Any, shape: tuple[int, ...], index: Any) -> Any:
    out = torch.zeros(shape, dtype=x.dtype)
    items = index if isinstance(index, tuple) else (index,)
    if all(isinstance(i, np.ndarray) for i in items):
        return out.index_put(tuple(torch.from_numpy(i) for i in items), x, accumulate=True)
    out[index] = x  # basic indices select each element once
    return out


def _pad(x: Any, pad_width: Any, value: float = 0.0) -> Any:
    pw = np.broadcast_to(np.asarray(pad_width), (x.ndim, 2))
    flat = [int(n) for pair in pw[::-1] for n in pair]  # torch: last axis first
    return F.pad(x, flat, value=value)


def _where(cond_of: Callable[..., Any]) -> Callable[..., Any]:
    def call(x: Any, y: Any) -> Any:
        shape = np.broadcast_shapes(tuple(x.shape), tuple(y.shape))
        # The registry's `where` closes over its condition; recover it from the reference.
        cond = cond_of(np.ones(shape), np.zeros(shape)).astype(bool)
        return torch.where(torch.from_numpy(cond), x, y)
    return call


def _expand_dims(x: Any, axis: Any) -> Any:
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    ndim = x.ndim + len(axes)
    for a in sorted(a % ndim for a in axes):
        x = x.unsqueeze(a)
    return x


def _split(x: Any, sections: Any, axis: int = 0) -> Any:
    pieces = torch.chunk(x, sections, dim=axis) if isinstance(sections, int) else \
        torch.tensor_split(x, list(sections), dim=axis)
    return torch.cat(pieces, dim=axis)


TORCH: dict[str, Callable[..., Any]] = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow,
    "maximum": torch.maximum, "minimum": torch.minimum,
    "where": _where(ag.OPS["where"].ref),
    "neg": torch.neg, "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "abs": torch.abs,
    "sin": torch.sin, "cos": torch.cos, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
    "relu": torch.relu, "softplus": F.softplus,
    "leaky_relu": lambda x, negative_slope=0.01: F.leaky_relu(x, negative_slope),
    "clip": lambda x, a_min=None, a_max=None: torch.clamp(x, min=a_min, max=a_max),
    "matmul": torch.matmul,
    "linear": lambda x, w, b=None: F.linear(x, w, b),
    "sum": _reduce(torch.sum), "mean": _reduce(torch.mean), "max": _reduce(torch.amax),
    "min": _reduce(torch.amin), "logsumexp": _reduce(torch.logsumexp), "var": _var, "std": _std,
    "reshape": lambda x, shape: x.reshape(shape),
    "transpose": lambda x, axes=None: x.permute(axes if axes is not None else
                                                tuple(reversed(range(x.ndim)))),
    "broadcast_to": lambda x, shape: x.expand(shape),
    "getitem": _getitem, "index_add": _index_add,
    "concatenate": lambda *xs, axis=0: torch.cat(xs, dim=axis),
    "stack": lambda *xs, axis=0: torch.stack(xs, dim=axis),
    "pad": _pad,
    "swapaxes": lambda x, axis1, axis2: torch.swapaxes(x, axis1, axis2),
    "expand_dims": _expand_dims,
    "squeeze": lambda x, axis=None: x.squeeze() if axis is None else x.squeeze(axis),
    "flatten": lambda x: x.flatten(),
    "split": _split,
    "softmax": lambda x, axis=-1: torch.softmax(x, dim=axis),
    "log_softmax": lambda x, axis=-1: torch.log_softmax(x, dim=axis),
    # nn's fused losses, written out (torch's own give no gradient for the target):
    "binary_cross_entropy": lambda p, y: -(y * torch.log(p) + (1 - y) * torch.log(1 - p)),
    "binary_cross_entropy_with_logits":
        lambda x, y: torch.clamp(x, min=0) - x * y + torch.log1p(torch.exp(-x.abs())),
    # nn's normalization (BatchNorm, LayerNorm, GroupNorm), as torch's layer_norm over those axes:
    "standardize": lambda x, axis=-1, eps=1e-5: (x - x.mean(dim=axis, keepdim=True))
        / torch.sqrt(x.var(dim=axis, correction=0, keepdim=True) + eps),
    "batch_norm": lambda x, w=None, b=None, eps=1e-5: torch.nn.functional.batch_norm(
        x, None, None, w, b, training=True, eps=eps),
}



def _torch_nn_ops() -> dict[str, Callable[..., Any]]:
    """Convolution, pooling and activations: torch.nn.functional under the same names."""
    out: dict[str, Callable[..., Any]] = {}
    for nd in (1, 2, 3):
        for name in (f"conv{nd}d", f"conv_transpose{nd}d", f"max_pool{nd}d", f"avg_pool{nd}d",
                     f"adaptive_avg_pool{nd}d", f"adaptive_max_pool{nd}d"):
            out[name] = getattr(F, name)
        unpool = getattr(F, f"max_unpool{nd}d")
        out[f"max_unpool{nd}d"] = (lambda x, indices, *a, _f=unpool, **kw:
                                   _f(x, torch.from_numpy(indices), *a, **kw))
    # Activations. torch has no quick_gelu, and its hardsigmoid kernel rounds 1/6 to float32
    # (errors of 3e-8 in float64), so both are written out.
    for name in ("gelu", "silu", "elu", "selu", "celu", "mish", "hardswish", "hardtanh",
                 "relu6", "logsigmoid", "softsign", "prelu"):
        out[name] = getattr(F, name)
    out["quick_gelu"] = lambda x: x * torch.sigmoid(1.702 * x)
    out["hardsigmoid"] = lambda x: torch.clamp(x + 3, 0, 6) / 6
    out["softmin"] = lambda x, axis=-1: F.softmin(x, dim=axis)
    out["glu"] = lambda x, axis=-1: F.glu(x, dim=axis)
    out["interpolate"] = F.interpolate
    out["normal_cdf"] = torch.special.ndtr
    return out


TORCH.update(_torch_nn_ops())

from tests.torch_everyday import EVERYDAY  # noqa: E402 - needs torch, checked above

TORCH.update(EVERYDAY)

CASES = [pytest.param(op, s, id=f"{op.name}-{i}") for op in ag.OPS.values() for i, s in
         enumerate(op.samples)]


def test_every_op_has_a_torch_equivalent() -> None:
    assert sorted(set(ag.OPS) - set(TORCH)) == []


@pytest.mark.parametrize(("op", "sample"), CASES)
def test_forward_and_gradients_match_torch(op: OpInfo, sample: Sample, rng: np.random.Generator) -> None:
    arrays = op.inputs(rng, sample)
    wanted = range(len(arrays)) if op.differentiable is None else op.differentiable
    ours = [ag.tensor(a, requires_grad=i in wanted) for i, a in enumerate(arrays)]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=i in wanted)
              for i, a in enumerate(arrays)]
    out = op.call(*ours, **sample.kwargs)
    ref = TORCH[op.name](*theirs, **sample.kwargs)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-12)

    v = rng.standard_normal(out.shape)
    out.backward(v)
    ref.backward(torch.from_numpy(np.asarray(v)))
    for t, r in zip(ours, theirs, strict=True):
        if t.requires_grad:
            assert t.grad is not None
            assert r.grad is not None
            np.testing.assert_allclose(t.grad.data, r.grad.numpy(), rtol=1e-10, atol=1e-12)
