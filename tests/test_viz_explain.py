"""`explain`: the sum over paths of the products of local derivatives equals the gradient."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag


def named(value: float, name: str, requires_grad: bool = True) -> ag.Tensor:
    return ag.tensor(value, requires_grad=requires_grad, name=name)


def notebook_network() -> dict[str, ag.Tensor]:
    """The course notebook's 2-2-1 sigmoid network, built from named scalars.

    Feedforward: h_j = sigmoid(W1j x1 + W2j x2), y_hat = sigmoid(W31 h1 + W32 h2);
    error E = -y ln(y_hat) - (1 - y) ln(1 - y_hat) (the notebook's cross-entropy).
    W_ij joins input i to hidden unit j; W31, W32 join the hidden units to the output.
    """
    t = {
        "x1": named(0.4, "x1", False),
        "x2": named(0.6, "x2", False),
        "y": named(1.0, "y", False),
        "W11": named(0.5, "W11"),
        "W12": named(-0.3, "W12"),
        "W21": named(0.8, "W21"),
        "W22": named(0.1, "W22"),
        "W31": named(1.2, "W31"),
        "W32": named(-0.7, "W32"),
    }

    def keep(x: ag.Tensor, name: str) -> ag.Tensor:
        x.name = name
        t[name] = x
        return x

    z1 = keep(t["W11"] * t["x1"] + t["W21"] * t["x2"], "z1")
    z2 = keep(t["W12"] * t["x1"] + t["W22"] * t["x2"], "z2")
    h1 = keep(z1.sigmoid(), "h1")
    h2 = keep(z2.sigmoid(), "h2")
    z3 = keep(t["W31"] * h1 + t["W32"] * h2, "z3")
    y_hat = keep(z3.sigmoid(), "y_hat")
    y = t["y"]
    keep(-(y * y_hat.log()) - (1.0 - y) * (1.0 - y_hat).log(), "E")
    return t


def test_notebook_derivation_of_de_dw11() -> None:
    t = notebook_network()
    err, w11 = t["E"], t["W11"]
    ex = ag.explain(err, w11)
    err.backward()
    # by hand, as the notebook: dE/dW11 = dE/dy_hat * dy_hat/dz3 * dz3/dh1 * dh1/dz1 * dz1/dW11
    yh, h1 = t["y_hat"].item(), t["h1"].item()
    derr_dyhat = -1.0 / yh  # y = 1
    by_hand = derr_dyhat * yh * (1 - yh) * t["W31"].item() * h1 * (1 - h1) * t["x1"].item()
    assert w11.grad is not None
    assert float(ex.total) == pytest.approx(w11.grad.item(), rel=1e-12)
    assert float(ex.total) == pytest.approx(by_hand, rel=1e-12)
    assert ex.matches
    # y_hat feeds E twice (ln y_hat and ln(1 - y_hat)): two paths, summed
    assert len(ex.paths) == 2
    assert all(p.scalar for p in ex.paths)
    for p in ex.paths:
        prod = np.prod([float(e.local) for e in p.edges])
        assert float(p.product) == pytest.approx(prod, rel=1e-12)
    assert [x.name for x in ex.paths[0].tensors][:4] == ["W11", None, "z1", "h1"]
    text = str(ex)
    assert "dE/dW11 by the chain rule: 2 paths from W11 to E." in text
    assert "h1 = sigmoid(z1) = " in text  # the feedforward recap
    # Formulas in the operands' own names, never the op's letters (x, y, s would clash here).
    assert "dh1/dz1 = d sigmoid(z1)/dz1 = h1*(1-h1) = " in text
    assert "dy_hat/dz3 = d sigmoid(z3)/dz3 = y_hat*(1-y_hat) = " in text
    # W11*x1 is called by its expression: written once (not d(W11*x1)/dW11 = d(W11 * x1)/dW11)
    assert "d(W11*x1)/dW11 = x1 = 0.4" in text
    assert "d(W11 * x1)" not in text
    assert "= 1 = 1" not in text  # the adds: a formula that is its value, written once
    assert "dz1/d(W11*x1) = d(W11*x1 + W21*x2)/d(W11*x1) = 1\n" in text
    assert "log(y_hat) = log(y_hat)" not in text  # the recap: a tensor called by its call
    assert "  log(y_hat) = -0.490536\n" in text
    assert "d(log(y_hat))/dy_hat = 1/y_hat" in text
    assert "product: (" in text
    assert "Sum over the 2 paths: dE/dW11 = " in text
    assert "ag.grad(E, W11) = " in text
    assert ": matches." in text
    assert "W11.grad (from backward) = " in text or "matches" in text


def test_every_weight_of_the_notebook_network() -> None:
    t = notebook_network()
    err = t["E"]
    report = {w: ag.explain(err, t[w]) for w in ("W11", "W12", "W21", "W22", "W31", "W32")}
    err.backward()
    for w, ex in report.items():
        g = t[w].grad
        assert g is not None
        assert ex.matches, w
        assert float(ex.total) == pytest.approx(g.item(), rel=1e-12), w


def test_diamond_and_reuse_sum_over_all_paths() -> None:
    x = named(0.7, "x")
    a = x.exp()
    b = x * x  # two edges from x into one op: two paths
    out = a * b + x
    ex = ag.explain(out, x)
    assert len(ex.paths) == 4  # via a, via b's two inputs, directly
    (g,) = ag.grad(out, x)
    assert float(ex.total) == pytest.approx(float(g.data), rel=1e-12)
    assert sum(float(p.contribution) for p in ex.paths) == pytest.approx(float(g.data))
    assert ex.matches


def test_broadcasting_and_vectors_use_vector_jacobian_products() -> None:
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.normal(size=(4, 3)), name="x")
    w = ag.tensor(rng.normal(size=(3, 2)), requires_grad=True, name="w")
    b = ag.tensor(rng.normal(size=(2,)), requires_grad=True, name="b")
    h = (x @ w + b).tanh()
    loss = (h * h).mean()
    for p in (w, b):
        ex = ag.explain(loss, p)
        (g,) = ag.grad(loss, p, retain_graph=True)
        assert ex.total.shape == p.shape
        np.testing.assert_allclose(ex.total, g.data, rtol=1e-12)
        assert ex.matches
        assert len(ex.paths) == 2  # h * h
        assert not ex.paths[0].scalar
    text = str(ag.explain(loss, b))
    assert "vector-Jacobian" in text
    assert "gradient passed down to b" in text


def test_a_two_layer_mlp_with_matmul_has_one_path_per_route() -> None:
    rng = np.random.default_rng(1)
    x = ag.tensor(rng.normal(size=(5, 2)))
    w1 = ag.tensor(rng.normal(size=(2, 4)), requires_grad=True, name="w1")
    w2 = ag.tensor(rng.normal(size=(4, 1)), requires_grad=True, name="w2")
    out = ((x @ w1).sigmoid() @ w2).sigmoid().sum()
    for p in (w1, w2):
        ex = ag.explain(out, p)
        (g,) = ag.grad(out, p, retain_graph=True)
        np.testing.assert_allclose(ex.total, g.data, rtol=1e-12)
        assert len(ex.paths) == 1


def test_non_scalar_output_needs_a_gradient() -> None:
    x = named(2.0, "x")
    y = ag.stack([x * 2.0, x.exp()])
    with pytest.raises(ValueError, match="gradient="):
        ag.explain(y, x)
    ex = ag.explain(y, x, gradient=np.array([1.0, 3.0]))
    assert float(ex.total) == pytest.approx(2.0 + 3 * np.exp(2.0))
    assert ex.matches


def test_unrelated_input_gives_zero_and_says_so() -> None:
    x, z = named(1.0, "x"), named(2.0, "z")
    y = x.exp()
    ex = ag.explain(y, z)
    assert ex.paths == []
    assert float(ex.total) == 0
    assert ex.matches
    assert "does not depend on z" in str(ex)


def test_output_itself() -> None:
    x = named(1.5, "x")
    ex = ag.explain(x, x)
    assert len(ex.paths) == 1
    assert ex.paths[0].edges == []
    assert float(ex.total) == 1.0


def test_too_many_paths_is_a_clear_error() -> None:
    x = named(1.0, "x")
    h = x
    for _ in range(12):
        h = h * h  # 2^12 paths
    with pytest.raises(ValueError, match=r"there are 4,096 paths from x to .* max_paths=1,000"):
        ag.explain(h, x)
    assert len(ag.explain(h, x, max_paths=5000).paths) == 4096


def test_after_a_plain_backward_the_graph_is_replayed() -> None:
    x = named(1.0, "x")
    y = (x * 2.0).exp()
    y.backward()
    ex = ag.explain(y, x)  # released nodes are recomputed from their inputs
    assert ex.matches
    assert float(ex.total) == pytest.approx(2.0 * np.exp(2.0))
    with ag.no_grad():
        x += 1.0  # the inputs changed since: the released values cannot be recomputed
    with pytest.raises(ag.AutogradError, match=r"retain_graph=True"):
        ag.explain(y, x)
    x2 = named(1.0, "x")
    y2 = (x2 * 2.0).exp()
    y2.backward(retain_graph=True)
    ex = ag.explain(y2, x2)
    assert ex.matches
    assert "x.grad (from backward) = " in str(ex)
    assert "matches." in str(ex)


def test_wrt_without_grad_is_an_error() -> None:
    x = ag.tensor(1.0)
    with pytest.raises(ValueError, match="does not require grad"):
        ag.explain(x * 2, x)


def test_deep_chain_has_one_long_path() -> None:
    x = named(0.3, "x")
    y = x
    for _ in range(3000):
        y = (y * 1.0001).sin()
    ex = ag.explain(y, x)
    assert len(ex.paths) == 1
    assert len(ex.paths[0].edges) == 6000
    assert ex.matches


def test_a_formula_that_is_already_its_value_is_written_once() -> None:
    x = ag.tensor(0.5, requires_grad=True, name="x")
    y = ag.tensor(2.0, requires_grad=True, name="y")
    z = x + y
    z.name = "z"
    report = str(ag.explain(z, x))
    assert "  dz/dx = d(x + y)/dx = 1\n" in report, report  # was "= 1 = 1"
    assert "= 1 = 1" not in report
    # a tensor called by its expression is differentiated once: d(x*y)/dx = y = 2
    report = str(ag.explain((x * y).exp(), x))
    assert "  d(x*y)/dx = y = 2\n" in report, report
    assert "d(x * y)/dx" not in report
    assert "  x*y = mul(x, y) = 1\n" in report  # the recap keeps the op's call form
    # the backward picture and the trace say the same
    z.backward()
    dot = ag.to_dot(z, view="backward")
    assert "d/dx = 1<BR/>" in dot
    assert "= 1 = 1" not in dot
    table = ag.trace_backward(z).table()
    assert "dz/dx = d(x + y)/dx = 1  " in table
    # an array's values say more than the formula (the shape the gradient takes): both stay
    v = ag.tensor([0.5, 1.5], requires_grad=True, name="v")
    s = (v + 1.0).sum()
    assert "d(v + 1)/dv = 1 = [1, 1]" in str(ag.explain(s, v))


def test_an_operand_that_is_a_formulas_whole_argument_is_bracketed_once() -> None:
    x = ag.tensor(0.5, requires_grad=True, name="x")
    y = ag.tensor(2.0, requires_grad=True, name="y")
    report = str(ag.explain((x * y).exp(), x))
    assert "= exp(x*y) = 2.71828" in report, report  # was exp((x*y))
    assert "((" not in report
    report = str(ag.explain((x * y).sqrt(), x))
    assert "1/(2*sqrt(x*y))" in report, report
    # brackets that group stay: (x*y)^((x + y)-1)
    report = str(ag.explain((x * y) ** (x + y), x))
    assert "(x + y)*(x*y)^((x + y)-1)" in report, report


def test_a_rule_with_the_upstream_in_it_shows_the_gradient_it_passes_not_a_sum_over_ones() -> None:
    # Through x @ W with an output of several elements, the rule is G @ W^T: applied to ones it
    # gives W's row sums, which no reader could check against anything. The line ends at the
    # rule; the next line gives the gradient it passes down (checked against the engine).
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((1, 2)), requires_grad=True, name="x")
    W = ag.tensor(rng.standard_normal((2, 3)), name="W")  # noqa: N806 - the weight matrix
    h = (x @ W).tanh()
    h.name = "h"
    out = h.sum()
    text = str(ag.explain(out, x))
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("d(x @ W)/dx"))
    ones_value = np.ones((1, 3)) @ W.data.T
    assert line.rstrip().endswith("@ W.T") or "@ W" in line.split("=")[-1], line
    assert f"{ones_value[0, 0]:.6g}" not in line
    down = text.splitlines()[text.splitlines().index(line) + 1]
    assert "passed down to x" in down
    (gx,) = ag.grad(out, x)
    assert f"{gx.data[0, 0]:.6g}" in down
    # An elementwise rule keeps its value: tanh's 1 - h^2.
    assert any("1-h^2" in ln.replace(" ", "") and "[[" in ln for ln in text.splitlines())
