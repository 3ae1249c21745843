"""Sums drawn as one: a loop's ``total = total + x*x`` (or ``sum(xs)``) is one Σ node with an
edge from each term, each term receiving the output's gradient unchanged; partial sums are named
in one style along the chain, never by an id."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
from autograd.viz.graph import build_graph
from autograd.viz.labels import fmt_array
from autograd.viz.sums import find_sums

ID = re.compile(r"^t\d+$")


def squares(n: int = 6, scale: float = 1.0) -> tuple[ag.Tensor, ag.Tensor, list[ag.Tensor]]:
    """The learner's loop: total = 0; for x in xs: total = total + x*x; loss = total * scale."""
    xs = [ag.tensor(float(i) + 1, requires_grad=True, name=f"x{i}") for i in range(n)]
    total: ag.Tensor | int = 0
    for x in xs:
        total = total + x * x
    assert isinstance(total, ag.Tensor)
    total.name = "total"
    loss = total * scale
    loss.name = "loss"
    loss.backward()
    return loss, total, xs


def _labels(dot: str) -> dict[str, str]:
    """node id -> its label text (HTML tags dropped)."""
    out = {}
    for m in re.finditer(r"^\s*(\w+) \[label=<(.*?)> ", dot, flags=re.M):
        out[m.group(1)] = re.sub(r"<[^>]+>", " ", m.group(2))
    return out


def _edges(dot: str) -> list[tuple[str, str, str]]:
    """(src, dst, attributes) of every edge."""
    return re.findall(r"^\s*(\w+) -> (\w+) \[(.*)\]$", dot, flags=re.M)


def test_a_loop_sum_is_one_sum_node_with_an_edge_from_each_term() -> None:
    _loss, total, _xs = squares(6)
    dot = ag.to_dot(total)
    labels = _labels(dot)
    sums = [k for k in labels if k.startswith("s")]
    assert sums == ["s0"]
    assert "Σ  6 terms" in labels["s0"]
    assert "x0*x0 + x1*x1 + … + x5*x5" in labels["s0"]
    # no add is drawn on its own: the only op nodes left are the six squares
    ops = [k for k in labels if k.startswith("op")]
    assert sorted(labels[k].strip() for k in ops) == sorted(f"x{i}*x{i}" for i in range(6))
    into = [src for src, dst, _ in _edges(dot) if dst == "s0"]
    out = [dst for src, dst, _ in _edges(dot) if src == "s0"]
    assert len(into) == 6
    assert len(set(into)) == 6
    assert out == [build_graph(total).nodes[build_graph(total).root].id]
    # every term record shows d total / d term = the output's gradient, unchanged
    g = build_graph(total)
    for src in into:
        term = next(nd for nd in g.nodes if nd.id == src)
        assert term.tensor is not None
        assert term.tensor._ctx is not None
        assert "grad 1" in labels[src]
    assert "6 adds drawn as one sum (fold_sums=False draws every add)" in dot


def test_the_backward_view_shows_each_term_receiving_the_outputs_gradient() -> None:
    loss, _total, xs = squares(5, scale=3.0)  # d loss / d total = 3: every term receives 3
    dot = ag.to_dot(loss, view="backward")
    labels = _labels(dot)
    assert "AddBackward x 5: a sum of 5 terms" in labels["s0"]
    assert "d/d(each term) = 1" in labels["s0"]
    assert "total = x0*x0 + x1*x1 + x2*x2 + x3*x3 + x4*x4" in labels["s0"]
    edges = [(s, d, a) for s, d, a in _edges(dot) if d == "s0" or s == "s0"]
    terms = [a for s, d, a in edges if d == "s0"]
    assert len(terms) == 5
    # the gradient each term's edge carries is the engine's d loss / d term: 3 for all
    products = [x * x for x in xs]  # the same values, to ask the engine (a fresh graph)
    fresh = 3.0 * sum(products[1:], products[0])
    engine = ag.grad(fresh, products)
    for i, a in enumerate(terms):
        assert f"dloss/d(x{i}*x{i}) = 3" in a
        assert float(engine[i].data) == 3.0
    # and the output's gradient enters the sum: d loss / d total = 3
    assert [a for s, d, a in edges if s == "s0" and "dloss/dtotal = 3" in a]


def test_fold_sums_false_draws_every_add() -> None:
    _, total, _ = squares(6)
    dot = ag.to_dot(total, fold_sums=False)
    assert "s0" not in dot
    assert "Σ" not in dot
    assert "fold_sums" not in dot
    labels = _labels(dot)
    adds = [v.strip() for k, v in labels.items() if k.startswith("op") and "*" in v and "+" in v]
    adds += [v.strip() for k, v in labels.items() if k.startswith("op") and v.strip() == "+"]
    assert len(adds) == 6


