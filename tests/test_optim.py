"""Optimizers and LR schedules against their update formulas written out by hand."""

from __future__ import annotations

import math
from typing import Any

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
        ("RMSprop", {}),
        ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-3, "weight_decay": 0.1}),
        ("RMSprop", {"momentum": 0.9, "centered": True}),
        ("RMSprop", {"momentum": 0.5, "weight_decay": 0.01}),
        ("Adagrad", {}),
        ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.3}),
        ("Adagrad", {"eps": 1e-3}),
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
            np.testing.assert_allclose(mine, tp.detach().numpy(), rtol=1e-12, atol=1e-14)
    # The defaults are PyTorch's.
    mine_defaults = getattr(optim, name)(_problem()[0]).defaults
    torch_defaults = getattr(torch.optim, name)(tparams).defaults
    for k, v in mine_defaults.items():
        assert torch_defaults[k] == v, k


# -- RMSprop and Adagrad --------------------------------------------------------------------------
def test_rmsprop_and_adagrad_first_step_and_defaults() -> None:
    g = np.array([0.5, -2.0])
    p = nn.Parameter([1.0, 1.0])
    opt = optim.RMSprop([p])
    assert {k: v for k, v in opt.param_groups[0].items() if k != "params"} == {
        "lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0, "centered": False}
    p.grad = ag.tensor(g)
    opt.step()
    # s = (1 - alpha) g^2, so the step is lr g / (sqrt(0.01) |g| + eps).
    np.testing.assert_allclose(p.data, 1.0 - 1e-2 * g / (0.1 * np.abs(g) + 1e-8), rtol=1e-14)
    q = nn.Parameter([1.0, 1.0])
    opt2 = optim.Adagrad([q], initial_accumulator_value=0.25)
    assert opt2.param_groups[0]["eps"] == 1e-10
    assert opt2.param_groups[0]["lr"] == 1e-2
    q.grad = ag.tensor(g)
    opt2.step()
    np.testing.assert_allclose(q.data, 1.0 - 1e-2 * g / (np.sqrt(0.25 + g * g) + 1e-10), rtol=1e-14)
    with pytest.raises(ValueError, match=r"RMSprop: alpha must be a finite number >= 0, got -0\.5"):
        optim.RMSprop([p], alpha=-0.5)
    with pytest.raises(ValueError, match="Adagrad: lr_decay must be a finite number >= 0"):
        optim.Adagrad([p], lr_decay=float("nan"))
    with pytest.raises(ValueError, match="RMSprop: centered must be True or False, got 'yes'"):
        optim.RMSprop([p], centered="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cls", "kw"),
    [
        (optim.RMSprop, {"momentum": 0.9, "centered": True, "weight_decay": 0.1}),
        (optim.RMSprop, {"lr": 0.01, "alpha": 0.9}),
        (optim.Adagrad, {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.5}),
        (optim.Adam, {"amsgrad": True}),
        (optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else str(v),
)
def test_state_dict_round_trip_resumes_exactly(cls: type, kw: dict, tmp_path: Any) -> None:
    params, grads = _problem()
    opt = cls(params, **kw)
    _run(opt, params, grads[:2])
    snapshot = [p.data.copy() for p in params]
    path = nn.save({"optim": opt}, tmp_path / "opt")  # through a file, as a checkpoint would
    uninterrupted = _run(opt, params, grads[2:])

    params_b, _ = _problem(seed=3)
    for pb, snap in zip(params_b, snapshot, strict=True):
        pb.data[...] = snap
    opt_b = cls(params_b)  # default hyperparameters: the state brings the saved ones
    opt_b.load_state_dict(nn.load(path)["optim"])
    assert opt_b.state_dict()["param_groups"] == opt.state_dict()["param_groups"]
    resumed = _run(opt_b, params_b, grads[2:])
    for sa, sb in zip(uninterrupted, resumed, strict=True):
        for x, y in zip(sa, sb, strict=True):
            np.testing.assert_array_equal(x, y)


# -- all-or-nothing steps and loads ---------------------------------------------------------------
ALL = [
    (optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    (optim.Adam, {}),
    (optim.AdamW, {"amsgrad": True}),
    (optim.RMSprop, {"momentum": 0.5, "centered": True}),
    (optim.Adagrad, {}),
]


@pytest.mark.parametrize(("cls", "kw"), ALL, ids=lambda v: v.__name__ if isinstance(v, type) else "")
@pytest.mark.parametrize("bad", ["shape", "dtype", "array"])
def test_a_bad_gradient_changes_nothing(cls: type, kw: dict, bad: str) -> None:
    a, b = nn.Parameter([1.0, 2.0]), nn.Parameter([[3.0, 4.0]])
    opt = cls([a, b], **kw)
    a.grad, b.grad = ag.tensor([0.1, 0.2]), ag.tensor([[0.3, 0.4]])
    opt.step()
    before = ([a.data.copy(), b.data.copy()], opt.state_dict())
    a.grad = ag.tensor([0.5, 0.5])
    b.grad = {"shape": ag.tensor([0.3, 0.4]), "dtype": ag.tensor([[1, 2]]),
              "array": np.array([[0.3, 0.4]])}[bad]  # type: ignore[assignment]
    with pytest.raises(ValueError, match=rf"{cls.__name__}\.step: the gradient of parameter 1 \(shape "
                       r"\(1, 2\)\) .*; nothing was updated"):
        opt.step()
    np.testing.assert_array_equal(a.data, before[0][0])
    np.testing.assert_array_equal(b.data, before[0][1])
    after = opt.state_dict()
    assert after["param_groups"] == before[1]["param_groups"]
    assert after["state"].keys() == before[1]["state"].keys()
    for i, s in before[1]["state"].items():
        assert after["state"][i].keys() == s.keys()
        for k, v in s.items():
            np.testing.assert_array_equal(after["state"][i][k], v)


def test_a_fresh_adam_stores_no_state_when_a_step_fails() -> None:
    a, b = nn.Parameter([1.0]), nn.Parameter([2.0, 3.0])
    opt = optim.Adam([a, b])
    a.grad, b.grad = ag.tensor([1.0]), ag.tensor([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="has shape \\(3,\\); nothing was updated"):
        opt.step()
    assert opt.state == {}
    assert a.item() == 1.0


def test_hyperparameters_are_checked_in_every_group_and_at_step() -> None:
    w, v = nn.Parameter([1.0]), nn.Parameter([1.0])
    with pytest.raises(ValueError, match="SGD: lr must be a finite number >= 0, got -1"):
        optim.SGD([{"params": [w]}, {"params": [v], "lr": -1}], lr=0.1)
    opt = optim.Adam([{"params": [w]}, {"params": [v]}])
    opt.param_groups[1]["lr"] = "abc"
    w.grad, v.grad = ag.tensor([1.0]), ag.tensor([1.0])
    with pytest.raises(ValueError, match=r"Adam\.step: parameter group 1: lr must be a finite number >= 0, "
                       r"got 'abc'"):
        opt.step()
    assert w.item() == 1.0
    assert opt.state == {}


def _saved(cls: type, **kw: Any) -> dict:
    params, grads = _problem()
    opt = cls(params, **kw)
    _run(opt, params, grads[:1])
    return opt.state_dict()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.update(_saved(optim.SGD, lr=0.1, momentum=0.9)),
         r"parameter group 0 of the saved state has the hyperparameters \['dampening', 'lr', 'momentum', "
         r"'nesterov', 'weight_decay'\], but Adam has \['amsgrad', 'betas', 'eps', 'lr', 'weight_decay'\]"),
        (lambda s: s["param_groups"][0].update(lr="abc"),
         "parameter group 0: lr must be a finite number >= 0, got 'abc'"),
        (lambda s: s["param_groups"][0].update(betas=(0.9, 1.5)),
         r"betas must be in \[0, 1\), got \(0.9, 1.5\)"),
        (lambda s: s["param_groups"][0].update(amsgrad="no"), "amsgrad must be True or False"),
        (lambda s: s["state"][1].pop("exp_avg"),
         r"the state of parameter 1 has entries \['exp_avg_sq', 'step'\] \(missing \['exp_avg'\]\)"),
        (lambda s: s["state"][0].update(momentum_buffer=np.zeros((3, 2))), r"unknown \['momentum_buffer'\]"),
        (lambda s: s["state"][0].update(step=-1), "state 'step' of parameter 0 must be an int >= 0, got -1"),
        (lambda s: s["state"][0].update(exp_avg=np.array([["a"] * 2] * 3)), "must be a numeric array"),
        (lambda s: s["state"].update({7: {}}),
         r"state for parameter 7 must be a dict for an index in \[0, 2\)"),
        (lambda s: s["state"].update({"x": {}}), "state key 'x' is not a parameter index"),
        (lambda s: s.update(param_groups=[{"lr": 0.1}]), "each with a 'params' list"),
    ],
)
def test_load_state_dict_refuses_bad_state_and_changes_nothing(edit: Any, message: str) -> None:
    saved = _saved(optim.Adam, lr=0.05)
    edit(saved)
    params, grads = _problem(seed=2)
    opt = optim.Adam(params, lr=0.01, weight_decay=0.1)
    _run(opt, params, grads[:2])
    before = opt.state_dict()
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(saved)
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    for i, s in before["state"].items():
        for k, v in s.items():
            np.testing.assert_array_equal(after["state"][i][k], v)


# -- gradient clipping ----------------------------------------------------------------------------
def test_clip_grad_errors_and_nothing_changed() -> None:
    a, b = nn.Parameter([1.0, 2.0]), nn.Parameter([3.0])
    a.grad, b.grad = ag.tensor([3.0, 4.0]), ag.tensor([float("nan")])
    with pytest.raises(RuntimeError, match=r"clip_grad_norm_: the total norm of order 2\.0 of the "
                       r"gradients is nan"):
        nn.utils.clip_grad_norm_([a, b], 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(a.grad.data, [3.0, 4.0])
    with pytest.raises(ValueError, match=r"max_norm must be a number >= 0, got -1\.0"):
        nn.utils.clip_grad_norm_([a], -1)
    with pytest.raises(ValueError, match="norm_type must be > 0"):
        nn.utils.clip_grad_norm_([a], 1.0, norm_type=0)
    with pytest.raises(TypeError, match="max_norm must be a number, got 'x'"):
        nn.utils.clip_grad_norm_([a], "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="item 0 is a ndarray"):
        nn.utils.clip_grad_value_([np.ones(2)], 1.0)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="clip_value must be a number >= 0"):
        nn.utils.clip_grad_value_([a], float("nan"))
    held = a.grad.data
    nn.utils.clip_grad_value_(a, 3.5)  # a single Tensor is accepted, as in PyTorch
    np.testing.assert_array_equal(a.grad.data, [3.0, 3.5])
    np.testing.assert_array_equal(held, [3.0, 4.0])  # a new array: the caller's is untouched
    assert float(nn.utils.clip_grad_norm_([nn.Parameter([1.0])], 1.0)) == 0.0  # no gradients


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, "inf", float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_against_torch(norm_type: Any, max_norm: float) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    params = [nn.Parameter(np.zeros((3, 2))), nn.Parameter(np.zeros(4)), nn.Parameter(np.zeros(()))]
    tparams = [torch.zeros(p.shape, dtype=torch.float64, requires_grad=True) for p in params]
    for _ in range(3):  # several rounds of gradients
        for p, tp in zip(params, tparams, strict=True):
            g = rng.normal(size=p.shape)
            p.grad, tp.grad = ag.tensor(g), torch.tensor(g)
        params[1].grad = None  # a parameter without a gradient is skipped
        tparams[1].grad = None
        total = nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
        ttotal = torch.nn.utils.clip_grad_norm_(tparams, max_norm, norm_type=norm_type)
        np.testing.assert_allclose(total.data, ttotal.numpy(), rtol=1e-12, atol=0)
        for p, tp in zip(params, tparams, strict=True):
            if tp.grad is not None:
                np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), rtol=1e-12, atol=0)


