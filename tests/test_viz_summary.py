"""Large graphs are summarised into a readable picture, never refused; nothing recurses."""

from __future__ import annotations

import re
import sys
import time

import numpy as np
import pytest

import autograd as ag
from autograd.viz.graph import build_graph
from autograd.viz.summary import summarise


def node_ids(dot: str) -> list[str]:
    found = re.findall(r"^\s*(\w+) \[", dot, flags=re.M)
    return [i for i in found if i not in ("node", "edge", "graph")]


def chain(n_ops: int) -> tuple[ag.Tensor, ag.Tensor]:
    """x -> tanh -> mul 0.9 -> tanh -> ...: n_ops ops (2 graph nodes each, plus constants)."""
    x = ag.tensor(0.5, requires_grad=True, name="x")
    y = x
    for i in range(n_ops // 2):
        y = y.tanh() * 0.9 if i % 2 == 0 else (y * 0.9).tanh()
    return x, y


def test_small_graph_is_drawn_whole() -> None:
    _, y = chain(20)
    dot = ag.to_dot(y)
    assert "..." not in dot
    assert len(node_ids(dot)) == len(build_graph(y).nodes)


def test_10000_node_chain_is_folded_and_keeps_both_ends() -> None:
    _, y = chain(4000)  # 4,000 ops, 4,000 tensors, 2,000 constants: > 10,000 nodes
    n = len(build_graph(y).nodes)
    assert n > 10_000
    start = time.perf_counter()
    pic = ag.draw(y, roll=False)  # a summary, not a roll-up
    assert time.perf_counter() - start < 5
    dot = pic.source
    assert pic.node_count <= 200
    assert "long chains folded" in dot
    folded = re.search(r"\.\.\. ([\d,]+) nodes \.\.\.<BR/>([\d,]+) ops: ([\d,]+) (\w+), ([\d,]+) (\w+)", dot)
    assert folded is not None
    assert {folded.group(4), folded.group(6)} == {"mul", "tanh"}
    assert "<B>x</B>" in dot  # the input end
    root_id = build_graph(y).nodes[-1].id
    assert f"{root_id} [" in dot  # the output end
    # kept + folded = all
    kept = len([i for i in node_ids(dot) if not i.startswith("f")])
    assert kept + int(folded.group(1).replace(",", "")) == n


def test_max_nodes_none_draws_everything() -> None:
    _, y = chain(300)
    assert len(node_ids(ag.to_dot(y, max_nodes=None, roll=False))) == len(build_graph(y).nodes)


def test_wide_graph_keeps_a_few_inputs_and_folds_the_rest() -> None:
    xs = [ag.tensor(float(i), requires_grad=True) for i in range(5000)]
    out = ag.stack([x * 2.0 for x in xs]).sum()  # 15,000+ nodes, all at distance 4 from the root
    pic = ag.draw(out, roll=False)
    dot = pic.source
    assert pic.node_count <= 200
    assert "stack" in dot
    m = re.search(r"\.\.\. ([\d,]+) nodes \.\.\.<BR/>([\d,]+) ops: ([\d,]+) mul", dot)
    assert m is not None
    assert int(m.group(3).replace(",", "")) == 5000 - 5  # 4 first + 1 last inputs are shown
    assert "edges" in dot  # the folded inputs' edges are merged into one, with their count


def test_long_python_sum_spine_is_cut_near_the_output() -> None:
    w = ag.tensor(np.ones(2), requires_grad=True, name="w")
    total = w * 0.0
    for i in range(3000):
        total = total + w * float(i)
    pic = ag.draw(total.sum(), max_nodes=80, roll=False)
    assert pic.node_count <= 80
    assert "the rest folded" in pic.source
    assert "<B>w</B>" in pic.source  # w feeds the ops nearest the output, so it stays


def test_modules_are_collapsed_first_when_too_big() -> None:
    x = ag.tensor(np.ones(3), requires_grad=True, name="x")
    h = x
    for k in range(10):
        with ag.scope(f"block{k}"):
            for _ in range(20):
                h = (h * 1.01).tanh()
    out = h.sum()
    pic = ag.draw(out, max_nodes=50, roll=False)
    assert "modules collapsed" in pic.source
    assert pic.source.count("box3d") == 10
    assert "block3<BR/>40 ops: 20 mul, 20 tanh" in pic.source
    # collapse=False: never collapse, fold chains instead
    kept = ag.draw(out, max_nodes=50, collapse=False, roll=False)
    assert "box3d" not in kept.source
    assert kept.node_count <= 50


def test_summary_groups_partition_the_graph() -> None:
    xs = [ag.tensor(float(i), requires_grad=True) for i in range(300)]
    out = ag.stack([(x * 2.0).exp() for x in xs]).sum()
    g = build_graph(out)
    for limit in (10, 40, 150):
        v = summarise(g, limit)
        assert v.size() <= limit
        members = [n for grp in v.groups for n in grp.members]
        assert len(members) == len(set(members))
        kept = [n for n in range(len(g.nodes)) if v.group_of[n] < 0]
        assert len(kept) + len(members) == len(g.nodes)
        assert g.root in kept


def test_highlight_survives_summarising() -> None:
    x, y = chain(3000)
    dot = ag.to_dot(y, highlight=x)
    assert dot.count('color="#d62728"') >= 5
    assert re.search(r'f\d+ \[[^\]]*color="#d62728"', dot)  # the folded middle is on the path


@pytest.mark.slow
def test_100000_deep_chain_to_dot_and_text_without_recursion() -> None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # anything recursive over the graph would fail at once
    try:
        x = ag.tensor(0.1, requires_grad=True, name="x")
        y = x
        for _ in range(100_000):
            y = y * 1.0
        dot = ag.to_dot(y, max_nodes=100, roll=False)
        assert len(node_ids(dot)) <= 100
        assert "99,99" in dot  # the folded count
        text = ag.render_text(y, max_lines=None)
        assert text.count("\n") >= 100_000
        assert text.splitlines()[-1].startswith("x  (parameter)")
        short = ag.render_text(y)  # default cap of 1,000 lines
        assert "more tensors not shown" in short.splitlines()[-1]
    finally:
        sys.setrecursionlimit(limit)
