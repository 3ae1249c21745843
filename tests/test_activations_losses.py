"""Activations (functions, Tensor methods, modules) and losses against PyTorch: values and
gradients in float64, every reduction, and clear errors for bad input.

The op suite checks each registered activation against finite differences; here the losses
(composites of registered ops) and the arguments the registry samples do not cover are compared
with torch directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag
import nn
from nn import functional as F  # noqa: N812 - PyTorch's convention

torch = pytest.importorskip("torch")
TF = torch.nn.functional
REDUCTIONS = ["mean", "sum", "none"]


def _compare(ours: Callable[..., Any], theirs: Callable[..., Any], arrays: list[np.ndarray],
             grads: list[bool], rng: np.random.Generator, rtol: float = 1e-10) -> None:
    xs = [ag.tensor(a, requires_grad=g) for a, g in zip(arrays, grads, strict=True)]
    ts = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, grads, strict=True)]
    y, r = ours(*xs), theirs(*ts)
    assert y.shape == tuple(r.shape)
    np.testing.assert_allclose(y.data, r.detach().numpy(), rtol=rtol, atol=1e-12)
    v = rng.standard_normal(y.shape)
    y.backward(v)
    r.backward(torch.from_numpy(np.asarray(v)))
    for x, t, g in zip(xs, ts, grads, strict=True):
        if g:
            assert x.grad is not None
            np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=rtol, atol=1e-12)


# -- activations --------------------------------------------------------------------------------
MODULES = [
    ("GELU", {}), ("GELU", {"approximate": "tanh"}), ("SiLU", {}), ("ELU", {"alpha": 0.7}), ("SELU", {}),
    ("CELU", {"alpha": 1.5}), ("Mish", {}), ("Hardswish", {}), ("Hardsigmoid", {}),
    ("Hardtanh", {"min_val": -0.5, "max_val": 2.0}), ("ReLU6", {}), ("LogSigmoid", {}), ("Softsign", {}),
    ("Softplus", {"beta": 2.0, "threshold": 3.0}), ("Softplus", {}), ("Softmin", {"dim": 1}),
    ("GLU", {"dim": 1}), ("Tanh", {}), ("Sigmoid", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), MODULES, ids=[f"{n}-{k}" for n, k in MODULES])
def test_activation_modules_match_torch_nn(name: str, kwargs: dict[str, Any],
                                           rng: np.random.Generator) -> None:
    x = rng.uniform(-5, 5, size=(3, 4, 5))
    x[np.abs(np.abs(x) - 3) < 0.05] += 0.1  # off hardswish's kinks
    ours = getattr(nn, name)(**kwargs)
    theirs = getattr(torch.nn, name)(**kwargs)
    # torch's hardsigmoid kernel rounds 1/6 to float32, even in float64
    _compare(ours, theirs, [x], [True], rng, rtol=1e-7 if name == "Hardsigmoid" else 1e-10)


def test_tensor_methods_and_functions_agree(rng: np.random.Generator) -> None:
    x = ag.tensor(rng.standard_normal((2, 4)))
    for name in ("gelu", "silu", "elu", "selu", "celu", "mish", "hardswish", "hardsigmoid", "hardtanh",
                 "relu6", "logsigmoid", "softsign", "softmin", "glu"):
        np.testing.assert_array_equal(getattr(x, name)().data, getattr(F, name)(x).data)
    np.testing.assert_array_equal(x.gelu(approximate="tanh").data, F.gelu(x, "tanh").data)


@pytest.mark.parametrize(("beta", "threshold"),
                         [(1.0, 20.0), (2.0, 1.0), (0.5, 2.0), (1.0, 0.5), (-1.0, 20.0)])
def test_softplus_beta_threshold(beta: float, threshold: float, rng: np.random.Generator) -> None:
    x = rng.uniform(-6, 6, size=(4, 5))
    x[np.abs(x * beta - threshold) < 0.05] += 0.1  # off the switch point
    _compare(lambda t: F.softplus(t, beta, threshold), lambda t: TF.softplus(t, beta, threshold), [x], [True],
             rng)


def test_softplus_is_stable_for_large_inputs() -> None:
    x = ag.tensor([1e4, -1e4, 30.0], requires_grad=True)
    y = F.softplus(x, beta=2.0)
    np.testing.assert_allclose(y.data, [1e4, 0.0, 30.0])
    y.sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, [1.0, 0.0, 1.0])


@pytest.mark.parametrize("shape", [(2, 3, 4, 4), (5, 3), (4,)], ids=str)
@pytest.mark.parametrize("per_channel", [True, False])
def test_prelu_module_matches_torch_with_the_same_weights(shape: tuple[int, ...], per_channel: bool,
                                                          rng: np.random.Generator) -> None:
    channels = shape[1] if len(shape) > 1 else 1
    n = channels if per_channel else 1
    ours, theirs = nn.PReLU(n, init=0.1), torch.nn.PReLU(n, init=0.1).double()
    w = rng.uniform(-0.5, 0.5, n)
    ours.load_state_dict({"weight": w})
    theirs.load_state_dict({k: torch.from_numpy(np.asarray(v.data)) for k, v in ours.state_dict().items()})
    x = rng.standard_normal(shape)
    xs, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, r = ours(xs), theirs(xt)
    np.testing.assert_allclose(y.data, r.detach().numpy(), rtol=1e-12)
    v = rng.standard_normal(shape)
    y.backward(v)
    r.backward(torch.from_numpy(v))
    assert xs.grad is not None
    assert ours.weight.grad is not None
    np.testing.assert_allclose(xs.grad.data, xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-10)


def test_gelu_second_derivative_matches_torch(rng: np.random.Generator) -> None:
    x = rng.standard_normal(6)
    for approximate in ("none", "tanh"):
        xs, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        (g,) = ag.grad(F.gelu(xs, approximate).sum(), [xs], create_graph=True)
        (gt,) = torch.autograd.grad(TF.gelu(xt, approximate=approximate).sum(), [xt], create_graph=True)
        (g * g).sum().backward()
        (gt * gt).sum().backward()
        assert xs.grad is not None
        np.testing.assert_allclose(xs.grad.data, xt.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: F.gelu(ag.ones(2), approximate="fast"), ValueError, "gelu: approximate must be"),
        (lambda: F.glu(ag.ones(2, 3)), ValueError, r"glu: axis -1 of a tensor of shape \(2, 3\)"),
        (lambda: F.prelu(ag.ones(2, 3), ag.ones(2)), ValueError, r"prelu: weight of shape \(2,\)"),
        (lambda: F.hardtanh(ag.ones(2), 1.0, -1.0), ValueError, "hardtanh: min_val"),
        (lambda: nn.GELU("fast"), ValueError, "GELU: approximate"),
        (lambda: F.softplus(ag.ones(2), beta=0), ValueError, "softplus: beta"),
    ],
    ids=["gelu", "glu", "prelu", "hardtanh", "GELU", "softplus"],
)
def test_activation_errors(call: Callable[[], Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        call()


# -- losses -------------------------------------------------------------------------------------
CE_ARGS = [{}, {"weight": True}, {"label_smoothing": 0.1}, {"weight": True, "label_smoothing": 0.25},
           {"ignore_index": 1}, {"weight": True, "ignore_index": 2, "label_smoothing": 0.1}]


def _ce_kwargs(kw: dict[str, Any], w: np.ndarray, as_torch: bool) -> dict[str, Any]:
    out = dict(kw)
    if out.get("weight"):
        out["weight"] = torch.from_numpy(w) if as_torch else w
    return out


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs", CE_ARGS, ids=lambda k: ",".join(k) or "-")
def test_cross_entropy_and_nll_match_torch(reduction: str, kwargs: dict[str, Any],
                                           rng: np.random.Generator) -> None:
    x = rng.standard_normal((6, 4)) * 2
    labels = np.array([0, 3, 1, kwargs.get("ignore_index", -100), 2, 1])
    w = rng.uniform(0.5, 2.0, 4)
    ours, theirs = _ce_kwargs(kwargs, w, False), _ce_kwargs(kwargs, w, True)
    lab_t = torch.from_numpy(labels)
    _compare(lambda a: F.cross_entropy(a, labels, reduction=reduction, **ours),
             lambda a: TF.cross_entropy(a, lab_t, reduction=reduction, **theirs), [x], [True], rng)
    # (N, C, d) scores with the classes on axis 1, as PyTorch's K-dimensional case
    xk = rng.standard_normal((2, 4, 3))
    lk = rng.integers(0, 4, size=(2, 3))
    _compare(lambda a: F.cross_entropy(a, lk, reduction=reduction, dim=1, **ours),
             lambda a: TF.cross_entropy(a, torch.from_numpy(lk), reduction=reduction, **theirs), [xk], [True],
             rng)
    if "label_smoothing" not in kwargs:
        _compare(lambda a: F.nll_loss(a, labels, reduction=reduction, **ours),
                 lambda a: TF.nll_loss(a, lab_t, reduction=reduction, **theirs), [x], [True], rng)
    if "ignore_index" not in kwargs:  # probability targets (gradients for them too)
        probs = rng.dirichlet(np.ones(4), size=6)
        _compare(lambda a, p: F.cross_entropy(a, p, reduction=reduction, **ours),
                 lambda a, p: TF.cross_entropy(a, p, reduction=reduction, **theirs), [x, probs],
                 [True, True], rng)


def test_cross_entropy_keeps_the_positional_reduction() -> None:
    x = ag.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(F.cross_entropy(x, [0, 2], "sum").data, F.cross_entropy(x, [0, 2]).data * 2)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_with_logits_pos_weight(reduction: str, weighted: bool, rng: np.random.Generator) -> None:
    x = rng.standard_normal((5, 3)) * 4
    y = rng.uniform(0, 1, (5, 3))
    pw = rng.uniform(0.2, 4.0, 3)
    w = rng.uniform(0.5, 2, (5, 1)) if weighted else None
    tw = None if w is None else torch.from_numpy(w)
    _compare(lambda a, t: F.binary_cross_entropy_with_logits(a, t, weight=w, reduction=reduction,
                                                             pos_weight=pw),
             lambda a, t: TF.binary_cross_entropy_with_logits(a, t, weight=tw, reduction=reduction,
                                                             pos_weight=torch.from_numpy(pw)),
             [x, y], [True, True], rng)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_weight(reduction: str, rng: np.random.Generator) -> None:
    p, y = rng.uniform(0.05, 0.95, (5, 3)), rng.uniform(0, 1, (5, 3))
    w = rng.uniform(0.5, 2, 3)
    _compare(lambda a, t: F.binary_cross_entropy(a, t, weight=w, reduction=reduction),
             lambda a, t: TF.binary_cross_entropy(a, t, weight=torch.from_numpy(w), reduction=reduction),
             [p, y], [True, False], rng)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(reduction: str, rng: np.random.Generator) -> None:
    x, t = rng.standard_normal((4, 5)) * 2, rng.standard_normal((4, 5)) * 2
    both = [True, True]
    _compare(lambda a, b: F.l1_loss(a, b, reduction=reduction),
             lambda a, b: TF.l1_loss(a, b, reduction=reduction), [x, t], both, rng)
    for d in (0.5, 1.0, 3.0):
        _compare(lambda a, b, d=d: F.huber_loss(a, b, reduction=reduction, delta=d),
                 lambda a, b, d=d: TF.huber_loss(a, b, reduction=reduction, delta=d), [x, t], both, rng)
    for beta in (0.0, 0.5, 1.0, 3.0):
        _compare(lambda a, b, s=beta: F.smooth_l1_loss(a, b, reduction=reduction, beta=s),
                 lambda a, b, s=beta: TF.smooth_l1_loss(a, b, reduction=reduction, beta=s), [x, t], both, rng)


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")  # torch's note on kl_div's mean
@pytest.mark.parametrize("reduction", [*REDUCTIONS, "batchmean"])
def test_kl_div(reduction: str, rng: np.random.Generator) -> None:
    log_q = np.log(rng.dirichlet(np.ones(5), size=4))
    p = rng.dirichlet(np.ones(5), size=4)
    p[0, 2] = 0.0  # a zero probability contributes 0 (torch's gradient for it is NaN: not compared)
    _compare(lambda a, b: F.kl_div(a, b, reduction=reduction),
             lambda a, b: TF.kl_div(a, b, reduction=reduction), [log_q, p], [True, False], rng)
    # the target's gradient where every probability is positive
    _compare(lambda a, b: F.kl_div(a, b, reduction=reduction),
             lambda a, b: TF.kl_div(a, b, reduction=reduction), [log_q[1:], p[1:]], [False, True], rng)
    log_p = np.log(rng.dirichlet(np.ones(5), size=4))
    _compare(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=True),
             lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=True), [log_q, log_p],
             [True, True], rng)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.4])
def test_embedding_and_ranking_losses(reduction: str, margin: float, rng: np.random.Generator) -> None:
    a, b = rng.standard_normal((6, 4)), rng.standard_normal((6, 4))
    y = np.array([1, -1, 1, -1, -1, 1])
    _compare(lambda u, v: F.cosine_embedding_loss(u, v, y, margin=margin, reduction=reduction),
             lambda u, v: TF.cosine_embedding_loss(u, v, torch.from_numpy(y), margin=margin,
                                                   reduction=reduction),
             [a, b], [True, True], rng)
    s1, s2 = rng.standard_normal(6), rng.standard_normal(6)
    _compare(lambda u, v: F.margin_ranking_loss(u, v, y, margin=margin, reduction=reduction),
             lambda u, v: TF.margin_ranking_loss(u, v, torch.from_numpy(y.astype(np.float64)), margin=margin,
                                                 reduction=reduction),
             [s1, s2], [True, True], rng)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: F.cross_entropy(ag.ones(2, 3), [0, 5]), ValueError,
         r"cross_entropy: labels must be in \[0, 3\)"),
        (lambda: F.cross_entropy(ag.ones(2, 3), [0, 1], weight=[1.0, 2.0]), ValueError,
         r"cross_entropy: weight of shape \(2,\) does not fit 3 classes"),
        (lambda: F.cross_entropy(ag.ones(2, 3), [0, 1], label_smoothing=1.5), ValueError,
         "cross_entropy: label_smoothing must be in"),
        (lambda: F.nll_loss(ag.ones(2, 3), [0, 1, 2]), ValueError, r"nll_loss: labels of shape \(3,\)"),
        (lambda: F.binary_cross_entropy_with_logits(ag.ones(2, 3), np.ones((2, 3)), pos_weight=[1.0, 2.0]),
         ValueError, r"binary_cross_entropy_with_logits: pos_weight of shape \(2,\)"),
        (lambda: F.huber_loss(ag.ones(3), np.ones(3), delta=0.0), ValueError, "huber_loss: delta"),
        (lambda: F.l1_loss(ag.ones(3), np.ones(2)), ValueError, r"l1_loss: input of shape \(3,\)"),
        (lambda: F.kl_div(ag.ones(3), np.ones(3), reduction="avg"), ValueError, "kl_div: reduction"),
        (lambda: F.cosine_embedding_loss(ag.ones(2, 3), ag.ones(2, 3), [1, 0]), ValueError,
         "cosine_embedding_loss: target values must be 1 or -1"),
        (lambda: F.cosine_embedding_loss(ag.ones(2, 3), ag.ones(3, 3), [1, 1]), ValueError,
         r"cosine_embedding_loss: inputs of shapes \(2, 3\) and \(3, 3\)"),
        (lambda: F.margin_ranking_loss(ag.ones(3), ag.ones(2), np.ones(3)), ValueError,
         "margin_ranking_loss: inputs of shapes"),
    ],
    ids=["ce-label", "ce-weight", "ce-smoothing", "nll-shape", "pos-weight", "huber", "l1", "kl", "cos-y",
         "cos-shape", "ranking"],
)
def test_loss_errors(call: Callable[[], Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        call()
