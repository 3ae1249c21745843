"""nn.Transformer (the encoder-decoder) against torch.nn.Transformer with the same weights
(float64, dropout 0, training mode so torch takes its reference path): outputs, input gradients
and parameter gradients (`compare`, from tests/test_nn_layers_vs_torch.py), for both layouts,
post- and pre-norm, every mask, unbatched inputs, custom parts; state_dict keys both ways;
dropout in training and eval mode; the causal mask; the errors; and central differences
through a small model, independent of torch. Plus the stacks' torch arguments
(`enable_nested_tensor`, `mask_check`, `is_causal=None`) and their dropout seeding."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import autograd as ag
import nn

torch = pytest.importorskip("torch")

from tests.test_nn_layers_vs_torch import compare  # noqa: E402 - needs torch, checked above

S, T, N, E, H = 5, 4, 2, 8, 2  # source and target lengths, batch, d_model, heads


pytestmark = [
    pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning"),
    pytest.mark.filterwarnings("ignore:Support for mismatched .*mask:UserWarning"),
]


@pytest.fixture(autouse=True)
def _float64() -> None:
    ag.set_default_dtype(np.float64)
    ag.manual_seed(0)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread() -> Iterator[None]:
    """torch's thread pool on these tiny sizes spends its time waiting on busy cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _kw(norm_first: bool = False, activation: str = "relu", dropout: float = 0.0) -> dict[str, Any]:
    return {
        "num_encoder_layers": 2,
        "num_decoder_layers": 2,
        "dim_feedforward": 12,
        "dropout": dropout,
        "activation": activation,
        "norm_first": norm_first,
    }


def _perturb(m: nn.Module, seed: int = 3) -> None:
    """torch starts biases and LayerNorm at 0 and 1: make every parameter matter."""
    g = np.random.default_rng(seed)
    for _, p in m.named_parameters():
        p.data[...] += 0.1 * g.standard_normal(p.shape)


def _masks(rng: np.random.Generator, batched: bool = True) -> dict[str, np.ndarray]:
    """Every mask at once, never a row with all keys masked (that row would be nan)."""
    src_pad = np.zeros((N, S), dtype=bool)
    src_pad[1, -2:] = True
    tgt_pad = np.zeros((N, T), dtype=bool)
    tgt_pad[0, -1] = True
    mem_pad = np.zeros((N, S), dtype=bool)
    mem_pad[0, :1] = True
    memory_mask = np.zeros((T, S), dtype=bool)
    memory_mask[0, 2:] = True  # the first target position sees the first two source positions
    masks = {
        "src_mask": 0.3 * rng.standard_normal((S, S)),  # a float mask is added to the scores
        "tgt_mask": nn.Transformer.generate_square_subsequent_mask(T).data,
        "memory_mask": memory_mask,
        "src_key_padding_mask": src_pad,
        "tgt_key_padding_mask": tgt_pad,
        "memory_key_padding_mask": mem_pad,
    }
    if not batched:
        for k in ("src_key_padding_mask", "tgt_key_padding_mask", "memory_key_padding_mask"):
            masks[k] = masks[k][1]
    return masks


def _call(masks: dict[str, np.ndarray], **flags: Any) -> Any:
    def call(m: Any, src: Any, tgt: Any) -> Any:
        if isinstance(m, torch.nn.Module):
            return m(src, tgt, **{k: torch.from_numpy(v) for k, v in masks.items()}, **flags)
        return m(src, tgt, **masks, **flags)

    return call


@pytest.mark.parametrize(
    ("batch_first", "norm_first", "activation"),
    [(False, False, "relu"), (True, False, "gelu"), (False, True, "gelu"), (True, True, "relu")],
)
def test_against_torch(
    rng: np.random.Generator, batch_first: bool, norm_first: bool, activation: str
) -> None:
    ours = nn.Transformer(E, H, batch_first=batch_first, rng=0, **_kw(norm_first, activation))
    theirs = torch.nn.Transformer(E, H, batch_first=batch_first, **_kw(norm_first, activation))
    _perturb(ours)
    shape = (N, "{}", E) if batch_first else ("{}", N, E)
    src = rng.standard_normal(tuple(S if d == "{}" else d for d in shape))
    tgt = rng.standard_normal(tuple(T if d == "{}" else d for d in shape))
    call = _call(_masks(rng))
    compare(ours, theirs, [src, tgt], call=call, call_torch=call)
    assert ours(src, tgt).shape == tgt.shape


