"""The layers' less common options against torch.nn with the same weights (float64): recurrent
layers bidirectional, with LSTM projections, dropout and unbatched input; convolutions with
every padding_mode; MultiheadAttention with separate key/value sizes (kdim, vdim),
add_bias_kv and add_zero_attn; the 1-d and 3-d pooling layers and ConvTranspose3d;
Embedding's max_norm, scale_grad_by_freq and from_pretrained; the Transformer encoder and
decoder. Our state_dict is loaded into the torch module by key (strict), then outputs, input
gradients and parameter gradients are compared (`compare`, from
tests/test_nn_layers_vs_torch.py). Plus finite differences through the new paths, and the
errors on bad arguments."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd as ag
import nn

torch = pytest.importorskip("torch")

from tests.test_nn_layers_vs_torch import compare  # noqa: E402 - needs torch, checked above


@pytest.fixture(autouse=True)
def _float64() -> None:
    ag.set_default_dtype(np.float64)
    ag.manual_seed(0)


def _pair_call(m: Any, x: Any, h: Any, c: Any) -> Any:
    return m(x, (h, c))


# -- recurrent ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_bidirectional(rng: np.random.Generator, kind: str, batch_first: bool) -> None:
    kw = {"num_layers": 2, "batch_first": batch_first, "bidirectional": True}
    ours, theirs = getattr(nn, kind)(3, 4, rng=0, **kw), getattr(torch.nn, kind)(3, 4, **kw)
    assert "weight_ih_l1_reverse" in ours.state_dict()
    assert ours.state_dict()["weight_ih_l1"].shape[1] == 2 * 4  # layer 1 reads both directions
    x = rng.standard_normal((2, 5, 3))
    n = x.shape[0] if batch_first else x.shape[1]
    h0 = rng.standard_normal((2 * 2, n, 4))  # (num_layers * num_directions, N, H)
    if kind == "LSTM":
        compare(ours, theirs, [x, h0, rng.standard_normal((4, n, 4))], call=_pair_call, call_torch=_pair_call)
    else:
        compare(ours, theirs, [x, h0])
    out, _ = ours(x)
    assert out.shape[-1] == 2 * 4  # [forward, reverse]
    compare(ours, theirs, [x[0]])  # unbatched (L, I)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_projection(rng: np.random.Generator, bidirectional: bool) -> None:
    kw = {"num_layers": 2, "proj_size": 2, "bidirectional": bidirectional}
    ours, theirs = nn.LSTM(3, 5, rng=0, **kw), torch.nn.LSTM(3, 5, **kw)
    D = 2 if bidirectional else 1  # noqa: N806 - the shapes' usual letters
    assert ours.state_dict()["weight_hr_l0"].shape == (2, 5)
    assert ours.state_dict()["weight_hh_l1"].shape == (20, 2)
    x = rng.standard_normal((4, 3, 3))
    h0, c0 = rng.standard_normal((2 * D, 3, 2)), rng.standard_normal((2 * D, 3, 5))
    compare(ours, theirs, [x, h0, c0], call=_pair_call, call_torch=_pair_call)
    out, (h, c) = ours(x)
    assert (out.shape, h.shape, c.shape) == ((4, 3, 2 * D), (2 * D, 3, 2), (2 * D, 3, 5))
    compare(ours, theirs, [x[:, 0], h0[:, 0], c0[:, 0]], call=_pair_call, call_torch=_pair_call)  # unbatched


def test_rnn_signature_and_dropout(rng: np.random.Generator) -> None:
    # torch's positional order: RNN(input_size, hidden_size, num_layers, nonlinearity, bias, ...)
    x = rng.standard_normal((5, 2, 3))
    compare(nn.RNN(3, 4, 2, "relu", False), torch.nn.RNN(3, 4, 2, "relu", False), [x])
    compare(nn.RNNCell(3, 4, False, "relu"), torch.nn.RNNCell(3, 4, False, "relu"), [x[0]])
    # dropout=1 in training drops every output of layer 0: deterministic, so torch must agree.
    ours, theirs = nn.GRU(3, 4, 2, dropout=1.0, rng=0), torch.nn.GRU(3, 4, 2, dropout=1.0)
    compare(ours, theirs, [x])
    # layer 1 sees only zeros, so the output does not depend on the input
    np.testing.assert_array_equal(ours(x)[0].data, ours(2 * x + 1)[0].data)
    ours.eval()
    theirs.eval()
    compare(ours, theirs, [x])  # no dropout in eval mode
    with pytest.warns(UserWarning, match=r"LSTM: dropout=0.5 acts between layers"):
        nn.LSTM(3, 4, dropout=0.5)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: nn.GRU(3, 4, proj_size=2), r"GRU: proj_size is only supported by LSTM"),
        (lambda: nn.LSTM(3, 4, proj_size=4), r"LSTM: proj_size \(4\) must be smaller than hidden_size \(4\)"),
        (lambda: nn.LSTM(3, 4, proj_size=-1), r"LSTM: proj_size must be an int >= 0, got -1"),
        (lambda: nn.RNN(3, 0), r"RNN: hidden_size must be a positive int, got 0"),
        (lambda: nn.RNN(3, 4, num_layers=1.5), r"RNN: num_layers must be a positive int, got 1.5"),
        (lambda: nn.RNN(3, 4, nonlinearity="sigmoid"), r"RNN: nonlinearity must be 'tanh' or 'relu'"),
        (lambda: nn.GRU(3, 4, dropout=1.5), r"GRU: dropout must be a number in \[0, 1\], got 1.5"),
        (lambda: nn.LSTMCell(0, 4), r"LSTMCell: input_size must be a positive int, got 0"),
    ],
)
def test_recurrent_argument_errors(make: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()


def test_recurrent_input_errors() -> None:
    m = nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2)
    x = np.ones((5, 2, 3))
    with pytest.raises(
        ValueError,
        match=r"LSTM: h_0 must have shape \(4, 2, 2\) = \(num_layers \* num_directions, N, proj_size\), "
        r"got \(2, 2, 2\)",
    ):
        m(x, (np.ones((2, 2, 2)), np.ones((4, 2, 4))))
    with pytest.raises(ValueError, match=r"LSTM: c_0 must have shape \(4, 2, 4\)"):
        m(x, (np.ones((4, 2, 2)), np.ones((4, 2, 2))))
    with pytest.raises(ValueError, match=r"LSTM: hx must be a pair \(h_0, c_0\), got 1 tensors"):
        m(x, (np.ones((4, 2, 2)),))
    with pytest.raises(ValueError, match=r"GRU: the sequence is empty"):
        nn.GRU(3, 4)(np.ones((0, 2, 3)))
    with pytest.raises(ValueError, match=r"LSTMCell: hx must be a pair \(h, c\), got 1 tensors"):
        nn.LSTMCell(3, 4)(np.ones((2, 3)), (np.ones((2, 4)),))
    with pytest.raises(ValueError, match=r"LSTM: hx must be a pair \(h_0, c_0\), got a ndarray"):
        m(x, np.ones((2, 4, 2, 2)))  # h_0 and c_0 stacked in one array: not a pair


# -- convolution padding modes ----------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # torch's, about its speed
@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize(
    ("name", "kwargs", "shape"),
    [
        ("Conv1d", {"padding": 2, "stride": 2}, (2, 2, 7)),
        ("Conv2d", {"padding": (1, 2), "dilation": (1, 2)}, (2, 2, 5, 6)),
        ("Conv2d", {"padding": "same", "kernel_size": (2, 3)}, (1, 2, 5, 4)),  # even: more on the right
        ("Conv2d", {"padding": 1, "groups": 2}, (2, 5, 4)),  # unbatched (C, H, W), 2 groups
        ("Conv3d", {"padding": 1}, (1, 2, 3, 4, 3)),
    ],
)
def test_conv_padding_modes(
    rng: np.random.Generator, mode: str, name: str, kwargs: dict[str, Any], shape: tuple[int, ...]
) -> None:
    kw = {"kernel_size": 3, **kwargs, "padding_mode": mode}
    nd = int(name[4])  # Conv2d -> 2 spatial axes
    c_in = shape[1] if len(shape) == nd + 2 else shape[0]
    ours, theirs = getattr(nn, name)(c_in, 4, rng=0, **kw), getattr(torch.nn, name)(c_in, 4, **kw)
    compare(ours, theirs, [rng.standard_normal(shape)])


def test_conv_padding_mode_errors() -> None:
    with pytest.raises(
        ValueError,
        match=r"Conv2d: padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular', "
        r"got 'mirror'",
    ):
        nn.Conv2d(3, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match=r"ConvTranspose2d: only padding_mode='zeros' is supported, got"):
        nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect")
    assert "padding_mode='circular'" in repr(nn.Conv1d(2, 2, 3, padding=1, padding_mode="circular"))


@pytest.mark.parametrize("mode", ["reflect", "circular", "replicate"])
@pytest.mark.parametrize("width", [(5, 5), (6, 0), (0, 6), (7, 7), (3, -2)])
def test_pad_width_limits_as_torch(rng: np.random.Generator, mode: str, width: tuple[int, int]) -> None:
    """F.pad refuses what torch refuses (reflect: each side < size; circular: <= size), with a
    message naming the mode, the widths and the axis; what torch accepts gives its values."""
    x = rng.standard_normal((1, 2, 6))
    try:
        expected = torch.nn.functional.pad(torch.tensor(x), width, mode=mode).numpy()
    except (RuntimeError, ValueError):
        named = rf"pad: {mode} padding of \({width[0]}, {width[1]}\) on axis 2 "
        with pytest.raises(ValueError, match=named):
            nn.functional.pad(ag.Tensor(x), width, mode=mode)
        with pytest.raises(ValueError, match=rf"pad: {mode} padding"):
            nn.Conv1d(2, 2, 3, padding=max(width), padding_mode=mode)(ag.Tensor(x))
        return
    np.testing.assert_array_equal(nn.functional.pad(ag.Tensor(x), width, mode=mode).data, expected)


# -- multi-head attention ---------------------------------------------------------------------------
def _mha(**kw: Any) -> tuple[nn.MultiheadAttention, Any]:
    ours = nn.MultiheadAttention(8, 2, rng=0, **kw)
    if ours.in_proj_bias is not None:  # torch starts the biases at zero: make them matter
        ours.in_proj_bias.data[...] = np.random.default_rng(5).standard_normal(24) * 0.1
        ours.out_proj.bias.data[...] = 0.05
    return ours, torch.nn.MultiheadAttention(8, 2, **kw)


def _qkv_call(**kw: Any) -> Any:
    def call(m: Any, q: Any, k: Any, v: Any) -> Any:
        tkw = {n: torch.from_numpy(a) if isinstance(a, np.ndarray) else a for n, a in kw.items()}
        return m(q, k, v, **(tkw if isinstance(m, torch.nn.Module) else kw))

    return call


@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention_kdim_vdim(rng: np.random.Generator, batch_first: bool) -> None:
    ours, theirs = _mha(kdim=3, vdim=5, batch_first=batch_first)
    assert list(ours.state_dict())[:4] == ["q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias"]
    assert ours.in_proj_weight is None
    lead = (2, 4) if batch_first else (4, 2)  # (N, L) or (L, N)
    slead = (2, 6) if batch_first else (6, 2)
    q = rng.standard_normal((*lead, 8))
    k, v = rng.standard_normal((*slead, 3)), rng.standard_normal((*slead, 5))
    pad = np.zeros((2, 6), dtype=bool)
    pad[1, 3:] = True
    causal = np.triu(np.ones((4, 6), dtype=bool), k=1)
    call = _qkv_call(key_padding_mask=pad, attn_mask=causal, average_attn_weights=False)
    compare(ours, theirs, [q, k, v], call=call, call_torch=call)
    # unbatched (L, E), float masks
    fpad, fmask = rng.standard_normal(6), rng.standard_normal((2, 4, 6))
    call = _qkv_call(key_padding_mask=fpad, attn_mask=fmask)
    first = [t[0] if batch_first else t[:, 0] for t in (q, k, v)]
    compare(ours, theirs, first, call=call, call_torch=call)


def test_multihead_attention_bias_kv_zero_attn_and_dropout(rng: np.random.Generator) -> None:
    ours, theirs = _mha(add_bias_kv=True, add_zero_attn=True, kdim=4, vdim=4)
    assert list(ours.state_dict())[4:6] == ["bias_k", "bias_v"]
    q, k = rng.standard_normal((3, 2, 8)), rng.standard_normal((5, 2, 4))
    pad = np.zeros((2, 5), dtype=bool)
    pad[0, -2:] = True
    call = _qkv_call(key_padding_mask=pad, attn_mask=np.triu(np.ones((3, 5), dtype=bool), k=1))
    compare(ours, theirs, [q, k, k.copy()], call=call, call_torch=call)
    ours, theirs = _mha(add_bias_kv=True, bias=False)  # self-attention, one in_proj_weight
    assert "in_proj_bias" not in ours.state_dict()
    x = rng.standard_normal((3, 2, 8))
    compare(ours, theirs, [x], call=lambda m, x: m(x, x, x), call_torch=lambda m, x: m(x, x, x))
    # dropout=1 in training drops every weight: the returned weights (after dropout, as torch's)
    # are zeros and the output is out_proj's bias.
    ours, theirs = _mha(dropout=1.0)
    compare(ours, theirs, [x], call=lambda m, x: m(x, x, x), call_torch=lambda m, x: m(x, x, x))
    out, w = ours(x, x, x)
    assert not w.data.any()
    np.testing.assert_allclose(out.data, 0.05)


def test_multihead_attention_errors() -> None:
    with pytest.raises(ValueError, match=r"MultiheadAttention: kdim must be a positive int, got 0"):
        nn.MultiheadAttention(8, 2, kdim=0)
    with pytest.raises(ValueError, match=r"MultiheadAttention: num_heads must be a positive int, got 0"):
        nn.MultiheadAttention(8, 0)
    with pytest.raises(ValueError, match=r"MultiheadAttention: dropout must be a number in \[0, 1\]"):
        nn.MultiheadAttention(8, 2, dropout=-0.1)
    m = nn.MultiheadAttention(8, 2, kdim=3, vdim=5, batch_first=True)
    with pytest.raises(
        ValueError,
        match=r"expected query \(N, L, 8\), key \(N, S, 3\) and value \(N, S, 5\) "
        r"\(or unbatched, without N\), got \(2, 4, 8\), \(2, 6, 3\), \(2, 6, 3\)",
    ):
        m(np.ones((2, 4, 8)), np.ones((2, 6, 3)), np.ones((2, 6, 3)))
    with pytest.raises(ValueError, match=r"key_padding_mask must have shape \(2, 6\), got \(2, 5\)"):
        m(np.ones((2, 4, 8)), np.ones((2, 6, 3)), np.ones((2, 6, 5)), key_padding_mask=np.zeros((2, 5), bool))
    assert "kdim=3, vdim=5" in repr(m)


def test_new_paths_against_finite_differences(rng: np.random.Generator) -> None:
    """Independent of torch: central differences through the new code paths."""
    lstm = nn.LSTM(2, 3, bidirectional=True, proj_size=2, rng=0)
    x = ag.tensor(rng.standard_normal((3, 1, 2)), requires_grad=True)
    some = (lstm.weight_hr_l0_reverse, lstm.weight_hh_l0_reverse, lstm.bias_hh_l0)  # a few, to stay quick
    assert ag.gradcheck(lambda x, *ps: lstm(x)[0], (x, *some))
    mha = nn.MultiheadAttention(4, 2, kdim=3, vdim=2, add_bias_kv=True, add_zero_attn=True, rng=0)
    q = ag.tensor(rng.standard_normal((2, 1, 4)), requires_grad=True)
    k, v = ag.tensor(rng.standard_normal((3, 1, 3))), ag.tensor(rng.standard_normal((3, 1, 2)))
    assert ag.gradcheck(lambda q, *ps: mha(q, k, v)[0], (q, mha.k_proj_weight, mha.bias_k, mha.bias_v))
    conv = nn.Conv1d(1, 1, 3, padding=2, padding_mode="reflect", rng=0)
    s = ag.tensor(rng.standard_normal((1, 1, 4)), requires_grad=True)
    assert ag.gradcheck(lambda s, *ps: conv(s), (s, *conv.parameters()))


# -- the 1-d and 3-d pooling layers and ConvTranspose3d -------------------------------------------------
@pytest.mark.parametrize(
    ("name", "args", "kwargs", "shape"),
    [
        ("MaxPool1d", (3,), {"stride": 2, "padding": 1, "dilation": 2}, (2, 3, 9)),
        ("MaxPool3d", (2,), {"ceil_mode": True}, (1, 2, 5, 4, 5)),
        ("AvgPool1d", (3,), {"padding": 1, "count_include_pad": False}, (2, 3, 7)),
        ("AvgPool3d", (2,), {"stride": 1, "divisor_override": 3}, (1, 2, 3, 4, 3)),
        ("AdaptiveAvgPool1d", (3,), {}, (2, 3, 7)),
        ("AdaptiveAvgPool3d", ((2, 1, 3),), {}, (1, 2, 5, 4, 6)),
        ("AdaptiveMaxPool1d", (2,), {}, (2, 3, 5)),
        ("AdaptiveMaxPool3d", (2,), {}, (1, 2, 5, 4, 3)),
        ("ConvTranspose3d", (2, 4, 2), {"stride": 2, "padding": 1, "output_padding": 1}, (1, 2, 2, 3, 2)),
        ("ConvTranspose1d", (4, 2, 3), {"groups": 2, "dilation": 2}, (2, 4, 5)),
    ],
)
def test_more_conv_and_pool_layers(
    rng: np.random.Generator, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...]
) -> None:
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    compare(ours, theirs, [rng.standard_normal(shape)])
    assert repr(ours).startswith(name)


# -- embedding options --------------------------------------------------------------------------------
def test_embedding_options(rng: np.random.Generator) -> None:
    ids = np.array([[1, 4, 4, 2], [4, 0, 1, 3]])
    options: list[dict[str, Any]] = [
        {"scale_grad_by_freq": True, "padding_idx": 1},
        {"max_norm": 1.5},
        {"max_norm": 2.0, "norm_type": 1.0},
    ]
    for kw in options:
        ours, theirs = nn.Embedding(6, 3, rng=0, **kw), torch.nn.Embedding(6, 3, **kw)
        compare(ours, theirs, [ids])  # with max_norm, the renormalised tables are compared too
        if "max_norm" in kw:
            np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-12)
            rows = ours.weight.data[np.unique(ids)]
            assert np.linalg.norm(rows, ord=kw.get("norm_type", 2), axis=1).max() <= kw["max_norm"]
    table = rng.standard_normal((5, 3))
    frozen = nn.Embedding.from_pretrained(table, padding_idx=0)
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(np.array([0, 4])).data, table[[0, 4]])  # the given row 0 stays
    tuned = nn.Embedding.from_pretrained(table, freeze=False)
    compare(tuned, torch.nn.Embedding.from_pretrained(torch.from_numpy(table), freeze=False), [ids % 5])
    with pytest.raises(ValueError, match=r"Embedding: sparse=True is not supported"):
        nn.Embedding(5, 3, sparse=True)
    with pytest.raises(ValueError, match=r"Embedding: max_norm must be a positive number or None, got -1"):
        nn.Embedding(5, 3, max_norm=-1)
    with pytest.raises(ValueError, match=r"Embedding.from_pretrained: embeddings must be 2-d"):
        nn.Embedding.from_pretrained(np.ones(3))


# -- transformer layers ------------------------------------------------------------------------------
def _transformer_kw(norm_first: bool, activation: str) -> dict[str, Any]:
    # dropout 0: torch's eval-mode fast path differs (it zeroes padded positions), so both run in
    # training mode, where dropout would be random.
    return {"dim_feedforward": 12, "dropout": 0.0, "activation": activation, "norm_first": norm_first}


def _perturb(m: nn.Module) -> None:
    """torch starts biases and LayerNorm at 0 and 1: make every parameter matter."""
    g = np.random.default_rng(3)
    for _, p in m.named_parameters():
        p.data[...] += 0.1 * g.standard_normal(p.shape)


@pytest.mark.parametrize(("norm_first", "activation"), [(False, "relu"), (True, "gelu")])
def test_transformer_encoder(rng: np.random.Generator, norm_first: bool, activation: str) -> None:
    kw = _transformer_kw(norm_first, activation)
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, batch_first=True, rng=0, **kw), 2,
                                 norm=nn.LayerNorm(8))
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, batch_first=True, **kw), 2,
                                         norm=torch.nn.LayerNorm(8), enable_nested_tensor=False)
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight
    np.testing.assert_array_equal(ours.layers[0].linear1.weight.data, ours.layers[1].linear1.weight.data)
    _perturb(ours)
    x = rng.standard_normal((2, 5, 8))
    pad = np.zeros((2, 5), dtype=bool)
    pad[1, -2:] = True
    causal = np.triu(np.ones((5, 5), dtype=bool), k=1)

    def call(m: Any, x: Any) -> Any:
        if isinstance(m, torch.nn.Module):
            return m(x, mask=torch.from_numpy(causal), src_key_padding_mask=torch.from_numpy(pad))
        return m(x, mask=causal, src_key_padding_mask=pad)

    compare(ours, theirs, [x], call=call, call_torch=call)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_decoder(rng: np.random.Generator, norm_first: bool) -> None:
    kw = _transformer_kw(norm_first, "relu")
    ours = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, rng=0, **kw), 2)
    theirs = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(8, 2, **kw), 2)
    _perturb(ours)
    tgt, memory = rng.standard_normal((4, 2, 8)), rng.standard_normal((6, 2, 8))
    mpad = np.zeros((2, 6), dtype=bool)
    mpad[0, :2] = True
    causal = np.triu(np.ones((4, 4), dtype=bool), k=1)

    def call(m: Any, t: Any, mem: Any) -> Any:
        if isinstance(m, torch.nn.Module):
            tm, mp = torch.from_numpy(causal), torch.from_numpy(mpad)
            return m(t, mem, tgt_mask=tm, memory_key_padding_mask=mp)
        return m(t, mem, tgt_mask=causal, memory_key_padding_mask=mpad)

    compare(ours, theirs, [tgt, memory], call=call, call_torch=call)


def test_transformer_errors() -> None:
    with pytest.raises(ValueError, match=r"TransformerEncoderLayer: d_model \(6\) must be a multiple of"):
        nn.TransformerEncoderLayer(6, 4)
    with pytest.raises(ValueError, match=r"TransformerDecoderLayer: activation must be 'relu', 'gelu' or a"):
        nn.TransformerDecoderLayer(8, 2, activation="swish")
    with pytest.raises(ValueError, match=r"TransformerEncoderLayer: dropout must be a number in \[0, 1\]"):
        nn.TransformerEncoderLayer(8, 2, dropout=2)
    with pytest.raises(TypeError, match=r"TransformerEncoder: the layer must be a TransformerEncoderLayer"):
        nn.TransformerEncoder(nn.Linear(2, 2), 2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"TransformerDecoder: num_layers must be a positive int, got 0"):
        nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2), 0)


def test_conv_transpose_output_size(rng: np.random.Generator) -> None:
    ours = nn.ConvTranspose2d(3, 2, 3, stride=(2, 3), padding=1, rng=0)
    theirs = torch.nn.ConvTranspose2d(3, 2, 3, stride=(2, 3), padding=1)
    x = rng.standard_normal((2, 3, 4, 5))
    for size in [(8, 15), (2, 2, 7, 13)]:  # the largest and the smallest reachable sizes

        def call(m: Any, x: Any, size: Any = size) -> Any:
            return m(x, output_size=size)

        compare(ours, theirs, [x], call=call, call_torch=call)
    assert ours(x, output_size=[8, 14]).shape == (2, 2, 8, 14)
    with pytest.raises(
        ValueError,
        match=r"ConvTranspose2d: output_size \(9, 15\) is not reachable from an input of shape "
        r"\(2, 3, 4, 5\): spatial axis 0 can be 7 to 8",
    ):
        ours(x, output_size=(9, 15))
    with pytest.raises(ValueError, match=r"ConvTranspose2d: output_size must have 2 \(or 4\) entries, got"):
        ours(x, output_size=(8,))
