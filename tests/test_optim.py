"""Optimizers and LR schedules against their update formulas written out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import nn
from nn import optim

STEPS = 5


def _problem(seed: int = 0) -> tuple[list[nn.Parameter], list[np.ndarray]]:
    """Two parameters and a fixed sequence of gradients for them (one per step)."""
    rng = np.random.default_rng(seed)
    params = [nn.Parameter(rng.normal(size=(3, 2))), nn.Parameter(rng.normal(size=(2,)))]
    grads = [[rng.normal(size=p.shape) for p in params] for _ in range(STEPS)]
    return params, grads


def _run(opt: optim.Optimizer, params: list[nn.Parameter], grads: list) -> list[list[np.ndarray]]:
    """Feed the gradients step by step; return the parameters' values after each step."""
    history = []
    for step_grads in grads:
        for p, g in zip(params, step_grads, strict=True):
            p.grad = ag.tensor(g)
        opt.step()
        history.append([p.data.copy() for p in params])
    return history


def _close(got: list, want: list) -> None:
    for step, (gs, ws) in enumerate(zip(got, want, strict=True)):
        for g, w in zip(gs, ws, strict=True):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=0, err_msg=f"step {step + 1}")


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"momentum": 0.9},
        {"momentum": 0.9, "dampening": 0.3},
        {"momentum": 0.9, "nesterov": True},
        {"weight_decay": 0.1},
        {"momentum": 0.8, "nesterov": True, "weight_decay": 0.05},
    ],
    ids=str,
)
def test_sgd_matches_formula(kw: dict) -> None:
    params, grads = _problem()
    got = _run(optim.SGD(params, lr=0.1, **kw), params, grads)

    lr, mu, damp = 0.1, kw.get("momentum", 0.0), kw.get("dampening", 0.0)
    nesterov, wd = kw.get("nesterov", False), kw.get("weight_decay", 0.0)
    values, _ = _problem()
    values = [v.data.copy() for v in values]
    bufs: list = [None, None]
    want = []
    for step_grads in grads:
        for i, g in enumerate(step_grads):
            d = g + wd * values[i]
            if mu:
                bufs[i] = d.copy() if bufs[i] is None else mu * bufs[i] + (1 - damp) * d
                d = d + mu * bufs[i] if nesterov else bufs[i]
            values[i] = values[i] - lr * d
        want.append([v.copy() for v in values])
    _close(got, want)


@pytest.mark.parametrize(
    "kw", [{}, {"weight_decay": 0.1}, {"amsgrad": True}, {"betas": (0.5, 0.6), "eps": 1e-3}], ids=str
)
@pytest.mark.parametrize("decoupled", [False, True], ids=["Adam", "AdamW"])
def test_adam_and_adamw_match_formula(kw: dict, decoupled: bool) -> None:
    params, grads = _problem()
    cls = optim.AdamW if decoupled else optim.Adam
    kw = {"weight_decay": 0.0, **kw}
    got = _run(cls(params, lr=0.01, **kw), params, grads)

    lr, eps, wd = 0.01, kw.get("eps", 1e-8), kw["weight_decay"]
    b1, b2 = kw.get("betas", (0.9, 0.999))
    values = [v.data.copy() for v in _problem()[0]]
    m = [np.zeros_like(v) for v in values]
    v2 = [np.zeros_like(v) for v in values]
    vmax = [np.zeros_like(v) for v in values]
    want = []
    for t, step_grads in enumerate(grads, start=1):
        for i, g in enumerate(step_grads):
            if decoupled:
                values[i] = values[i] * (1 - lr * wd)  # decay the weights themselves
            else:
                g = g + wd * values[i]  # L2: decay through the gradient
            m[i] = b1 * m[i] + (1 - b1) * g
            v2[i] = b2 * v2[i] + (1 - b2) * g * g
            vmax[i] = np.maximum(vmax[i], v2[i])
            m_hat = m[i] / (1 - b1**t)  # bias correction
            v_hat = (vmax[i] if kw.get("amsgrad") else v2[i]) / (1 - b2**t)
            values[i] = values[i] - lr * m_hat / (np.sqrt(v_hat) + eps)
        want.append([v.copy() for v in values])
    _close(got, want)