def test_unbatched_and_causal_hints_against_torch(rng: np.random.Generator) -> None:
    ours = nn.Transformer(E, H, rng=1, **_kw())
    theirs = torch.nn.Transformer(E, H, **_kw())
    _perturb(ours)
    src, tgt = rng.standard_normal((S, E)), rng.standard_normal((T, E))
    masks = _masks(rng, batched=False)
    masks["src_mask"] = nn.Transformer.generate_square_subsequent_mask(S).data
    # The flags say the masks are causal: torch then takes its causal path, we use the masks.
    call = _call(masks, src_is_causal=True, tgt_is_causal=True)
    compare(ours, theirs, [src, tgt], call=call, call_torch=call)
    assert ours(src, tgt).shape == (T, E)
    # Unbatched equals a batch of one.
    with ag.no_grad():
        one = ours(src[:, None], tgt[:, None], **{k: v if v.ndim == 2 else v[None] for k, v in masks.items()})
        np.testing.assert_allclose(ours(src, tgt, **masks).data, one.data[:, 0], rtol=1e-12, atol=1e-13)


def test_is_causal_without_a_mask_applies_the_causal_mask(rng: np.random.Generator) -> None:
    m = nn.Transformer(E, H, rng=2, **_kw())
    src, tgt = rng.standard_normal((S, N, E)), rng.standard_normal((T, N, E))
    causal_t = nn.Transformer.generate_square_subsequent_mask(T)
    causal_s = nn.Transformer.generate_square_subsequent_mask(S)
    with ag.no_grad():
        flagged = m(src, tgt, src_is_causal=True, tgt_is_causal=True).data
        masked = m(src, tgt, src_mask=causal_s, tgt_mask=causal_t).data
        plain = m(src, tgt).data
    np.testing.assert_allclose(flagged, masked, rtol=1e-12, atol=1e-13)
    assert np.abs(flagged - plain).max() > 1e-3  # the mask matters


def test_generate_square_subsequent_mask() -> None:
    for sz in range(5):
        for ours_dt, their_dt in ((None, torch.float64), (np.float32, torch.float32)):
            m = nn.Transformer.generate_square_subsequent_mask(sz, dtype=ours_dt)
            t = torch.nn.Transformer.generate_square_subsequent_mask(sz, dtype=their_dt)
            assert m.dtype == t.numpy().dtype
            assert not m.requires_grad
            np.testing.assert_array_equal(m.data, t.numpy())
    assert nn.Transformer.generate_square_subsequent_mask(3).data[0, 1] == -np.inf
    with pytest.raises(ValueError, match=r"generate_square_subsequent_mask: sz must be an int >= 0, got -1"):
        nn.Transformer.generate_square_subsequent_mask(-1)
    with pytest.raises(TypeError, match=r"generate_square_subsequent_mask: dtype must be a float dtype"):
        nn.Transformer.generate_square_subsequent_mask(3, dtype=np.int64)


