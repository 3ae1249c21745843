"""The course notebook's numbers (shared/seed/notebook.txt), reproduced with Tensors.

The expected values are the ones the notebook printed; float64 reproduces them to the last digit.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd as ag


def test_softmax_of_0_1_2() -> None:
    # In [9]: softmax([0, 1, 2]) -> array([ 0.09003057,  0.24472847,  0.66524096])
    s = ag.tensor([0, 1, 2], dtype=np.float64).softmax()
    np.testing.assert_allclose(s.data, [0.09003057, 0.24472847, 0.66524096], rtol=0, atol=5e-9)
    assert s.data.sum() == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize(
    ("w1", "w2", "b", "printed"),
    [(2, 6, -2, 0.91682730350607766), (3, 5, -2.2, 0.88079707797788231)],
    ids=["nna_scratch_1(2,6,-2)", "nna_scratch_1(3,5,-2.2)"],
)
def test_sigmoid_neuron(w1: float, w2: float, b: float, printed: float) -> None:
    # In [23]: sigmoid(w1 * .4 + w2 * .6 + b), with the notebook's order of operations ...
    out = (ag.tensor(float(w1)) * 0.4 + ag.tensor(float(w2)) * 0.6 + b).sigmoid()
    assert out.item() == pytest.approx(printed, rel=1e-15)
    # ... and as a neuron: sigmoid(w . x + b).
    w = ag.tensor([float(w1), float(w2)], requires_grad=True)
    neuron = (w @ ag.tensor([0.4, 0.6]) + b).sigmoid()
    assert neuron.item() == pytest.approx(printed, rel=1e-15)
    neuron.backward()  # d sigmoid(w.x + b)/dw = s (1 - s) x
    np.testing.assert_allclose(w.grad.data, printed * (1 - printed) * np.array([0.4, 0.6]),
                               rtol=1e-14)


def test_sigmoid_numbers_exactly() -> None:
    assert ag.tensor(2 * 0.4 + 6 * 0.6 - 2).sigmoid().item() == pytest.approx(0.9168273035060777,
                                                                              rel=1e-15)
    assert ag.tensor(3 * 0.4 + 5 * 0.6 - 2.2).sigmoid().item() == pytest.approx(
        0.8807970779778823, rel=1e-15)


def test_dot_of_1_2_and_3_4() -> None:
    # In [13]: np.dot([1,2], [3,4]) -> 11;  In [14]: np.sum(np.array([1,2]) * np.array([3,4])) -> 11
    ints = ag.tensor([1, 2]) @ ag.tensor([3, 4])
    assert ints.item() == 11
    assert ints.dtype.kind == "i"
    floats = ag.tensor([1.0, 2.0]) @ ag.tensor([3.0, 4.0])
    assert floats.item() == 11.0
    assert floats.dtype == np.float64
    assert (ag.tensor([1, 2]) * ag.tensor([3, 4])).sum().item() == 11
    assert ag.tensor([1.0, 2.0]).dot(ag.tensor([3.0, 4.0])).item() == 11.0


@pytest.mark.parametrize(
    ("y", "printed"),
    [([1, 1, 0], 0.68517901091076849), ([0, 0, 1], 5.1159958097540823)],
    ids=["should-be-0.69", "should-be-5.12"],
)
def test_cross_entropy(y: list[int], printed: float) -> None:
    # In [10]-[12]: -sum(log(p if y == 1 else 1 - p)) for P = [0.8, 0.7, 0.1].
    p = ag.tensor([0.8, 0.7, 0.1], requires_grad=True)
    yt = ag.tensor(np.array(y, dtype=np.float64))
    ce = -(yt * p.log() + (1 - yt) * (1 - p).log()).sum()
    assert ce.item() == pytest.approx(printed, rel=1e-15)
    ce.backward()  # d/dp: -y/p + (1-y)/(1-p)
    pa, ya = np.array([0.8, 0.7, 0.1]), np.array(y, dtype=float)
    np.testing.assert_allclose(p.grad.data, -ya / pa + (1 - ya) / (1 - pa), rtol=1e-14)


def test_update_weights_step_matches_the_notebook_formula() -> None:
    # The lab's update_weights: output = sigmoid(x.w + b); d_error = -(y - output);
    # w -= lr * d_error * x; b -= lr * d_error. The gradient of error_formula does the same.
    x = np.array([0.3, -1.2, 2.0])
    y, lr = 1.0, 0.01
    w0, b0 = np.array([0.5, 0.1, -0.4]), 0.2
    w, b = ag.tensor(w0, requires_grad=True), ag.tensor(b0, requires_grad=True)
    output = (ag.tensor(x) @ w + b).sigmoid()
    error = -y * output.log() - (1 - y) * (1 - output).log()
    error.backward()
    with ag.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    out_np = 1 / (1 + np.exp(-(x @ w0 + b0)))
    d_error = -(y - out_np)
    np.testing.assert_allclose(w.data, w0 - lr * d_error * x, rtol=1e-15)
    assert b.item() == pytest.approx(b0 - lr * d_error, rel=1e-15)


def test_naive_softmax_overflows_but_ours_does_not() -> None:
    big = ag.tensor([1000.0, 1001.0, 1002.0])
    with pytest.warns(RuntimeWarning, match="overflow"):
        e = big.exp()  # the notebook's softmax: np.exp(L) / np.sum(np.exp(L))
    with pytest.warns(RuntimeWarning, match="invalid value"):
        naive = e / e.sum()  # inf / inf
    assert np.isnan(naive.data).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = big.softmax()
    np.testing.assert_allclose(ours.data, [0.09003057, 0.24472847, 0.66524096], rtol=0, atol=5e-9)
    np.testing.assert_allclose(ours.data, ag.tensor([0.0, 1.0, 2.0]).softmax().data, rtol=1e-15)
