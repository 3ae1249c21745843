"""nn.functional: loss values against numpy, gradients against finite differences, errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from nn import functional as F  # noqa: N812 - PyTorch's convention
from tests.helpers_fd import check_grads

REDUCTIONS = ["mean", "sum", "none"]


def _reduce(x: np.ndarray, reduction: str) -> np.ndarray:
    return {"mean": np.mean, "sum": np.sum, "none": np.asarray}[reduction](x)


def _log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    s = x - x.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


# -- the course notebook's numbers ------------------------------------------------------------
@pytest.mark.parametrize(
    ("targets", "expected"),
    [([1.0, 1.0, 0.0], 0.6851790109107685), ([0.0, 0.0, 1.0], 5.115995809754082)],
)
def test_notebook_binary_cross_entropy(targets: list[float], expected: float) -> None:
    probs = ag.tensor([0.8, 0.7, 0.1])
    loss = F.binary_cross_entropy(probs, targets, reduction="sum")
    assert loss.item() == pytest.approx(expected, rel=1e-12)


# -- values -----------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_loss_values_match_numpy(reduction: str, rng: np.random.Generator) -> None:
    x = rng.normal(size=(5, 3))
    y = rng.normal(size=(5, 3))
    p = rng.uniform(0.05, 0.95, size=(6,))
    t = rng.uniform(0, 1, size=(6,))
    logits = rng.normal(scale=3, size=(6,))
    labels = rng.integers(0, 3, size=5)
    pm1 = rng.choice([-1.0, 1.0], size=(6,))

    def close(got: ag.Tensor, want: np.ndarray) -> None:
        np.testing.assert_allclose(got.data, _reduce(want, reduction), rtol=1e-13, atol=1e-15)

    close(F.mse_loss(ag.tensor(x), y, reduction), (x - y) ** 2)
    close(F.binary_cross_entropy(ag.tensor(p), t, reduction), -(t * np.log(p) + (1 - t) * np.log(1 - p)))
    s = 1 / (1 + np.exp(-logits))
    close(
        F.binary_cross_entropy_with_logits(ag.tensor(logits), t, reduction),
        -(t * np.log(s) + (1 - t) * np.log(1 - s)),
    )
    close(F.cross_entropy(ag.tensor(x), labels, reduction), -_log_softmax(x)[np.arange(5), labels])
    probs = np.exp(_log_softmax(y))
    close(F.cross_entropy(ag.tensor(x), probs, reduction), -(probs * _log_softmax(x)).sum(axis=1))
    lp = _log_softmax(x)
    close(F.nll_loss(ag.tensor(lp), labels, reduction), -lp[np.arange(5), labels])
    close(F.hinge_loss(ag.tensor(logits), pm1, reduction), np.maximum(0, 1 - pm1 * logits))


def test_cross_entropy_class_axis(rng: np.random.Generator) -> None:
    x = rng.normal(size=(2, 4, 3))  # classes on axis 1
    labels = rng.integers(0, 4, size=(2, 3))
    want = -np.take_along_axis(_log_softmax(x, axis=1), labels[:, None, :], axis=1)[:, 0, :]
    got = F.cross_entropy(ag.tensor(x), labels, reduction="none", axis=1)
    np.testing.assert_allclose(got.data, want, rtol=1e-13)
    # A single row of logits with a scalar label.
    one = F.cross_entropy(ag.tensor([1.0, 2.0, 3.0]), np.int64(2))
    assert one.item() == pytest.approx(-_log_softmax(np.array([1.0, 2.0, 3.0]))[2], rel=1e-13)


def test_cross_entropy_is_stable_for_huge_logits() -> None:
    x = ag.tensor([[1e4, 0.0, -1e4]], requires_grad=True)
    loss = F.cross_entropy(x, [2])
    assert loss.item() == pytest.approx(2e4, rel=1e-12)
    loss.backward()
    np.testing.assert_allclose(x.grad.data, [[1.0, 0.0, -1.0]], atol=1e-12)


def test_binary_cross_entropy_is_finite_at_0_and_1() -> None:
    p = ag.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    loss = F.binary_cross_entropy(p, [0.0, 1.0, 1.0, 0.0], reduction="none")
    np.testing.assert_array_equal(loss.data, [0.0, 0.0, 100.0, 100.0])  # logs clamped at -100
    loss.sum().backward()
    assert np.isfinite(p.grad.data).all()
    np.testing.assert_array_equal(p.grad.data, [0.0, 0.0, -1e12, 1e12])  # (p - y) / max(p(1-p), 1e-12)


@pytest.mark.parametrize("x", [1e4, -1e4, 40.0, -40.0, 0.0])
@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_bce_with_logits_is_stable(x: float, y: float) -> None:
    xt = ag.tensor([x], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(xt, [y], reduction="sum")
    loss.backward()
    # Closed forms: l = softplus(x) - x y, written without overflow; dl/dx = sigmoid(x) - y.
    want = max(x, 0.0) - x * y + np.log1p(np.exp(-abs(x)))
    sig = 1 / (1 + np.exp(-x)) if x >= 0 else np.exp(x) / (1 + np.exp(x))
    assert np.isfinite(loss.item())
    assert loss.item() == pytest.approx(want, rel=1e-14, abs=1e-300)
    assert xt.grad.item() == pytest.approx(sig - y, rel=1e-14, abs=1e-300)
    if x == 40.0 and y == 1.0:  # log(1 + e^-40), which log(1 + e^x) - x would round to 0
        assert loss.item() == pytest.approx(4.248354255291589e-18, rel=1e-12)


def test_bce_with_logits_gradient_at_zero_is_smooth() -> None:
    """At x = 0 the gradient is sigmoid(0) - y = 0.5 - y; relu/abs compositions give -y."""
    x = ag.tensor([0.0, 0.0], requires_grad=True)
    F.binary_cross_entropy_with_logits(x, [1.0, 0.0], reduction="sum").backward()
    np.testing.assert_array_equal(x.grad.data, [-0.5, 0.5])


# -- gradients --------------------------------------------------------------------------------
def _leaf(a: np.ndarray) -> ag.Tensor:
    return ag.tensor(a, requires_grad=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_loss_gradients(reduction: str, rng: np.random.Generator) -> None:
    x = _leaf(rng.normal(size=(4, 3)))
    y = _leaf(rng.normal(size=(4, 3)))
    check_grads(lambda: F.mse_loss(x, y, reduction), [x, y])

    p = _leaf(rng.uniform(0.1, 0.9, size=(5,)))
    t = _leaf(rng.uniform(0, 1, size=(5,)))
    check_grads(lambda: F.binary_cross_entropy(p, t, reduction), [p, t])

    z = _leaf(rng.normal(scale=3, size=(5,)))
    check_grads(lambda: F.binary_cross_entropy_with_logits(z, t, reduction), [z, t])

    labels = rng.integers(0, 3, size=4)
    check_grads(lambda: F.cross_entropy(x, labels, reduction), [x])
    probs = _leaf(rng.dirichlet(np.ones(3), size=4))
    check_grads(lambda: F.cross_entropy(x, probs, reduction), [x, probs])
    check_grads(lambda: F.nll_loss(x.log_softmax(), labels, reduction), [x])

    s = _leaf(rng.normal(size=(6,)) * 2)
    s.data[np.abs(1 - np.abs(s.data)) < 0.05] += 0.2  # keep y*s away from the hinge at 1
    pm1 = rng.choice([-1.0, 1.0], size=(6,))
    check_grads(lambda: F.hinge_loss(s, pm1, reduction), [s])


def test_cross_entropy_gradient_with_class_axis(rng: np.random.Generator) -> None:
    x = _leaf(rng.normal(size=(2, 4, 3)))
    labels = rng.integers(0, 4, size=(2, 3))
    check_grads(lambda: F.cross_entropy(x, labels, "none", axis=1), [x])


def test_activation_and_dropout_gradients(rng: np.random.Generator) -> None:
    x = _leaf(rng.normal(size=(3, 4)))
    x.data[np.abs(x.data) < 0.05] = 0.3  # away from relu's kink
    for fn in (F.sigmoid, F.tanh, F.relu, F.leaky_relu, F.softmax, F.log_softmax, F.identity):
        check_grads(lambda fn=fn: fn(x) * 1.0, [x])
    w = _leaf(rng.normal(size=(2, 4)))
    b = _leaf(rng.normal(size=(2,)))
    check_grads(lambda: F.linear(x, w, b), [x, w, b])
    check_grads(lambda: F.dropout(x, 0.4, rng=np.random.default_rng(5)), [x])


@pytest.mark.parametrize(
    "fn",
    [F.binary_cross_entropy, F.binary_cross_entropy_with_logits],
    ids=["binary_cross_entropy", "binary_cross_entropy_with_logits"],
)
def test_fused_ops_pass_core_gradcheck_and_gradgradcheck(fn, rng: np.random.Generator) -> None:
    p = _leaf(rng.uniform(0.1, 0.9, size=(5,)))
    t = _leaf(rng.uniform(0, 1, size=(5,)))
    f = lambda p, t: fn(p, t, reduction="none")  # noqa: E731 - a one-line check
    assert ag.gradcheck(f, (p, t), atol=1e-8, rtol=1e-6)
    assert ag.gradgradcheck(f, (p, t), atol=1e-7, rtol=1e-5)


# -- errors -----------------------------------------------------------------------------------
ALL_LOSSES = [
    (F.mse_loss, ag.tensor([0.5, 0.5]), [1.0, 0.0]),
    (F.binary_cross_entropy, ag.tensor([0.5, 0.5]), [1.0, 0.0]),
    (F.binary_cross_entropy_with_logits, ag.tensor([0.5, 0.5]), [1.0, 0.0]),
    (F.cross_entropy, ag.tensor([[0.5, 0.5]]), [1]),
    (F.nll_loss, ag.tensor([[-0.5, -1.0]]), [1]),
    (F.hinge_loss, ag.tensor([0.5, 0.5]), [1.0, -1.0]),
]


@pytest.mark.parametrize(("loss", "x", "y"), ALL_LOSSES, ids=lambda v: getattr(v, "__name__", ""))
def test_bad_reduction_is_named(loss, x, y) -> None:
    with pytest.raises(
        ValueError,
        match=rf"{loss.__name__}: reduction must be "
        rf"'mean', 'sum' or 'none', got 'avg'",
    ):
        loss(x, y, reduction="avg")


@pytest.mark.parametrize(
    "loss", [F.mse_loss, F.binary_cross_entropy, F.binary_cross_entropy_with_logits, F.hinge_loss]
)
def test_shape_mismatch_names_loss_and_shapes(loss) -> None:
    out = ag.tensor([[0.5], [0.5], [0.5]])  # (N, 1), a model's usual output
    with pytest.raises(
        ValueError,
        match=rf"{loss.__name__}: input of shape \(3, "
        rf"1\) and target of shape \(3,\)",
    ):
        loss(out, [1.0, -1.0, 1.0])


def test_cross_entropy_label_errors() -> None:
    logits = ag.tensor(np.zeros((3, 4)))
    with pytest.raises(TypeError, match=r"cross_entropy: class labels must be integers, got dtype float64"):
        F.cross_entropy(logits, [0.0, 1.0, 2.0])
    with pytest.raises(
        ValueError,
        match=r"cross_entropy: labels must be in \[0, 4\) "
        r"for 4 classes, got values from 0 to 4",
    ):
        F.cross_entropy(logits, [0, 1, 4])
    with pytest.raises(ValueError, match=r"labels must be in \[0, 4\).*from -1 to 2"):
        F.cross_entropy(logits, [-1, 1, 2])
    with pytest.raises(
        ValueError,
        match=r"cross_entropy: labels of shape \(2,\) do not fit scores "
        r"of shape \(3, 4\): expected labels of shape \(3,\)",
    ):
        F.cross_entropy(logits, [0, 1])
    with pytest.raises(ValueError, match=r"targets of shape \(3, 5\) fit scores of shape \(3, 4\) neither"):
        F.cross_entropy(logits, np.full((3, 5), 0.2))
    with pytest.raises(TypeError, match=r"nll_loss: class labels must be integers, got dtype float64"):
        F.nll_loss(logits, np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"cross_entropy: expected scores with a class axis"):
        F.cross_entropy(ag.tensor(1.0), 0)
    with pytest.raises(
        ValueError,
        match=r"cross_entropy: axis 2 is out of bounds "
        r"for scores of shape \(3, 4\)",
    ):
        F.cross_entropy(logits, [0, 1, 2], axis=2)


def test_value_errors_of_bce_hinge_and_dropout() -> None:
    with pytest.raises(
        ValueError,
        match=r"binary_cross_entropy: probabilities must be "
        r"in \[0, 1\], got values from -0.5 to 2",
    ):
        F.binary_cross_entropy(ag.tensor([-0.5, 2.0]), [0.0, 1.0])
    with pytest.raises(ValueError, match=r"hinge_loss: targets must be -1 or \+1, got \[0.0\]"):
        F.hinge_loss(ag.tensor([0.5, 0.5]), [0.0, 1.0])
    with pytest.raises(ValueError, match=r"dropout: p must be in \[0, 1\], got 1.5"):
        F.dropout(ag.tensor([1.0]), 1.5)
    with pytest.raises(
        ValueError,
        match=r"linear: input of shape \(2, 3\) does "
        r"not fit a weight of shape \(4, 2\)",
    ):
        F.linear(ag.ones(2, 3), ag.ones(4, 2))


def test_losses_keep_float32() -> None:
    x = ag.tensor(np.array([[0.2, 0.4], [0.1, 0.3]], dtype=np.float32), requires_grad=True)
    for loss in (
        F.mse_loss(x, np.ones((2, 2))),
        F.binary_cross_entropy(x, np.ones((2, 2))),
        F.binary_cross_entropy_with_logits(x, np.ones((2, 2))),
        F.cross_entropy(x, [0, 1]),
    ):
        assert loss.dtype == np.float32
        loss.backward()
        assert x.grad.dtype == np.float32
