"""The layers' less common options against torch.nn with the same weights (float64): recurrent
layers bidirectional, with LSTM projections, dropout and unbatched input; convolutions with
every padding_mode; MultiheadAttention with separate key/value sizes (kdim, vdim). Our
state_dict is loaded into the torch module by key (strict), then outputs, input gradients and
parameter gradients are compared (`compare`, from tests/test_nn_layers_vs_torch.py). Plus
the errors on bad arguments."""

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
    with pytest.raises(ValueError, match=r"LSTMCell: hx must be a pair \(h, c\)"):
        nn.LSTMCell(3, 4)(np.ones((2, 3)), (np.ones((2, 4)),))


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
