"""The new layers against torch.nn with the same weights (float64): our state_dict is loaded
into the torch module by key (strict, so the keys and shapes are identical), then outputs,
input gradients and parameter gradients are compared; plus finite-difference checks for the
composites (norms, attention), and torch's init distributions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag
import nn
from nn import functional as F  # noqa: N812 - PyTorch's usual alias

torch = pytest.importorskip("torch")


def _to_torch(x: Any) -> Any:
    return torch.from_numpy(np.array(x)).requires_grad_(np.asarray(x).dtype.kind == "f")


def _load_into_torch(ours: nn.Module, theirs: Any) -> None:
    theirs.double()
    state = {k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state, strict=True)  # identical keys and shapes, or this raises
    assert list(theirs.state_dict()) == list(state)  # and the same order


def _outputs(out: Any) -> list[Any]:
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _outputs(o)]
    return [] if out is None else [out]


def compare(
    ours: nn.Module,
    theirs: Any,
    inputs: list[np.ndarray],
    call: Callable[..., Any] | None = None,
    call_torch: Callable[..., Any] | None = None,
    rtol: float = 1e-9,
    atol: float = 1e-10,
) -> None:
    """Same weights, same inputs: the same outputs, input gradients and parameter gradients."""
    _load_into_torch(ours, theirs)
    ag.manual_seed(0)
    xs = [ag.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
    ts = [_to_torch(x) for x in inputs]
    out = _outputs((call or (lambda m, *a: m(*a)))(ours, *xs))
    tout = _outputs((call_torch or (lambda m, *a: m(*a)))(theirs, *ts))
    assert len(out) == len(tout)
    rng = np.random.default_rng(1)
    loss: Any = 0.0
    tloss: Any = 0.0
    for o, t in zip(out, tout, strict=True):
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=rtol, atol=atol)
        g = rng.standard_normal(o.shape)
        loss = loss + (o * g).sum()
        tloss = tloss + (t * torch.from_numpy(g)).sum()
    loss.backward()
    tloss.backward()
    for x, t in zip(xs, ts, strict=True):
        if x.requires_grad:
            np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-8, atol=1e-10)
    tparams = dict(theirs.named_parameters())
    names = [n for n, _ in ours.named_parameters()]
    assert names == list(tparams)
    for name, p in ours.named_parameters():
        tg = tparams[name].grad
        got = np.zeros(p.shape) if p.grad is None else p.grad.data
        want = np.zeros(p.shape) if tg is None else tg.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10, err_msg=name)
    # Buffers move too (BatchNorm's running statistics after a training step).
    tbufs = dict(theirs.named_buffers())
    for name, b in ours.named_buffers():
        np.testing.assert_allclose(b.data, tbufs[name].numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.fixture(autouse=True)
def _float64() -> None:
    ag.set_default_dtype(np.float64)
    ag.manual_seed(0)


# -- normalization ------------------------------------------------------------------------------
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("shape", [(6, 3), (5, 3, 4)])
def test_batchnorm1d(rng: np.random.Generator, shape: tuple[int, ...], momentum: float | None) -> None:
    ours, theirs = nn.BatchNorm1d(3, momentum=momentum), torch.nn.BatchNorm1d(3, momentum=momentum)
    ours.weight.data[...] = rng.uniform(0.5, 2, 3)
    ours.bias.data[...] = rng.standard_normal(3)
    compare(ours, theirs, [rng.standard_normal(shape) * 2 + 1])
    assert ours.num_batches_tracked.item() == 1
    # A second step, then eval mode with the running statistics.
    x = rng.standard_normal(shape)
    ours(x)
    theirs(torch.from_numpy(x))
    ours.eval()
    theirs.eval()
    compare(ours, theirs, [rng.standard_normal(shape)])


def test_batchnorm2d_and_options(rng: np.random.Generator) -> None:
    compare(nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4), [rng.standard_normal((3, 4, 5, 5))])
    ours = nn.BatchNorm2d(4, affine=False, track_running_stats=False, eps=1e-3)
    compare(
        ours,
        torch.nn.BatchNorm2d(4, affine=False, track_running_stats=False, eps=1e-3),
        [rng.standard_normal((3, 4, 2, 2))],
    )
    ours.eval()  # without running statistics, eval mode uses the batch's
    theirs = torch.nn.BatchNorm2d(4, affine=False, track_running_stats=False, eps=1e-3).eval()
    compare(ours, theirs, [rng.standard_normal((3, 4, 2, 2))])
    assert list(ours.state_dict()) == []
    with pytest.raises(ValueError, match=r"expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(np.ones((1, 3)))
    with pytest.raises(
        ValueError,
        match=r"BatchNorm2d: expected an input of shape \(N, C, H, W\) with C = 4",
    ):
        nn.BatchNorm2d(4)(np.ones((2, 3, 2, 2)))


@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 2, 3)])
def test_layernorm(rng: np.random.Generator, shape: tuple[int, ...]) -> None:
    norm = shape[-1:] if len(shape) == 2 else shape[-2:]
    ours = nn.LayerNorm(norm)
    ours.weight.data[...] = rng.uniform(0.5, 2, norm)
    ours.bias.data[...] = rng.standard_normal(norm)
    compare(ours, torch.nn.LayerNorm(norm), [rng.standard_normal(shape)])
    compare(
        nn.LayerNorm(norm, bias=False), torch.nn.LayerNorm(norm, bias=False), [rng.standard_normal(shape)]
    )


def test_groupnorm(rng: np.random.Generator) -> None:
    ours = nn.GroupNorm(2, 6)
    ours.weight.data[...] = rng.uniform(0.5, 2, 6)
    compare(ours, torch.nn.GroupNorm(2, 6), [rng.standard_normal((3, 6, 4))])
    compare(
        nn.GroupNorm(3, 6, affine=False),
        torch.nn.GroupNorm(3, 6, affine=False),
        [rng.standard_normal((2, 6, 2, 2))],
    )


def test_norms_against_finite_differences(rng: np.random.Generator) -> None:
    for layer, shape in [
        (nn.LayerNorm(4), (3, 4)),
        (nn.GroupNorm(2, 4), (2, 4, 3)),
        (nn.BatchNorm2d(2), (3, 2, 2, 2)),
    ]:
        x = ag.tensor(rng.standard_normal(shape), requires_grad=True)
        params = layer.parameters()
        for p in params:
            p.data[...] = rng.uniform(0.5, 1.5, p.shape)
        assert ag.gradcheck(lambda x, *ps, layer=layer: layer(x), (x, *params))
        assert ag.gradgradcheck(lambda x, *ps, layer=layer: layer(x), (x, *params))


# -- embedding ------------------------------------------------------------------------------------
def test_embedding(rng: np.random.Generator) -> None:
    ids = rng.integers(0, 10, size=(4, 5))
    ids[0, :2] = 3
    compare(nn.Embedding(10, 3), torch.nn.Embedding(10, 3), [ids])
    ours = nn.Embedding(10, 3, padding_idx=3)
    assert np.all(ours.weight.data[3] == 0)
    ours.weight.data[3] = 1.5  # the padding row reads its value but gets no gradient
    compare(ours, torch.nn.Embedding(10, 3, padding_idx=3), [ids])
    with pytest.raises(IndexError, match=r"Embedding: id 10 is out of range for a table of 10 rows"):
        ours(np.array([1, 10]))
    with pytest.raises(TypeError, match="Embedding: expected integer ids, got dtype float64"):
        ours(np.array([1.0]))


# -- attention ------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["plain", "bool", "float", "causal", "scale"])
def test_scaled_dot_product_attention(rng: np.random.Generator, case: str) -> None:
    q, k, v = (
        rng.standard_normal((2, 3, 4, 5)),
        rng.standard_normal((2, 3, 6, 5)),
        rng.standard_normal((2, 3, 6, 7)),
    )
    kw: dict[str, Any] = {}
    if case == "bool":
        m = rng.random((4, 6)) > 0.3
        m[:, 0] = True
        kw["attn_mask"] = m
    elif case == "float":
        kw["attn_mask"] = rng.standard_normal((2, 1, 4, 6))
    elif case == "causal":
        kw["is_causal"] = True
    elif case == "scale":
        kw["scale"] = 0.3
    xs = [ag.tensor(a, requires_grad=True) for a in (q, k, v)]
    out = F.scaled_dot_product_attention(*xs, **kw)
    tkw = {k2: (torch.from_numpy(v2) if isinstance(v2, np.ndarray) else v2) for k2, v2 in kw.items()}
    ts = [_to_torch(a) for a in (q, k, v)]
    tout = torch.nn.functional.scaled_dot_product_attention(*ts, **tkw)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(out.shape)
    (out * g).sum().backward()
    (tout * torch.from_numpy(g)).sum().backward()
    for x, t in zip(xs, ts, strict=True):
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-8, atol=1e-10)
    small = [ag.tensor(rng.standard_normal(s), requires_grad=True) for s in ((1, 3, 2), (1, 4, 2), (1, 4, 2))]
    assert ag.gradcheck(lambda *a: F.scaled_dot_product_attention(*a, **kw_small(case)), small)


def kw_small(case: str) -> dict[str, Any]:
    return {"is_causal": True} if case == "causal" else {"scale": 0.3} if case == "scale" else {}


def test_sdpa_dropout_and_errors() -> None:
    q = ag.ones(1, 4, 3)
    out = F.scaled_dot_product_attention(q, q, ag.tensor(np.eye(4, 3)[None]), dropout_p=0.5, rng=0)
    assert np.any(out.data == 0) or np.any(out.data > 0.5)  # some weights were dropped, the rest scaled
    with pytest.raises(ValueError, match="give either attn_mask or is_causal"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((4, 4), bool), is_causal=True)
    with pytest.raises(ValueError, match=r"expected query \(..., L, E\), key \(..., S, E\)"):
        F.scaled_dot_product_attention(q, ag.ones(1, 4, 2), q)


def _mha_pair(batch_first: bool, seed: int = 0) -> tuple[nn.MultiheadAttention, Any]:
    ours = nn.MultiheadAttention(8, 2, batch_first=batch_first, rng=seed)
    ours.in_proj_bias.data[...] = np.random.default_rng(seed).standard_normal(24) * 0.1
    ours.out_proj.bias.data[...] = 0.05
    return ours, torch.nn.MultiheadAttention(8, 2, batch_first=batch_first)


@pytest.mark.parametrize("batch_first", [True, False])
def test_multihead_self_attention(rng: np.random.Generator, batch_first: bool) -> None:
    ours, theirs = _mha_pair(batch_first)
    x = rng.standard_normal((3, 5, 8))
    compare(ours, theirs, [x], call=lambda m, x: m(x, x, x), call_torch=lambda m, x: m(x, x, x))


def test_multihead_attention_masks_and_options(rng: np.random.Generator) -> None:
    ours, theirs = _mha_pair(True, seed=1)
    q, k = rng.standard_normal((2, 4, 8)), rng.standard_normal((2, 6, 8))
    pad = np.zeros((2, 6), dtype=bool)
    pad[0, -2:] = True
    causal = np.triu(np.ones((4, 6), dtype=bool), k=1)
    compare(
        ours,
        theirs,
        [q, k, k.copy()],
        call=lambda m, q, k, v: m(
            q, k, v, key_padding_mask=pad, attn_mask=causal, average_attn_weights=False
        ),
        call_torch=lambda m, q, k, v: m(
            q,
            k,
            v,
            key_padding_mask=torch.from_numpy(pad),
            attn_mask=torch.from_numpy(causal),
            average_attn_weights=False,
        ),
    )
    fmask = rng.standard_normal((2 * 2, 4, 6))
    compare(
        ours,
        theirs,
        [q, k, k.copy()],
        call=lambda m, q, k, v: m(q, k, v, attn_mask=fmask, need_weights=False),
        call_torch=lambda m, q, k, v: m(q, k, v, attn_mask=torch.from_numpy(fmask), need_weights=False),
    )
    # Unbatched (L, E) input.
    compare(ours, theirs, [q[0]], call=lambda m, x: m(x, x, x), call_torch=lambda m, x: m(x, x, x))
    _out, w = ours(q, q, q, need_weights=False)
    assert w is None
    with pytest.raises(ValueError, match=r"attn_mask must have shape \(4, 4\) or \(4, 4, 4\)"):
        ours(q, q, q, attn_mask=np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"embed_dim \(6\) must be a positive multiple of num_heads \(4\)"):
        nn.MultiheadAttention(6, 4)


def test_multihead_attention_against_finite_differences(rng: np.random.Generator) -> None:
    m = nn.MultiheadAttention(4, 2, batch_first=True, rng=0)
    x = ag.tensor(rng.standard_normal((1, 3, 4)), requires_grad=True)
    mask = np.triu(np.ones((3, 3), dtype=bool), k=1)
    assert ag.gradcheck(lambda x, *ps: m(x, x, x, attn_mask=mask)[0], (x, *m.parameters()))


# -- recurrent --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_cells(rng: np.random.Generator, kind: str) -> None:
    ours, theirs = getattr(nn, kind + "Cell")(3, 4, rng=0), getattr(torch.nn, kind + "Cell")(3, 4)
    x, h = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    if kind == "LSTM":
        c = rng.standard_normal((5, 4))
        compare(
            ours,
            theirs,
            [x, h, c],
            call=lambda m, x, h, c: m(x, (h, c)),
            call_torch=lambda m, x, h, c: m(x, (h, c)),
        )
    else:
        compare(ours, theirs, [x, h])
    compare(ours, theirs, [x[0]])  # unbatched, zero initial state
    if kind == "RNN":
        compare(
            nn.RNNCell(3, 4, nonlinearity="relu", bias=False),
            torch.nn.RNNCell(3, 4, nonlinearity="relu", bias=False),
            [x, h],
        )


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_sequence_models(rng: np.random.Generator, kind: str, batch_first: bool) -> None:
    ours = getattr(nn, kind)(3, 4, num_layers=2, batch_first=batch_first, rng=0)
    theirs = getattr(torch.nn, kind)(3, 4, num_layers=2, batch_first=batch_first)
    x = rng.standard_normal((2, 5, 3))
    n = x.shape[0] if batch_first else x.shape[1]
    h0 = rng.standard_normal((2, n, 4))
    if kind == "LSTM":
        c0 = rng.standard_normal((2, n, 4))
        compare(
            ours,
            theirs,
            [x, h0, c0],
            call=lambda m, x, h, c: m(x, (h, c)),
            call_torch=lambda m, x, h, c: m(x, (h, c)),
        )
    else:
        compare(ours, theirs, [x, h0])
    compare(ours, theirs, [x[0]])  # unbatched (L, I), zero initial state


def test_recurrent_errors() -> None:
    with pytest.raises(
        ValueError,
        match=r"LSTM: expected an input of shape \(L, N, I\) or \(L, I\) with I = 3",
    ):
        nn.LSTM(3, 4)(np.ones((2, 2, 5)))
    with pytest.raises(ValueError, match=r"GRU: h_0 must have shape \(1, 2, 4\) = .*, got \(2, 4\)"):
        nn.GRU(3, 4)(np.ones((5, 2, 3)), np.ones((2, 4)))


# -- initialization distributions -------------------------------------------------------------------
def test_init_matches_torch_distributions() -> None:
    """Bounds and spreads of the initial weights, as torch's (same distributions, other draws)."""
    ours = nn.LSTM(50, 64, rng=0)
    b = 1 / np.sqrt(64)
    w = ours.weight_hh_l0.data
    assert w.min() >= -b
    assert w.max() <= b
    assert abs(w.std() - b / np.sqrt(3)) < 0.01 * b
    mha = nn.MultiheadAttention(64, 4, rng=0)
    bound = np.sqrt(6 / (64 + 3 * 64))  # xavier uniform over (3E, E)
    w = mha.in_proj_weight.data
    assert w.max() <= bound
    assert w.max() > 0.95 * bound
    assert np.all(mha.in_proj_bias.data == 0)
    assert np.all(mha.out_proj.bias.data == 0)
    e = nn.Embedding(1000, 50, rng=0).weight.data
    assert abs(e.mean()) < 0.01
    assert abs(e.std() - 1) < 0.01
    t = torch.nn.MultiheadAttention(64, 4)
    assert abs(t.in_proj_weight.detach().numpy().max() - bound) < 0.05 * bound