@pytest.mark.parametrize("bias", [True, False])
def test_state_dict_keys_and_weights_both_ways(rng: np.random.Generator, bias: bool) -> None:
    kw = {"num_encoder_layers": 2, "num_decoder_layers": 3, "dim_feedforward": 16, "bias": bias}
    ours = nn.Transformer(16, 4, **kw)
    theirs = torch.nn.Transformer(16, 4, **kw).double()
    mine, their_state = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(their_state)  # same keys, same order
    assert "encoder.norm.weight" in mine
    assert "decoder.norm.weight" in mine
    assert ("decoder.norm.bias" in mine) == bias
    assert {k: v.shape for k, v in mine.items()} == {k: tuple(v.shape) for k, v in their_state.items()}
    # torch -> ours, straight from torch's state_dict; then ours -> torch.
    ours.load_state_dict(their_state)
    for k, v in ours.state_dict().items():
        np.testing.assert_array_equal(v, their_state[k].numpy(), err_msg=k)
    _perturb(ours)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    ours.eval()
    theirs.eval()
    src, tgt = rng.standard_normal((S, N, 16)), rng.standard_normal((T, N, 16))
    with ag.no_grad(), torch.no_grad():
        want = theirs(torch.from_numpy(src), torch.from_numpy(tgt)).numpy()
        np.testing.assert_allclose(ours(src, tgt).data, want, rtol=1e-10, atol=1e-12)


def test_initialization() -> None:
    """As torch's _reset_parameters: every matrix xavier uniform, drawn on its own (the clones no
    longer equal), vectors as the layers left them; `rng` makes it reproducible."""
    a, b = nn.Transformer(16, 4, 2, 2, 32, rng=5), nn.Transformer(16, 4, 2, 2, 32, rng=5)
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
    w0 = a.encoder.layers[0].self_attn.in_proj_weight.data
    assert not np.array_equal(w0, a.encoder.layers[1].self_attn.in_proj_weight.data)
    bound = np.sqrt(6.0 / (16 + 48))
    assert np.abs(w0).max() <= bound
    assert np.abs(w0).max() > 0.9 * bound
    np.testing.assert_array_equal(a.decoder.norm.weight.data, np.ones(16))
    np.testing.assert_array_equal(a.encoder.layers[1].linear1.bias.data.shape, (32,))
    c = nn.Transformer(16, 4, 2, 2, 32, rng=6)
    assert not np.array_equal(w0, c.encoder.layers[0].self_attn.in_proj_weight.data)
    assert (a.d_model, a.nhead, a.batch_first) == (16, 4, False)


def test_dropout_train_and_eval(rng: np.random.Generator) -> None:
    m = nn.Transformer(E, H, rng=0, **_kw(dropout=0.5))
    ref = nn.Transformer(E, H, **_kw(dropout=0.0))
    ref.load_state_dict(m.state_dict())
    src, tgt = rng.standard_normal((S, N, E)), rng.standard_normal((T, N, E))
    with ag.no_grad():
        m.eval()
        assert not any(mod.training for _, mod in m.named_modules())
        np.testing.assert_allclose(m(src, tgt).data, ref(src, tgt).data, rtol=1e-12, atol=1e-13)
        m.train()
        first, second = m(src, tgt).data, m(src, tgt).data
    assert np.abs(first - ref(src, tgt).data).max() > 1e-2  # dropout changed something
    assert not np.array_equal(first, second)  # new masks every call
    # torch in eval mode gives the dropout-free result too.
    theirs = torch.nn.Transformer(E, H, **_kw(dropout=0.5)).double()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in m.state_dict().items()})
    theirs.eval()
    with torch.no_grad():
        want = theirs(torch.from_numpy(src), torch.from_numpy(tgt)).numpy()
    np.testing.assert_allclose(ref(src, tgt).data, want, rtol=1e-10, atol=1e-12)


def test_dropout_masks_are_seeded(rng: np.random.Generator) -> None:
    src, tgt = rng.standard_normal((S, N, E)), rng.standard_normal((T, N, E))
    # Without rng: the library's generator at call time, so manual_seed after construction counts.
    m = nn.Transformer(E, H, **_kw(dropout=0.3))
    ag.manual_seed(11)
    a = m(src, tgt).data
    ag.manual_seed(11)
    np.testing.assert_array_equal(m(src, tgt).data, a)
    # With rng: the model's own generator, the same for two models built alike.
    p, q = nn.Transformer(E, H, rng=4, **_kw(dropout=0.3)), nn.Transformer(E, H, rng=4, **_kw(dropout=0.3))
    np.testing.assert_array_equal(p(src, tgt).data, q(src, tgt).data)
    # The same for the stacks' layers on their own.
    layer = nn.TransformerEncoderLayer(E, H, dim_feedforward=12, dropout=0.3)
    ag.manual_seed(12)
    b = layer(src).data
    ag.manual_seed(12)
    np.testing.assert_array_equal(layer(src).data, b)


