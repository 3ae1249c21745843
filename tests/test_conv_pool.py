"""Convolution and pooling against torch.nn.functional over many argument combinations (values
and gradients, float64), the direct-definition references in the op files, and clear errors.

The op suite (test_ops, test_against_torch) checks each op's registry samples with finite
differences; here the argument grid is wider and the shapes a little larger.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd.ops import conv as conv_ops
from autograd.ops import pool as pool_ops
from nn import functional as F  # noqa: N812 - PyTorch's convention

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _compare(ours: Any, theirs: Any, arrays: list[np.ndarray], rng: np.random.Generator) -> None:
    """Forward and every input's gradient, for one random upstream gradient."""
    xs = [ag.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, r = ours(*xs), theirs(*ts)
    if isinstance(r, tuple):  # (values, indices)
        np.testing.assert_array_equal(y[1].data, r[1].numpy())
        y, r = y[0], r[0]
    assert y.shape == tuple(r.shape)
    np.testing.assert_allclose(y.data, r.detach().numpy(), rtol=1e-10, atol=1e-12)
    v = rng.standard_normal(y.shape)
    y.backward(v)
    r.backward(torch.from_numpy(v))
    for x, t in zip(xs, ts, strict=True):
        assert x.grad is not None
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.fixture(params=["batch_last", "numpy_layout"])
def layout(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both layouts of the convolutions' products (conv_ops.batch_last picks one by the
    output's row length): forced here, so each is checked on every argument combination."""
    monkeypatch.setattr(conv_ops, "BATCH_LAST_BELOW", 10**9 if request.param == "batch_last" else 0)
    return str(request.param)


CONV_ARGS = [
    {}, {"stride": 2}, {"padding": 1}, {"padding": 2, "stride": 3}, {"dilation": 2},
    {"dilation": 2, "padding": "same"}, {"padding": "same"}, {"padding": "valid", "stride": 2},
    {"groups": 2}, {"groups": 4, "stride": 2, "padding": 1}, {"groups": 2, "dilation": 2, "stride": 2},
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on its own speed
@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("kwargs", CONV_ARGS, ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()) or "-")
def test_conv_matches_torch(nd: int, kwargs: dict[str, Any], rng: np.random.Generator, layout: str) -> None:
    size = {1: (9,), 2: (7, 6), 3: (5, 6, 5)}[nd]
    ksize = {1: (3,), 2: (3, 2), 3: (2, 3, 2)}[nd]
    groups = kwargs.get("groups", 1)
    x = rng.standard_normal((2, 4, *size))
    w = rng.standard_normal((4, 4 // groups, *ksize))
    b = rng.standard_normal(4)
    ours = getattr(F, f"conv{nd}d")
    theirs = getattr(TF, f"conv{nd}d")
    _compare(lambda *t: ours(*t, **kwargs), lambda *t: theirs(*t, **kwargs), [x, w, b], rng)
    _compare(lambda *t: ours(*t, **kwargs), lambda *t: theirs(*t, **kwargs), [x, w], rng)
    expected = conv_ops.ref_conv(x, w, b, **kwargs)
    np.testing.assert_allclose(ours(x, w, b, **kwargs).data, expected, rtol=1e-10, atol=1e-12)


TRANSPOSE_ARGS = [
    {}, {"stride": 2}, {"stride": 2, "output_padding": 1}, {"padding": 1, "stride": 3, "output_padding": 2},
    {"dilation": 2}, {"dilation": 3, "stride": 2, "output_padding": 2}, {"groups": 2},
    {"groups": 2, "stride": 2, "padding": 1, "dilation": 2, "output_padding": 1},
]


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("kwargs", TRANSPOSE_ARGS,
                         ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()) or "-")
def test_conv_transpose_matches_torch(nd: int, kwargs: dict[str, Any], rng: np.random.Generator,
                                      layout: str) -> None:
    size = {1: (5,), 2: (4, 3), 3: (3, 2, 3)}[nd]
    ksize = {1: (3,), 2: (3, 2), 3: (2, 3, 2)}[nd]
    groups = kwargs.get("groups", 1)
    x = rng.standard_normal((2, 4, *size))
    w = rng.standard_normal((4, 6 // groups, *ksize))
    b = rng.standard_normal(6)
    ours = getattr(F, f"conv_transpose{nd}d")
    theirs = getattr(TF, f"conv_transpose{nd}d")
    _compare(lambda *t: ours(*t, **kwargs), lambda *t: theirs(*t, **kwargs), [x, w, b], rng)
    expected = conv_ops.ref_conv_transpose(x, w, b, **kwargs)
    np.testing.assert_allclose(ours(x, w, b, **kwargs).data, expected, rtol=1e-10, atol=1e-12)


POOL_ARGS = [
    {"kernel_size": 2}, {"kernel_size": 3, "stride": 1}, {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 3, "stride": 2, "ceil_mode": True}, {"kernel_size": 2, "stride": 3, "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
]
MAX_ONLY = [{"kernel_size": 2, "dilation": 2, "padding": 1}, {"kernel_size": 3, "dilation": 2, "stride": 2,
                                                               "ceil_mode": True, "return_indices": True}]
AVG_ONLY = [{"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
            {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}]


def _ids(k: dict[str, Any]) -> str:
    return ",".join(f"{a}={b}" for a, b in k.items())


def _distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values without ties (so the argmax, and with it the gradient, is unique)."""
    n = int(np.prod(shape))
    return (rng.permutation(n) + rng.uniform(0, 0.5, n)).reshape(shape)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("kwargs", POOL_ARGS + MAX_ONLY, ids=_ids)
def test_max_pool_matches_torch(nd: int, kwargs: dict[str, Any], rng: np.random.Generator) -> None:
    x = _distinct(rng, (2, 3, *{1: (9,), 2: (7, 8), 3: (5, 6, 7)}[nd]))
    name = f"max_pool{nd}d"
    _compare(lambda t: getattr(F, name)(t, **kwargs), lambda t: getattr(TF, name)(t, **kwargs), [x], rng)


TIE_ARGS = [{"kernel_size": 2}, {"kernel_size": 3}, {"kernel_size": 2, "stride": 1},
            {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}]


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("kwargs", TIE_ARGS, ids=_ids)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=str)
def test_max_pool_ties_and_nan_like_torch(nd: int, kwargs: dict[str, Any], dtype: Any,
                                          rng: np.random.Generator) -> None:
    """Many ties (values 0, 1, 2) and some NaN: the same values, indices and gradients as torch
    (the first maximum in window order; the last NaN of a window), for windows that tile the
    input (kernel = stride, the fast path) and for overlapping or padded ones."""
    x = rng.integers(0, 3, (2, 3, *{1: (9,), 2: (7, 8), 3: (5, 6, 7)}[nd])).astype(dtype)
    x.reshape(-1)[rng.choice(x.size, 4, replace=False)] = np.nan
    name = f"max_pool{nd}d"
    xs, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (y, idx), (r, ridx) = (getattr(F, name)(xs, return_indices=True, **kwargs),
                           getattr(TF, name)(xt, return_indices=True, **kwargs))
    np.testing.assert_array_equal(y.data, r.detach().numpy())  # NaN where torch has NaN
    np.testing.assert_array_equal(idx.data, ridx.numpy())
    v = rng.standard_normal(y.shape).astype(dtype)
    y.backward(v)
    r.backward(torch.from_numpy(v))
    assert xs.grad is not None  # (overlapping windows add up their gradients in another order)
    np.testing.assert_allclose(xs.grad.data, xt.grad.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("kwargs", POOL_ARGS + AVG_ONLY, ids=_ids)
def test_avg_pool_matches_torch(nd: int, kwargs: dict[str, Any], rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 3, *{1: (9,), 2: (7, 8), 3: (5, 6, 7)}[nd]))
    name = f"avg_pool{nd}d"
    _compare(lambda t: getattr(F, name)(t, **kwargs), lambda t: getattr(TF, name)(t, **kwargs), [x], rng)
    np.testing.assert_allclose(pool_ops.ref_avg_pool(x, **kwargs),
                               getattr(TF, name)(torch.from_numpy(x), **kwargs).numpy(), atol=1e-12)


def test_avg_pool_divisor_override(rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 3, 6, 5))
    kw = {"kernel_size": 3, "stride": 2, "padding": 1, "divisor_override": 4}
    _compare(lambda t: F.avg_pool2d(t, **kw), lambda t: TF.avg_pool2d(t, **kw), [x], rng)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7], ids=str)
def test_adaptive_pools_match_torch(nd: int, size: int, rng: np.random.Generator) -> None:
    x = _distinct(rng, (2, 3, *{1: (7,), 2: (7, 5), 3: (5, 4, 7)}[nd]))
    for kind in ("avg", "max"):
        name = f"adaptive_{kind}_pool{nd}d"
        _compare(lambda t, n=name: getattr(F, n)(t, size), lambda t, n=name: getattr(TF, n)(t, size),
                 [x], rng)
    name = f"adaptive_max_pool{nd}d"
    _compare(lambda t: getattr(F, name)(t, size, return_indices=True),
             lambda t: getattr(TF, name)(t, size, return_indices=True), [x], rng)


def test_adaptive_pool_none_keeps_an_axis(rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 3, 7, 5))
    _compare(lambda t: F.adaptive_avg_pool2d(t, (3, None)), lambda t: TF.adaptive_avg_pool2d(t, (3, None)),
             [x], rng)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_max_unpool_inverts_max_pool_like_torch(nd: int, rng: np.random.Generator) -> None:
    x = _distinct(rng, (2, 3, *{1: (8,), 2: (6, 8), 3: (4, 4, 6)}[nd]))
    pooled, idx = getattr(TF, f"max_pool{nd}d")(torch.from_numpy(x), 2, return_indices=True)
    _, ours_idx = getattr(F, f"max_pool{nd}d")(x, 2, return_indices=True)
    np.testing.assert_array_equal(ours_idx.data, idx.numpy())
    name = f"max_unpool{nd}d"
    _compare(lambda t: getattr(F, name)(t, ours_idx, 2), lambda t: getattr(TF, name)(t, idx, 2),
             [pooled.numpy()], rng)
    # with an explicit output size one larger on each axis (as after an odd-sized input)
    size = tuple(n + 1 for n in x.shape[2:])
    _compare(lambda t: getattr(F, name)(t, ours_idx, 2, output_size=size),
             lambda t: getattr(TF, name)(t, idx, 2, output_size=size), [pooled.numpy()], rng)


def test_unbatched_inputs(rng: np.random.Generator) -> None:
    x, w = rng.standard_normal((3, 6, 6)), rng.standard_normal((2, 3, 3, 3))
    _compare(lambda a, b: F.conv2d(a, b, padding=1), lambda a, b: TF.conv2d(a, b, padding=1), [x, w], rng)
    _compare(lambda a: F.max_pool2d(a, 2), lambda a: TF.max_pool2d(a, 2), [x], rng)
    _compare(lambda a: F.avg_pool2d(a, 3, 1), lambda a: TF.avg_pool2d(a, 3, 1), [x], rng)


def test_second_derivatives_of_conv_match_torch(rng: np.random.Generator, layout: str) -> None:
    """d/dx of (dL/dw) and d/dw of (dL/dx): conv's backward is itself differentiable."""
    x, w = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    xs, ws = ag.tensor(x, requires_grad=True), ag.tensor(w, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    kw = {"stride": 2, "padding": 1, "dilation": 1}
    gx, gw = ag.grad((F.conv2d(xs, ws, **kw) ** 2).sum(), [xs, ws], create_graph=True)
    tgx, tgw = torch.autograd.grad((TF.conv2d(xt, wt, **kw) ** 2).sum(), [xt, wt], create_graph=True)
    ((gx * gx).sum() + (gw * gw).sum()).backward()
    ((tgx * tgx).sum() + (tgw * tgw).sum()).backward()
    assert xs.grad is not None
    assert ws.grad is not None
    np.testing.assert_allclose(xs.grad.data, xt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ws.grad.data, wt.grad.numpy(), rtol=1e-10)


def test_float32_in_float32_out(rng: np.random.Generator) -> None:
    x = ag.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32), requires_grad=True)
    w = ag.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    y = F.avg_pool2d(F.max_pool2d(F.conv2d(x, w, padding=1), 2), 2, ceil_mode=True)
    y = F.adaptive_avg_pool2d(y, 1) + F.adaptive_max_pool2d(y, 1)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad is not None
    assert w.grad is not None
    assert x.grad.dtype == np.float32
    assert w.grad.dtype == np.float32


# -- errors -------------------------------------------------------------------------------------
ERRORS = [
        (lambda: F.conv2d(np.zeros((2, 3)), np.zeros((4, 3, 3, 3))),
         r"conv2d: expected an input of shape \(N, C, H, W\), got shape \(2, 3\)"),
        (lambda: F.conv2d(np.zeros((1, 2, 3, 4, 5)), np.zeros((4, 2, 3, 3))), r"conv2d: expected an input"),
        (lambda: F.conv2d(np.zeros((2, 3, 5, 5)), np.zeros((4, 2, 3, 3))),
         r"conv2d: input of shape \(2, 3, 5, 5\) and weight of shape \(4, 2, 3, 3\) do not fit"),
        (lambda: F.conv2d(np.zeros((2, 3, 5, 5)), np.zeros((4, 1, 3, 3)), groups=2),
         r"conv2d: groups=2 must divide the input channels \(3"),
        (lambda: F.conv2d(np.zeros((2, 3, 2, 2)), np.zeros((4, 3, 3, 3))),
         r"conv2d: the kernel \(3, 3\).* larger than the padded input \(2, 2\)"),
        (lambda: F.conv2d(np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)), padding="same", stride=2),
         r"conv2d: padding='same' needs stride 1"),
        (lambda: F.conv2d(np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)), padding="full"),
         r"conv2d: padding must be"),
        (lambda: F.conv2d(np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)), stride=(1, 2, 3)),
         r"conv2d: stride must be an int or 2 ints"),
        (lambda: F.conv2d(np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)), np.zeros(3)),
         r"conv2d: bias of shape \(3,\) does not fit 4 output channels"),
        (lambda: F.conv1d(np.zeros((2, 3, 5)), np.zeros((4, 3, 3, 3))), r"conv1d: expected a weight"),
        (lambda: F.conv_transpose2d(np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3))),
         r"conv_transpose2d: input of shape \(2, 3, 5, 5\) and weight of shape \(4, 3, 3, 3\) do not fit"),
        (lambda: F.conv_transpose2d(np.zeros((2, 3, 5, 5)), np.zeros((3, 3, 3, 3)), output_padding=1),
         r"conv_transpose2d: output_padding \(1, 1\) must be smaller than the stride"),
        (lambda: F.max_pool2d(np.zeros((1, 1, 4, 4)), 3, padding=2),
         r"max_pool2d: padding \(2, 2\) must be at most half"),
        (lambda: F.max_pool2d(np.zeros((1, 1, 2, 2)), 3),
         r"max_pool2d: the window .* larger than the padded input"),
        (lambda: F.max_pool2d(np.zeros((4, 4)), 2),
         r"max_pool2d: expected an input of shape \(N, C, H, W\)"),
        (lambda: F.avg_pool3d(np.zeros((4, 4)), 2),
         r"avg_pool3d: expected an input of shape \(N, C, D, H, W\)"),
        (lambda: F.avg_pool2d(np.zeros((1, 1, 4, 4)), 2, divisor_override=0),
         r"avg_pool2d: divisor_override"),
        (lambda: F.adaptive_avg_pool2d(np.zeros((1, 1, 4, 4)), (2, 2, 2)),
         r"adaptive_avg_pool2d: output_size"),
        (lambda: F.adaptive_max_pool2d(np.zeros((1, 1, 4, 4)), 0),
         r"adaptive_max_pool2d: output_size must be positive"),
        (lambda: F.max_unpool2d(np.zeros((1, 1, 2, 2)), np.array([[[[0, 1], [2, 99]]]]), 2),
         r"max_unpool2d: indices must be in \[0, 16\)"),
        (lambda: F.max_unpool2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 2, 3), dtype=int), 2),
         r"max_unpool2d: indices must be integers of the input's shape"),
]