def test_adamw_defaults_and_first_step() -> None:
    p = nn.Parameter([2.0])
    opt = optim.AdamW([p], lr=0.1)
    assert opt.param_groups[0]["weight_decay"] == 1e-2  # PyTorch's default
    p.grad = ag.tensor([0.5])
    opt.step()
    # Step 1: m_hat = g and v_hat = g^2, so the Adam part moves by lr * g / (|g| + eps).
    assert p.item() == pytest.approx(2.0 * (1 - 0.1 * 1e-2) - 0.1 * 0.5 / (0.5 + 1e-8), rel=1e-14)


def test_params_without_grad_are_skipped_and_zero_grad() -> None:
    a, b = nn.Parameter([1.0]), nn.Parameter([2.0])
    for opt in (optim.SGD([a, b], lr=0.1, momentum=0.9), optim.Adam([a, b], lr=0.1)):
        a.grad, b.grad = ag.tensor([1.0]), None
        before = b.data.copy()
        opt.step()
        np.testing.assert_array_equal(b.data, before)
        assert 1 not in opt.state
        opt.zero_grad()
        assert a.grad is None
        assert b.grad is None


def test_updates_record_no_graph_and_bump_versions() -> None:
    w = nn.Parameter([1.0, 2.0])
    x = ag.tensor([3.0, 4.0])
    loss = (w * w * x).sum()
    loss.backward(retain_graph=True)
    opt = optim.SGD([w], lr=0.1)
    opt.step()
    assert w.is_leaf
    assert w.grad_fn is None
    assert w.requires_grad
    # The graph saved w's old values; after the update it must refuse to backpropagate.
    with pytest.raises(ag.AutogradError, match="modified in place"):
        loss.backward()


def test_param_groups_have_their_own_hyperparameters() -> None:
    a, b = nn.Parameter([1.0]), nn.Parameter([1.0])
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    a.grad, b.grad = ag.tensor([1.0]), ag.tensor([1.0])
    opt.step()
    assert a.item() == pytest.approx(0.9)
    assert b.item() == pytest.approx(0.0)
    assert opt.state_dict()["param_groups"][1]["params"] == [1]
    assert "Parameter Group 1" in repr(opt)


def test_optimizer_errors() -> None:
    w = nn.Parameter([1.0])
    with pytest.raises(ValueError, match="SGD: got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="SGD: params must be an iterable of parameters"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(TypeError, match=r"SGD: pass the model's parameters, model\.parameters\(\)"):
        optim.SGD(nn.Linear(2, 1), lr=0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="SGD: lr must be a finite number >= 0, got -1"):
        optim.SGD([w], lr=-1)
    with pytest.raises(ValueError, match="SGD: nesterov momentum needs momentum > 0 and dampening = 0"):
        optim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"Adam: betas must be in \[0, 1\), got \(0.9, 1.0\)"):
        optim.Adam([w], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="appears more than once"):
        optim.Adam([w, w])
    with pytest.raises(
        ValueError,
        match=r"Adam: item 0 \(shape \(1,\)\) is not "
        r"a leaf tensor that requires grad",
    ):
        optim.Adam([w * 2])
    with pytest.raises(TypeError, match="Adam: can only optimize Tensors, but item 0 is a ndarray"):
        optim.Adam([np.zeros(2)])
    with pytest.raises(ValueError, match=r"SGD: unknown hyperparameters \['betas'\]"):
        optim.SGD([{"params": [w], "betas": (0.9, 0.9)}], lr=0.1)


