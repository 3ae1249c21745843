"""Small models must reach their targets with fixed seeds, quickly; training resumes exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import autograd as ag
import nn
from nn import functional as F  # noqa: N812 - PyTorch's convention


def _binary_accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    with ag.no_grad():
        scores = model(x).data.reshape(-1)
    return float(((scores > 0) == (y == 1)).mean())


def test_logistic_regression_on_separable_data() -> None:
    x, y = nn.make_separable(200, seed=0)
    model = nn.Linear(2, 1, rng=0)
    opt = nn.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(300):
        loss = F.binary_cross_entropy_with_logits(model(x).reshape(-1), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert _binary_accuracy(model, x, y) >= 0.99
    # The learned boundary is the true one, x1 + x2 = 1: w1 ~ w2 and b ~ -w1.
    w1, w2 = model.weight.data[0]
    assert abs(w1 - w2) / abs(w1) < 0.1
    assert abs(model.bias.item() + w1) / abs(w1) < 0.1


def test_sigmoid_mlp_learns_xor() -> None:
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    model = nn.MLP(2, [4, 1], rng=0)  # sigmoid hidden layer, as the course's neurons
    opt = nn.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(300):
        loss = F.binary_cross_entropy_with_logits(model(x).reshape(-1), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert _binary_accuracy(model, x, y) == 1.0
    assert loss.item() < 0.05


def test_micrograd_moons_demo() -> None:
    """micrograd's demo: MLP(2, [16, 16, 1]) with ReLU and the hinge loss on 100 moons points.

    micrograd uses SGD with a decaying rate and an L2 term; Adam reaches 100% more reliably.
    """
    x, y = nn.make_moons(100, noise=0.1, seed=0)
    targets = 2.0 * y - 1  # the hinge loss wants -1 / +1
    model = nn.MLP(2, [16, 16, 1], activation="relu", rng=0)
    opt = nn.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(300):
        loss = F.hinge_loss(model(x).reshape(-1), targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert _binary_accuracy(model, x, y) == 1.0


def test_softmax_classifier_on_three_spirals() -> None:
    x, y = nn.make_spirals(300, n_classes=3, seed=0)
    model = nn.MLP(2, [64, 64, 3], activation="relu", rng=0)
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    sched = nn.optim.CosineAnnealingLR(opt, T_max=100, eta_min=1e-3)
    loader = nn.DataLoader(x, y, batch_size=100, shuffle=True, seed=0)
    for _ in range(100):  # epochs of 3 minibatches
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    with ag.no_grad():
        accuracy = float((model(x).data.argmax(axis=1) == y).mean())
    assert accuracy >= 0.95


# -- resuming ---------------------------------------------------------------------------------
OPTIMIZERS = {
    "SGD-nesterov": lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "Adam-amsgrad": lambda ps: nn.optim.Adam(ps, lr=0.01, amsgrad=True),
    "AdamW": lambda ps: nn.optim.AdamW(ps, lr=0.01),
}


@pytest.mark.parametrize("make_opt", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_training_resumes_bit_identically(make_opt, tmp_path: Path) -> None:
    x, y = nn.make_blobs(64, centers=3, seed=0)

    def setup(seed: int) -> tuple:
        model = nn.MLP(2, [8, 8, 3], activation="tanh", rng=seed)
        opt = make_opt(model.parameters())
        sched = nn.optim.StepLR(opt, step_size=2, gamma=0.5)
        loader = nn.DataLoader(x, y, batch_size=16, shuffle=True, seed=1)
        return model, opt, sched, loader

    def train(model, opt, sched, loader, epochs: int) -> None:  # 4 steps per epoch
        for _ in range(epochs):
            for xb, yb in loader:
                loss = F.cross_entropy(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
            sched.step()

    model, opt, sched, loader = setup(seed=0)
    train(model, opt, sched, loader, epochs=3)  # 12 steps
    path = tmp_path / "checkpoint.npz"
    nn.save({"model": model, "optim": opt, "sched": sched, "epoch": loader.epoch}, path)
    train(model, opt, sched, loader, epochs=3)  # 12 more

    model2, opt2, sched2, loader2 = setup(seed=1)  # other weights, fresh optimizer state
    ckpt = nn.load(path)
    model2.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["optim"])
    sched2.load_state_dict(ckpt["sched"])
    loader2.epoch = ckpt["epoch"]
    train(model2, opt2, sched2, loader2, epochs=3)

    for (k, a), (_, b) in zip(model.state_dict().items(), model2.state_dict().items(), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=k)
    s1, s2 = opt.state_dict(), opt2.state_dict()
    assert s1["param_groups"] == s2["param_groups"]
    for i in s1["state"]:
        for k, v in s1["state"][i].items():
            np.testing.assert_array_equal(v, s2["state"][i][k], err_msg=f"{i}.{k}")
    assert sched2.get_last_lr() == sched.get_last_lr()