@pytest.mark.parametrize(("call", "message"), ERRORS, ids=[m.split(":")[0] + f"-{i}" for i, (_, m) in
                                                         enumerate(ERRORS)])
def test_bad_input_gets_a_clear_error(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_conv2d_is_one_node_with_a_readable_label() -> None:
    x = ag.tensor(np.zeros((1, 2, 5, 5)), requires_grad=True)
    y = F.conv2d(x, np.zeros((3, 2, 3, 3)), stride=2)
    assert y.grad_fn is not None
    assert y.grad_fn.label().startswith("conv2d(")
    assert "stride=(2, 2)" in y.grad_fn.label()
    assert y.grad_fn.label() == "conv2d(stride=(2, 2))"
    assert F.conv2d(x, np.zeros((2, 1, 3, 3)), padding=1, groups=2).grad_fn.label() == \
        "conv2d(padding=(1, 1), groups=2)"
    z = F.max_pool2d(x, 2)
    assert z.grad_fn is not None
    assert z.grad_fn.label() == "max_pool2d(kernel_size=(2, 2))"
    a = F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
    assert a.grad_fn is not None
    assert a.grad_fn.label() == "avg_pool2d(kernel_size=(3, 3), padding=(1, 1), count_include_pad=False)"


# -- interpolate --------------------------------------------------------------------------------
INTERP = [
    ("nearest", {"size": 11}), ("nearest", {"scale_factor": 2.5}), ("nearest", {"size": 3}),
    ("nearest", {"scale_factor": 0.7}), ("nearest-exact", {"size": 13}),
    ("nearest-exact", {"scale_factor": 0.6}),
    ("linear", {"size": 12}), ("linear", {"size": 4}), ("linear", {"scale_factor": 1.7}),
    ("linear", {"size": 12, "align_corners": True}), ("linear", {"scale_factor": 0.5, "align_corners": True}),
    ("linear", {"scale_factor": 1.3, "recompute_scale_factor": True}), ("linear", {"size": 1}),
    ("linear", {"size": 1, "align_corners": True}),
]
SPATIAL = {1: (7,), 2: (5, 6), 3: (3, 4, 5)}
LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize(("mode", "kwargs"), INTERP, ids=[f"{m}-{_ids(k)}" for m, k in INTERP])
def test_interpolate_matches_torch(nd: int, mode: str, kwargs: dict[str, Any],
                                   rng: np.random.Generator) -> None:
    mode = LINEAR[nd] if mode == "linear" else mode
    x = rng.standard_normal((2, 3, *SPATIAL[nd]))
    _compare(lambda t: F.interpolate(t, mode=mode, **kwargs),
             lambda t: TF.interpolate(t, mode=mode, **kwargs),
             [x], rng)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_interpolate_nearest_picks_torchs_pixels_in_float32(mode: str, rng: np.random.Generator) -> None:
    """Sizes where S/L is inexact in float32: the same source pixels as PyTorch's kernel."""
    for n_in, n_out in [(7, 10), (10, 7), (3, 9), (9, 3), (5, 13), (13, 5), (100, 33), (33, 100)]:
        x = rng.standard_normal((1, 1, n_in)).astype(np.float32)
        ours = F.interpolate(x, size=n_out, mode=mode).data
        theirs = TF.interpolate(torch.from_numpy(x), size=n_out, mode=mode).numpy()
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": 4, "mode": "bicubic"}, "interpolate: mode must be one of"),
        ({"size": 4, "mode": "bilinear"},
         r"interpolate: mode 'bilinear' needs a 4-d input, got shape \(1, 2, 5\)"),
        ({"size": 4, "mode": "nearest", "align_corners": True}, "align_corners can only be set"),
        ({"mode": "nearest"}, "exactly one of size and scale_factor"),
        ({"size": 4, "scale_factor": 2}, "exactly one of size and scale_factor"),
        ({"size": (4, 4)}, r"interpolate: size \(4, 4\) must be an int or 1 ints"),
        ({"scale_factor": -1.0}, "scale_factor must be positive"),
        ({"scale_factor": 0.1}, r"the output size \(0,\) must be positive"),
    ],
    ids=["mode", "ndim", "align", "neither", "both", "size", "negative", "empty"],
)
def test_interpolate_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        F.interpolate(np.zeros((1, 2, 5)), **kwargs)


@pytest.mark.slow
def test_conv_benchmark_quick_mode_runs() -> None:
    """bench_conv.py checks ours against PyTorch before timing; --quick is its smoke test."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).parent / "benchmarks" / "bench_conv.py"
    done = subprocess.run([sys.executable, str(script), "--quick"], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "ours/torch" in done.stdout