def test_custom_encoder_and_decoder_against_torch(rng: np.random.Generator) -> None:
    """custom parts replace the stacks (num_*_layers then unused); here without final norms."""
    lkw = {"dim_feedforward": 12, "dropout": 0.0, "batch_first": True}
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, **lkw), 1)
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, **lkw), 3)
    ours = nn.Transformer(
        E, H, num_encoder_layers=0, custom_encoder=enc, custom_decoder=dec, batch_first=True
    )
    assert ours.encoder is enc
    assert ours.decoder is dec
    assert enc.norm is None
    assert not any(k.startswith("encoder.norm") for k in ours.state_dict())
    tenc = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(E, H, **lkw), 1, enable_nested_tensor=False
    )
    tdec = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(E, H, **lkw), 3)
    theirs = torch.nn.Transformer(E, H, custom_encoder=tenc, custom_decoder=tdec, batch_first=True)
    _perturb(ours)
    src, tgt = rng.standard_normal((N, S, E)), rng.standard_normal((N, T, E))
    compare(ours, theirs, [src, tgt])


def test_errors(rng: np.random.Generator) -> None:
    m = nn.Transformer(E, H, **_kw())
    src, tgt = rng.standard_normal((S, N, E)), rng.standard_normal((T, N, E))
    batch = r"Transformer: src and tgt must have the same batch size \(axis 1\), got src \(5, 2, 8\)"
    with pytest.raises(ValueError, match=batch):
        m(src, tgt[:, :1])
    features = r"Transformer: the feature size of src and tgt must be d_model = 8, got"
    with pytest.raises(ValueError, match=features):
        m(src[..., :6], tgt)
    with pytest.raises(ValueError, match=r"Transformer: the feature size .* tgt \(4, 2, 6\)"):
        m(src, tgt[..., :6])
    layout = r"Transformer: expected src \(S, N, E\) and tgt \(T, N, E\), or unbatched"
    with pytest.raises(ValueError, match=layout):
        m(src, tgt[:, 0])
    with pytest.raises(ValueError, match=r"got src \(5,\) and tgt \(4,\)"):
        m(src[:, 0, 0], tgt[:, 0, 0])
    bf = nn.Transformer(E, H, batch_first=True, **_kw())
    with pytest.raises(ValueError, match=r"same batch size \(axis 0\).*expected src \(N, S, E\)"):
        bf(np.zeros((2, S, E)), np.zeros((3, T, E)))
    # Batch sizes agree in the (S, N, E) layout but not when read as batch first: torch checks too.
    with pytest.raises(ValueError, match=r"same batch size \(axis 0\)"):
        bf(src, tgt)
    with pytest.raises(ValueError, match=r"Transformer: d_model \(6\) must be a multiple of nhead \(4\)"):
        nn.Transformer(6, 4)
    with pytest.raises(ValueError, match=r"Transformer: num_decoder_layers must be a positive int, got 0"):
        nn.Transformer(E, H, num_decoder_layers=0)
    with pytest.raises(TypeError, match=r"Transformer: custom_encoder must be a Module or None, got str"):
        nn.Transformer(E, H, custom_encoder="encoder")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"TransformerEncoderLayer: activation must be 'relu', 'gelu'"):
        nn.Transformer(E, H, activation="swish")
    # The masks are checked by the attention that uses them, which says where it sits.
    where = r"decoder.layers.0.multihead_attn.*attn_mask must have shape \(4, 5\)"
    with pytest.raises(ValueError, match=where):
        m(src, tgt, memory_mask=np.zeros((T, T), dtype=bool))