# -- convolution and pooling --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "args", "kwargs", "shape"),
    [
        ("Conv1d", (3, 4, 3), {"padding": 1, "stride": 2}, (2, 3, 9)),
        ("Conv2d", (3, 4, 3), {"padding": 1}, (2, 3, 6, 6)),
        (
            "Conv2d",
            (4, 6, (3, 2)),
            {"stride": (2, 1), "dilation": 2, "groups": 2, "bias": False},
            (2, 4, 9, 7),
        ),
        ("Conv2d", (2, 3, 3), {"padding": "same"}, (1, 2, 5, 5)),
        ("ConvTranspose2d", (4, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (2, 4, 4, 4)),
        ("ConvTranspose2d", (4, 6, 2), {"groups": 2}, (1, 4, 3, 3)),
        ("MaxPool2d", (2,), {}, (2, 3, 6, 6)),
        ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (2, 3, 7, 7)),
        ("AvgPool2d", (2,), {"stride": 1}, (2, 3, 5, 5)),
        ("AvgPool2d", (3,), {"padding": 1, "count_include_pad": False}, (1, 2, 6, 6)),
        ("AdaptiveAvgPool2d", ((2, 3),), {}, (2, 3, 7, 8)),
        ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 4, 4)),
    ],
)
def test_conv_and_pool_layers(
    rng: np.random.Generator, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...]
) -> None:
    ours = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    compare(ours, theirs, [rng.standard_normal(shape)])


def test_conv_init_and_errors() -> None:
    w = nn.Conv2d(8, 16, 3, rng=0).weight.data
    bound = 1 / np.sqrt(8 * 9)  # kaiming_uniform(a=sqrt(5)) over fan_in = C_in * KH * KW
    assert w.max() <= bound
    assert w.max() > 0.95 * bound
    assert nn.ConvTranspose2d(8, 4, 3).weight.shape == (8, 4, 3, 3)
    with pytest.raises(ValueError, match=r"Conv2d: expected an input of shape \(N, 3, H, W\) or \(3, H, W\)"):
        nn.Conv2d(3, 4, 3)(np.ones((2, 2, 5, 5)))
    with pytest.raises(ValueError, match=r"divisible by groups \(2\)"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of 'zeros', 'reflect'"):
        nn.Conv2d(3, 4, 3, padding_mode="reflected")