def test_optimizer_state_dict_round_trip() -> None:
    params, grads = _problem()
    opt = optim.Adam(params, lr=0.01, amsgrad=True)
    _run(opt, params, grads[:2])
    saved = opt.state_dict()
    assert saved["state"][0]["step"] == 2
    assert set(saved["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    group = {"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": True}
    assert saved["param_groups"] == [{**group, "params": [0, 1]}]
    snapshot = [p.data.copy() for p in params]
    after_a = _run(opt, params, grads[2:])

    # Another optimizer with another history and settings, on parameters reset to the snapshot.
    params_b, other_grads = _problem(seed=1)
    opt_b = optim.Adam(params_b, lr=0.5)
    _run(opt_b, params_b, other_grads[:3])
    for pb, snap in zip(params_b, snapshot, strict=True):
        pb.data[...] = snap
    opt_b.load_state_dict(saved)
    assert opt_b.param_groups[0]["lr"] == 0.01
    assert opt_b.param_groups[0]["amsgrad"] is True
    after_b = _run(opt_b, params_b, grads[2:])
    for sa, sb in zip(after_a, after_b, strict=True):
        for x, y in zip(sa, sb, strict=True):
            np.testing.assert_array_equal(x, y)
    with pytest.raises(
        ValueError,
        match=r"Adam.load_state_dict: the saved state has parameter "
        r"groups of sizes \[2\], this optimizer has \[1\]",
    ):
        optim.Adam(params[:1]).load_state_dict(saved)
    bad = opt.state_dict()
    bad["state"][0]["exp_avg"] = np.zeros(5)
    with pytest.raises(
        ValueError,
        match=r"state 'exp_avg' of parameter 0 has shape "
        r"\(5,\), the parameter has shape \(3, 2\)",
    ):
        optim.Adam(params).load_state_dict(bad)


# -- schedules --------------------------------------------------------------------------------
def test_step_lr() -> None:
    opt = optim.SGD([nn.Parameter([1.0])], lr=0.5)
    sched = optim.StepLR(opt, step_size=3, gamma=0.1)
    lrs = []
    for _ in range(8):
        lrs.append(sched.get_last_lr()[0])
        sched.step()
    assert lrs == pytest.approx([0.5] * 3 + [0.05] * 3 + [0.005] * 2, rel=1e-15)
    assert opt.param_groups[0]["lr"] == sched.get_last_lr()[0]


def test_cosine_annealing_lr() -> None:
    opt = optim.SGD([nn.Parameter([1.0])], lr=1.0)
    sched = optim.CosineAnnealingLR(opt, T_max=10, eta_min=0.1)
    lrs = []
    for _ in range(11):
        lrs.append(sched.get_last_lr()[0])
        sched.step()
    want = [0.1 + 0.9 * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(11)]
    assert lrs == pytest.approx(want, rel=1e-15)
    assert lrs[0] == 1.0
    assert lrs[-1] == pytest.approx(0.1, rel=1e-15)


def test_scheduler_state_dict_and_errors() -> None:
    opt = optim.SGD([nn.Parameter([1.0])], lr=1.0)
    sched = optim.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(5):
        sched.step()
    state = sched.state_dict()
    assert state == {"step_size": 2, "gamma": 0.5, "base_lrs": [1.0], "last_epoch": 5}
    opt2 = optim.SGD([nn.Parameter([1.0])], lr=1.0)
    sched2 = optim.StepLR(opt2, step_size=2, gamma=0.5)
    sched2.load_state_dict(state)
    assert sched2.get_last_lr() == sched.get_last_lr() == [0.25]
    with pytest.raises(ValueError, match=r"StepLR\.load_state_dict: unexpected key 'T_max'"):
        sched2.load_state_dict({"T_max": 3})
    with pytest.raises(ValueError, match="StepLR: step_size must be a positive int, got 0"):
        optim.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match=r"CosineAnnealingLR: T_max must be a positive int, got 2\.5"):
        optim.CosineAnnealingLR(opt, T_max=2.5)  # type: ignore[arg-type]
    assert optim.lr_scheduler.StepLR is optim.StepLR


# -- against PyTorch, when it is installed ----------------------------------------------------
@pytest.mark.parametrize(
    ("name", "kw"),
    [
        ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
        ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.2}),
        ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
        ("Adam", {"lr": 0.01, "amsgrad": True}),
        ("AdamW", {"lr": 0.01}),
    ],
)
def test_against_torch(name: str, kw: dict) -> None:
    torch = pytest.importorskip("torch")
    params, grads = _problem()
    got = _run(getattr(optim, name)(params, **kw), params, grads)
    tparams = [torch.tensor(p.data.copy(), requires_grad=True) for p in _problem()[0]]
    topt = getattr(torch.optim, name)(tparams, **kw)
    for step, step_grads in enumerate(grads):
        for tp, g in zip(tparams, step_grads, strict=True):
            tp.grad = torch.tensor(g)
        topt.step()
        for tp, mine in zip(tparams, got[step], strict=True):
            np.testing.assert_allclose(mine, tp.detach().numpy(), rtol=1e-10, atol=1e-14)
