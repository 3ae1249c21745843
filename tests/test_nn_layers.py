"""Layers: shapes, PyTorch's initialization, gradients vs finite differences, Dropout, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import nn
from tests.helpers_fd import check_grads


def _input(rng: np.random.Generator, *shape: int) -> ag.Tensor:
    x = rng.normal(size=shape)
    x[np.abs(x) < 0.05] = 0.3
    return ag.tensor(x, requires_grad=True)


LAYERS = {
    "Linear": lambda: nn.Linear(3, 2, rng=1),
    "Linear-no-bias": lambda: nn.Linear(3, 2, bias=False, rng=1),
    "Layer-sigmoid": lambda: nn.Layer(3, 2, rng=1),
    "Layer-tanh": lambda: nn.Layer(3, 2, activation="tanh", rng=1),
    "Layer-softmax": lambda: nn.Layer(3, 4, activation="softmax", rng=1),
    "Layer-leaky_relu-module": lambda: nn.Layer(3, 2, activation=nn.LeakyReLU(0.2), rng=1),
    "Neuron": lambda: nn.Neuron(3, rng=1),
    "Neuron-tanh": lambda: nn.Neuron(3, activation="tanh", rng=1),
    "MLP": lambda: nn.MLP(3, [4, 4, 2], rng=1),
    "MLP-tanh-logsoftmax": lambda: nn.MLP(
        3, [5, 3], activation="tanh", output_activation="log_softmax", rng=1
    ),
    "Sequential": lambda: nn.Sequential(
        nn.Linear(3, 4, rng=1), nn.Tanh(), nn.Linear(4, 2, rng=2), nn.Sigmoid()
    ),
    "Sigmoid": nn.Sigmoid,
    "Tanh": nn.Tanh,
    "ReLU": nn.ReLU,
    "LeakyReLU": lambda: nn.LeakyReLU(0.1),
    "Softmax": nn.Softmax,
    "Softmax-axis0": lambda: nn.Softmax(axis=0),
    "LogSoftmax": nn.LogSoftmax,
    "Identity": nn.Identity,
    "Flatten": nn.Flatten,
    "Dropout-eval": lambda: nn.Dropout(0.5).eval(),
}


@pytest.mark.parametrize("make", LAYERS.values(), ids=LAYERS.keys())
def test_layer_gradients(make, rng: np.random.Generator) -> None:
    layer = make()
    x = _input(rng, 5, 3)
    # "* 1.0" so that Identity's output is a new node, as the check needs a graph
    check_grads(lambda: layer(x) * 1.0, [x, *layer.parameters()])


def test_flatten_and_dropout_gradients(rng: np.random.Generator) -> None:
    x = _input(rng, 2, 3, 4)
    check_grads(lambda: nn.Flatten()(x), [x])
    check_grads(lambda: nn.Flatten(0, 1)(x), [x])
    check_grads(lambda: nn.Dropout(0.3, rng=7)(x), [x])  # a new layer, so the same mask each time


def test_linear_matches_its_formula_and_pytorch_init() -> None:
    layer = nn.Linear(4, 3, rng=0)
    assert layer.weight.shape == (3, 4)
    assert layer.bias.shape == (3,)
    # PyTorch: kaiming_uniform(a=sqrt(5)) on the weight, then U(+-1/sqrt(in)) on the bias,
    # both from the same generator in that order.
    gen = np.random.default_rng(0)
    # (the weight's bound sqrt(3) * gain(a=sqrt(5)) / sqrt(4) is 0.5 up to rounding)
    np.testing.assert_allclose(layer.weight.data, gen.uniform(-0.5, 0.5, size=(3, 4)), rtol=1e-14)
    np.testing.assert_array_equal(layer.bias.data, gen.uniform(-0.5, 0.5, size=(3,)))
    x = np.arange(8.0).reshape(2, 4)
    want = x @ layer.weight.data.T + layer.bias.data
    np.testing.assert_allclose(layer(x).data, want, rtol=1e-15)
    assert layer(ag.ones(5, 2, 4)).shape == (5, 2, 3)


def test_init_uses_the_global_seed() -> None:
    ag.manual_seed(3)
    a = nn.MLP(2, [3, 1])
    ag.manual_seed(3)
    b = nn.MLP(2, [3, 1])
    c = nn.MLP(2, [3, 1])
    for pa, pb, pc in zip(a.parameters(), b.parameters(), c.parameters(), strict=True):
        np.testing.assert_array_equal(pa.data, pb.data)
        assert not np.array_equal(pa.data, pc.data)
    # MLP uses one generator for all its layers, so two equal-shaped layers differ.
    m = nn.MLP(3, [3, 3], rng=0)
    assert not np.array_equal(m.layers[0].weight.data, m.layers[1].weight.data)


def test_neuron_is_the_course_neuron() -> None:
    n = nn.Neuron(3, rng=0)
    assert n.w.shape == (3,)
    assert n.b.shape == ()
    x = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, 1.0]])
    z = x @ n.w.data + n.b.data
    np.testing.assert_allclose(n(x).data, 1 / (1 + np.exp(-z)), rtol=1e-14)
    assert n(x[0]).shape == ()
    assert [name for name, _ in n.named_parameters()] == ["w", "b"]


def test_layer_and_mlp_activations() -> None:
    x = np.array([[1.0, -2.0]])
    for name, ref in [
        ("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
        ("tanh", np.tanh),
        ("relu", lambda z: np.maximum(z, 0)),
        ("leaky_relu", lambda z: np.where(z > 0, z, 0.01 * z)),
        ("identity", lambda z: z),
        (None, lambda z: z),
        ("softmax", lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)),
    ]:
        layer = nn.Layer(2, 3, activation=name, rng=0)
        z = x @ layer.weight.data.T + layer.bias.data
        np.testing.assert_allclose(layer(x).data, ref(z), rtol=1e-14, err_msg=str(name))
    mlp = nn.MLP(2, [3, 2], activation="tanh", output_activation="sigmoid", rng=0)
    h = np.tanh(x @ mlp.layers[0].weight.data.T + mlp.layers[0].bias.data)
    out = 1 / (1 + np.exp(-(h @ mlp.layers[1].weight.data.T + mlp.layers[1].bias.data)))
    np.testing.assert_allclose(mlp(x).data, out, rtol=1e-14)


def test_micrograd_signature() -> None:
    model = nn.MLP(2, [16, 16, 1])
    assert [tuple(p.shape) for p in model.parameters()] == [(16, 2), (16,), (16, 16), (16,), (1, 16), (1,)]
    assert model.num_parameters() == 16 * 2 + 16 + 16 * 16 + 16 + 16 + 1 == 337
    assert model(np.zeros((7, 2))).shape == (7, 1)


def test_dropout() -> None:
    x = ag.ones(200, 50)
    d = nn.Dropout(0.25, rng=0)
    y = d(x).data
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(y[kept], 1 / 0.75)  # inverted dropout: the mean is unchanged
    assert not np.array_equal(d(x).data, y)  # a fresh mask on every call
    np.testing.assert_array_equal(nn.Dropout(0.25, rng=0)(x).data, y)  # reproducible from the seed
    assert d.eval()(x) is x  # off in eval mode
    assert nn.Dropout(0.0)(x) is x
    assert (nn.Dropout(1.0)(x).data == 0).all()
    ag.manual_seed(1)
    a = nn.Dropout(0.5)(x).data
    ag.manual_seed(1)
    np.testing.assert_array_equal(nn.Dropout(0.5)(x).data, a)  # the global generator by default
    with pytest.raises(ValueError, match=r"Dropout: p must be in \[0, 1\], got -0.1"):
        nn.Dropout(-0.1)


def test_sequential_container() -> None:
    seq = nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU())
    seq.append(nn.Linear(3, 1, rng=1))
    assert len(seq) == 3
    assert isinstance(seq[2], nn.Linear)
    assert list(seq)[1] is seq[1]
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert seq[2].weight.name == "2.weight"
    x = np.ones((4, 2))
    want = seq[2](seq[1](seq[0](x))).data
    np.testing.assert_array_equal(seq(x).data, want)
    with pytest.raises(TypeError, match=r"Sequential: item 0 is a int, not a module"):
        nn.Sequential(3)


def test_layer_errors_name_the_layer_and_shapes() -> None:
    model = nn.MLP(2, [4, 1])
    with pytest.raises(
        ValueError,
        match=r"Layer 'layers.0': expected an input with 2 features "
        r"on the last axis, e.g. \(N, 2\), got shape \(5, 3\)",
    ):
        model(np.ones((5, 3)))
    with pytest.raises(ValueError, match=r"Linear: expected an input with 4 features.*got shape \(\)"):
        nn.Linear(4, 2)(ag.tensor(1.0))
    with pytest.raises(ValueError, match=r"Linear: in_features must be a positive int, got 0"):
        nn.Linear(0, 2)
    with pytest.raises(ValueError, match=r"Neuron: expected an input with 3 features"):
        nn.Neuron(3)(np.ones(2))
    with pytest.raises(ValueError, match=r"Layer: unknown activation 'sigmod'; expected one of 'sigmoid'"):
        nn.Layer(2, 2, activation="sigmod")
    with pytest.raises(TypeError, match=r"Layer: activation must be a name, None or a callable, got int"):
        nn.Layer(2, 2, activation=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"MLP: sizes must be a non-empty list of layer widths"):
        nn.MLP(2, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"Flatten: axes 1..-1 do not fit an input of shape \(\)"):
        nn.Flatten()(ag.tensor(1.0))


def test_default_dtype_and_float32_layers() -> None:
    ag.set_default_dtype(np.float32)
    layer = nn.Linear(3, 2)
    assert layer.weight.dtype == np.float32
    assert layer.bias.dtype == np.float32
    out = layer(np.ones((2, 3), dtype=np.float32))
    assert out.dtype == np.float32
    assert nn.Linear(3, 2, dtype=np.float64).weight.dtype == np.float64


def test_reprs() -> None:
    assert repr(nn.Linear(2, 3)) == "Linear(in_features=2, out_features=3, bias=True)"
    assert repr(nn.Neuron(2)) == "Neuron(n_inputs=2, activation='sigmoid')"
    assert repr(nn.Dropout(0.1)) == "Dropout(p=0.1)"
    assert repr(nn.Softmax(axis=0)) == "Softmax(axis=0)"
    assert repr(nn.MLP(2, [4, 1])) == (
        "MLP(\n"
        "  (layers.0): Layer(in_features=2, out_features=4, bias=True, activation='sigmoid')\n"
        "  (layers.1): Layer(in_features=4, out_features=1, bias=True, activation='identity')\n"
        ")"
    )
    nested = nn.Sequential(nn.MLP(2, [3]), nn.Layer(3, 1, activation=nn.LeakyReLU(0.2)))
    assert repr(nested) == (
        "Sequential(\n"
        "  (0): MLP(\n"
        "    (layers.0): Layer(in_features=2, out_features=3, bias=True, activation='identity')\n"
        "  )\n"
        "  (1): Layer(in_features=3, out_features=1, bias=True\n"
        "    (activation): LeakyReLU(negative_slope=0.2)\n"
        "  )\n"
        ")"
    )
    assert math.isfinite(nn.MLP(2, [3]).num_parameters())


def test_float_inputs_of_another_precision_are_refused_not_upcast() -> None:
    layer = nn.Linear(2, 3)
    x32 = np.ones((4, 2), dtype=np.float32)
    with pytest.raises(TypeError, match="float32 but the weights are float64"):
        layer(x32)
    assert layer(np.ones((4, 2), dtype=np.int64)).dtype == np.float64  # ints are converted
    previous = ag.get_default_dtype()
    ag.set_default_dtype(np.float32)
    try:
        xs, _ = nn.make_moons(20, seed=0)
        assert xs.dtype == np.float32  # the datasets follow the default dtype
        out = nn.MLP(2, [4, 1], rng=0)(xs)
        assert out.dtype == np.float32
    finally:
        ag.set_default_dtype(previous)


def test_manual_seed_makes_default_data_draws_reproducible() -> None:
    ag.manual_seed(3)
    a, _ = nn.make_moons(10)
    order_a = [b[0].tolist() for b in nn.DataLoader(a, batch_size=5, shuffle=True)]
    ag.manual_seed(3)
    b, _ = nn.make_moons(10)
    order_b = [b_[0].tolist() for b_ in nn.DataLoader(b, batch_size=5, shuffle=True)]
    np.testing.assert_array_equal(a, b)
    assert order_a == order_b