def test_against_finite_differences(rng: np.random.Generator) -> None:
    """Independent of torch: central differences through a small model, masks included."""
    m = nn.Transformer(4, 2, 1, 1, 6, dropout=0.0, rng=0, norm_first=True)
    _perturb(m)
    src = ag.tensor(rng.standard_normal((3, 1, 4)), requires_grad=True)
    tgt = ag.tensor(rng.standard_normal((2, 1, 4)), requires_grad=True)
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(2)
    pad = np.array([[False, False, True]])
    some = (
        m.encoder.layers[0].self_attn.in_proj_weight,
        m.decoder.layers[0].multihead_attn.in_proj_bias,
        m.decoder.layers[0].linear1.weight,
        m.encoder.norm.weight,
    )

    def f(s: Any, t: Any, *ps: Any) -> Any:
        return m(s, t, tgt_mask=tgt_mask, memory_key_padding_mask=pad, src_key_padding_mask=pad)

    assert ag.gradcheck(f, (src, tgt, *some))


# -- the stacks' torch arguments ------------------------------------------------------------------------
def test_stack_arguments_as_torch(rng: np.random.Generator) -> None:
    layer = nn.TransformerEncoderLayer(E, H, dim_feedforward=12, dropout=0.0, rng=0)
    enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(E), enable_nested_tensor=False, mask_check=False)
    assert (enc.enable_nested_tensor, enc.mask_check) == (False, False)
    default = nn.TransformerEncoder(layer, 2)
    assert (default.enable_nested_tensor, default.mask_check, default.norm) == (True, True, None)
    tenc = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(E, H, dim_feedforward=12, dropout=0.0), 2,
        norm=torch.nn.LayerNorm(E), enable_nested_tensor=False, mask_check=False,
    )
    causal = nn.Transformer.generate_square_subsequent_mask(S).data
    x = rng.standard_normal((S, N, E))
    _perturb(enc)

    def call(m: Any, x: Any) -> Any:  # is_causal=None (the default): torch detects the causal mask
        return m(x, mask=torch.from_numpy(causal) if isinstance(m, torch.nn.Module) else causal)

    compare(enc, tenc, [x], call=call, call_torch=call)
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, dim_feedforward=12, dropout=0.0), 1)
    memory = rng.standard_normal((S, N, E))
    tgt = rng.standard_normal((T, N, E))
    with ag.no_grad():
        tm = nn.Transformer.generate_square_subsequent_mask(T)
        a = dec(tgt, memory, tgt_mask=tm).data  # tgt_is_causal=None
        np.testing.assert_array_equal(dec(tgt, memory, tgt_mask=tm, tgt_is_causal=True).data, a)
        np.testing.assert_array_equal(dec(tgt, memory, tgt_is_causal=True).data, a)


def test_float32_and_memory_causal_hint_against_torch(rng: np.random.Generator) -> None:
    """dtype=float32 keeps every parameter and the output in float32, to float32 rounding of
    torch's; memory_is_causal with a (T, S) causal memory_mask is only a hint, as in torch."""
    ours = nn.Transformer(E, H, rng=3, dtype=np.float32, **_kw())
    assert {p.dtype for p in ours.parameters()} == {np.dtype(np.float32)}
    theirs = torch.nn.Transformer(E, H, **_kw())
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    src = rng.standard_normal((S, N, E)).astype(np.float32)
    tgt = rng.standard_normal((S, N, E)).astype(np.float32)  # T = S: the causal memory mask is square
    causal = nn.Transformer.generate_square_subsequent_mask(S, dtype=np.float32)
    with ag.no_grad(), torch.no_grad():
        got = ours(src, tgt, memory_mask=causal, memory_is_causal=True)
        want = theirs(
            torch.from_numpy(src), torch.from_numpy(tgt),
            memory_mask=torch.from_numpy(causal.data), memory_is_causal=True,
        ).numpy()
        plain = ours(src, tgt).data
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.data, want, rtol=1e-4, atol=1e-5)
    assert np.abs(got.data - plain).max() > 1e-3  # the memory mask matters