def test_partial_sums_are_named_in_one_style_never_by_an_id() -> None:
    _, total, _ = squares(6)
    dot = ag.to_dot(total, fold_sums=False)
    ops = [v.strip() for k, v in _labels(dot).items() if k.startswith("op") and "+" in v]
    assert ops == ["0 + x0*x0", "0 + x0*x0 + x1*x1", "… + x2*x2", "… + x3*x3", "… + x4*x4",
                   "+"]  # the last makes `total`, named in its record
    g = build_graph(total)
    assert not [nd.name for nd in g.nodes if nd.tensor is not None and ID.match(nd.name)]
    text = ag.render_text(total, show_values=False)
    assert not re.search(r"\bt\d+\b", text)
    # a chain of long terms: shortened from the start, and all along
    ws = [ag.tensor(1.0, requires_grad=True, name=f"weight{i}") for i in range(12)]
    acc = ws[0] * 2.0
    for w in ws[1:]:
        acc = acc + w * 2.0
    g2 = build_graph(acc)
    names = [g2.nodes[n].name for n in g2.tensor_nodes()
             if (op := g2.op_of(n)) is not None and g2.nodes[op].ctx.op_name() == "add"]  # type: ignore[union-attr]
    assert names[-1] == "acc"  # the variable
    assert names[:-1] == [f"… + weight{i}*2" for i in range(1, 11)]
    assert not [n for n in names if ID.match(n)]


def test_builtin_sum_of_leaves_is_one_sum_not_a_rolled_up_loop() -> None:
    xs = [ag.tensor(float(i), requires_grad=True) for i in range(8)]
    s = sum(xs)
    assert isinstance(s, ag.Tensor)
    s.backward()
    dot = ag.to_dot(s)
    assert "repeats drawn" not in dot
    assert "next step" not in dot
    into = [src for src, dst, _ in _edges(dot) if dst == "s0"]
    assert len(into) == 8
    assert "xs[0] + xs[1] + … + xs[7]" in _labels(dot)["s0"]
    # a term added three times has three edges, each with its own id
    y = ag.tensor(2.0, requires_grad=True, name="y")
    acc = y + y
    for _ in range(2):
        acc = acc + y
    acc.backward()
    ydot = ag.to_dot(acc)
    ids = re.findall(r"^\s*t0 -> s0 \[id=(\w+)", ydot, flags=re.M)
    assert len(ids) == 4
    assert len(set(ids)) == 4
    # the data emitter (what pages read) has the same ids, and the sum's terms
    from autograd.viz.data import scene_data
    from autograd.viz.view import decide

    data = scene_data(decide(build_graph(acc)))
    assert [e["id"] for e in data["edges"] if e["dst"] == "s0"] == ids
    assert next(n for n in data["nodes"] if n["id"] == "s0")["terms"] == ["y"] * 4
    assert y.grad is not None
    assert float(y.grad.data) == 4.0


def test_what_is_not_folded() -> None:
    xs = [ag.tensor(float(i), requires_grad=True, name=f"x{i}") for i in range(5)]
    # a partial sum the person kept (a variable of theirs) is a value of its own
    partial = xs[0] + xs[1] + xs[2]
    total = partial + xs[3] + xs[4]
    chains = find_sums(build_graph(total))
    assert [len(c.terms) for c in chains] == []  # two adds on each side of `partial`: too few
    dot = ag.to_dot(total)
    assert "<B>partial</B>" in dot
    # a partial sum read twice is not folded into the sum
    a = xs[0] + xs[1]
    twice = a + xs[2] + xs[3] + a * 2.0
    del a
    assert all(len(c.ops) < 4 for c in find_sums(build_graph(twice)))
    # a broadcast term: its gradient is summed, not the output's unchanged
    row = ag.tensor(np.ones(3), requires_grad=True, name="row")
    one = ag.tensor(1.0, requires_grad=True, name="one")
    mixed = row + one + row + row
    assert find_sums(build_graph(mixed)) == []
    # subtraction in the chain: the adds on either side are too short to fold
    sub = xs[0] + xs[1] - xs[2] + xs[3] - xs[4]
    assert find_sums(build_graph(sub)) == []
    assert "-" in ag.to_dot(sub)


def test_a_recurrent_cell_with_a_loss_per_step_still_rolls_up() -> None:
    rng = np.random.default_rng(0)
    w_in = ag.tensor(rng.normal(size=(3, 4)) * 0.3, requires_grad=True, name="W")
    w_h = ag.tensor(rng.normal(size=(4, 4)) * 0.3, requires_grad=True, name="U")
    h = ag.tensor(np.zeros((1, 4)))
    loss = ag.tensor(0.0)
    for _ in range(12):
        h = (ag.tensor(rng.normal(size=(1, 3))) @ w_in + h @ w_h).tanh()
        loss = loss + (h * h).sum()
    loss.backward()
    dot = ag.to_dot(loss)
    assert "repeats drawn" in dot  # the state h makes it a loop, not a sum of independent terms