def test_clip_grad_value_and_nonfinite_norm_against_torch() -> None:
    torch = pytest.importorskip("torch")
    g1, g2 = np.array([-3.0, 0.2, 5.0]), np.array([[0.5, -0.7]])
    params = [nn.Parameter(np.zeros(3)), nn.Parameter(np.zeros((1, 2)))]
    tparams = [torch.zeros(p.shape, dtype=torch.float64, requires_grad=True) for p in params]
    for g, p, tp in zip((g1, g2), params, tparams, strict=True):
        p.grad, tp.grad = ag.tensor(g), torch.tensor(g)
    nn.utils.clip_grad_value_(params, 0.6)
    torch.nn.utils.clip_grad_value_(tparams, 0.6)
    for p, tp in zip(params, tparams, strict=True):
        np.testing.assert_array_equal(p.grad.data, tp.grad.numpy())
    # A non-finite norm without error_if_nonfinite: gradients scaled as PyTorch scales them.
    for bad in (float("inf"), float("nan")):
        for g, p, tp in zip((np.array([1.0, bad, 2.0]), g2), params, tparams, strict=True):
            p.grad, tp.grad = ag.tensor(g), torch.tensor(g)
        total = nn.utils.clip_grad_norm_(params, 1.0)
        ttotal = torch.nn.utils.clip_grad_norm_(tparams, 1.0)
        np.testing.assert_array_equal(total.data, ttotal.numpy())
        for p, tp in zip(params, tparams, strict=True):
            np.testing.assert_array_equal(p.grad.data, tp.grad.numpy())


def test_scheduler_load_state_dict_checks_everything_first() -> None:
    opt = optim.SGD([nn.Parameter([1.0])], lr=1.0)
    sched = optim.StepLR(opt, step_size=2, gamma=0.5)
    sched.step()
    before = sched.state_dict()
    for bad, message in [
        ({"last_epoch": 4, "gamma": "abc"}, r"'gamma' must be like 0\.5, got 'abc'"),
        ({"last_epoch": 4, "base_lrs": [1.0, 2.0]}, r"'base_lrs' must be like \[1\.0\], got \[1\.0, 2\.0\]"),
        ({"last_epoch": 4, "step_size": 2.5}, "'step_size' must be like 2, got 2.5"),
        ({"last_epoch": 4, "T_max": 3}, "unexpected key 'T_max'"),
    ]:
        with pytest.raises(ValueError, match=message):
            sched.load_state_dict(bad)
        assert sched.state_dict() == before  # last_epoch was not set either
    assert opt.param_groups[0]["lr"] == 1.0