@pytest.mark.slow
def test_a_100000_term_sum_folds_without_recursion() -> None:
    xs = [ag.tensor(1.0, requires_grad=True) for _ in range(100_000)]
    s = sum(xs[1:], xs[0])
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # any recursion over the chain would fail at once
    try:
        t0 = time.perf_counter()
        g = build_graph(s, names={})
        chains = find_sums(g)
        took = time.perf_counter() - t0
        dot = ag.to_dot(s)
    finally:
        sys.setrecursionlimit(limit)
    assert len(chains) == 1
    assert len(chains[0].terms) == 100_000
    assert len(chains[0].ops) == 99_999
    assert took < 60  # linear: about 4 s here (a quadratic pass would take hours)
    assert "Σ  100000 terms" in dot
    assert "the rest folded" in dot  # 100,000 edges into one node: the budget keeps a few


def test_the_explorer_keeps_every_add_and_names_them(tmp_path: Path) -> None:
    from autograd.viz.explorer import page_data

    _, total, _ = squares(6)
    data = page_data(ag.trace_backward(total))
    names = [n["name"] for n in data["nodes"] if n["kind"] == "t"]
    assert not [n for n in names if ID.match(n)]
    assert "… + x4*x4" in names
    assert sum(1 for n in data["nodes"] if n["kind"] == "o" and n["name"] == "add") == 6
    # a sum of leaves is no rolled-up loop in the page either
    xs = [ag.tensor(float(i), requires_grad=True) for i in range(8)]
    s = sum(xs)
    assert isinstance(s, ag.Tensor)
    assert not [gr for gr in page_data(ag.trace_backward(s))["groups"] if gr["kind"] == "roll"]
    page = Path(ag.explore(total).save(tmp_path / "sum.html"))
    assert page.read_text(encoding="utf-8").count("… + x3*x3") >= 1


@pytest.mark.slow
def test_the_explorer_steps_through_a_loop_sum_in_a_browser(tmp_path: Path) -> None:
    from test_viz_explorer import BROWSER, probe

    if BROWSER is None:
        pytest.skip("no headless Chromium here (CI installs it)")
    _, total, xs = squares(4)
    tr = ag.trace_backward(total)
    page = Path(ag.explore(total).save(tmp_path / "sum.html"))
    n = len(tr.steps)
    out = probe(page, f"explorer.show({n - 1}); out.grads = grads();"
                      "out.status = document.getElementById('status').textContent;")
    assert out["status"] == f"Step {n} of {n}"
    g = tr.model
    for x in xs:  # every term's parameter ends with the engine's gradient, 2 x
        node = g.nodes[g.node_of(x)]  # type: ignore[index]
        assert x.grad is not None
        assert out["grads"][node.id] == fmt_array(x.grad.data)


def test_the_sum_node_lists_its_terms_when_that_says_something() -> None:
    from autograd.viz.sums import sum_text

    assert sum_text(["a", "b", "c"]) == "a + b + c"
    assert sum_text([f"x{i}*x{i}" for i in range(6)]) == "x0*x0 + x1*x1 + … + x5*x5"
    assert sum_text([f"loss_of_sample_{i}" for i in range(6)]) == "loss_of_sample_0 + … + loss_of_sample_5"
    assert sum_text([f"a_very_long_name_of_the_term_{i}" for i in range(6)]) == ""  # the count only
    assert sum_text(["…**2"] * 8) == ""  # terms that all read alike say no more than the count


def test_explain_writes_the_stretch_through_a_sum_as_one_factor() -> None:
    loss, _, xs = squares(6, scale=3.0)
    ex = ag.explain(loss, xs[1])
    assert ex.matches
    assert float(ex.total) == 3.0 * 2 * 2.0  # d(3 * sum x_i^2)/dx1 = 3 * 2 * x1
    text = str(ex)
    assert "total = x0*x0 + x1*x1 + … + x5*x5 = 91  (6 terms, 6 adds)" in text
    assert "Path 1: x1 -> (x1*x1) -> total -> loss" in text
    assert text.count("dtotal/d(x1*x1) = 1  (x1*x1 is a term of total: each of the 5 adds") == 2
    assert "product: (3) × (1) × (2) = 6" in text
    assert "… + x3*x3" not in text  # no partial sum is written out
    # the numbers are the engine's, add by add, either way; fold_sums=False writes every add
    assert [len(p.edges) for p in ex.paths] == [7, 7]  # loss, 5 adds, x1*x1
    unfolded = str(ag.explain(loss, xs[1], fold_sums=False))
    assert "d(… + x3*x3)/d(… + x2*x2) = " in unfolded
    assert unfolded.count("\n") > text.count("\n") + 8
