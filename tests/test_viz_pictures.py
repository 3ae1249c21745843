"""Pictures a learner reads at a glance: legible at page width, gradients everywhere, compact
records, fused ops that say what they compute, repeats rolled up, the backward view's numbers."""

from __future__ import annotations

import re
import shutil
import struct
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest
from benchmarks.bench_viz import recurrent  # the 60-step cell the benchmark times, drawn here

import autograd as ag
import nn
from autograd.viz.render import ENV_VAR
from nn import functional


def _pure() -> str | None:
    found = shutil.which("graphviz-pure")
    for d in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        cand = Path(d) / "graphviz-pure"
        if found is None and cand.is_file():
            found = str(cand)
    return found


PURE = _pure()
needs_pure = pytest.mark.skipif(PURE is None, reason='graphviz-pure is not installed ("seegrad[viz]")')


def legibility(svg: str, shown: float = 800.0) -> tuple[float, float, float]:
    """(width, height, smallest text height in px) of an SVG shown `shown` px wide."""
    m = re.search(r'viewBox="[\d.\-]+ [\d.\-]+ ([\d.]+) ([\d.]+)"', svg)
    assert m is not None
    w, h = float(m.group(1)), float(m.group(2))
    sizes = [float(x) for x in re.findall(r'font-size="([\d.]+)"', svg)]
    return w, h, min(sizes) * min(1.0, shown / w)


def course_network() -> tuple[ag.Tensor, ag.Tensor]:
    from demos.nb5_backprop import network

    err, p = network()
    err.backward(retain_graph=True)
    return err, p["W11"]


def moons_graph() -> ag.Tensor:
    model = nn.MLP(2, [16, 16, 1], activation="relu", rng=0)
    x = ag.tensor([[0.5, -0.2]], name="x")
    loss = functional.binary_cross_entropy_with_logits(model(x).reshape(-1), np.array([1.0]))
    loss.backward()
    return loss


@needs_pure
@pytest.mark.parametrize("which", ["course", "moons"])
def test_default_pictures_are_legible_at_800_px(which: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert PURE is not None
    monkeypatch.setenv(ENV_VAR, PURE)
    pic = ag.draw(course_network()[0]) if which == "course" else ag.draw(moons_graph())
    svg = pic.pipe("svg", encoding="utf-8")
    assert isinstance(svg, str)
    w, h, px = legibility(svg)
    assert px >= 9.0, f"smallest text {px:.1f} px at 800 px wide ({w:.0f} x {h:.0f})"
    assert w / h <= 3.0, f"{w:.0f} x {h:.0f} is wider than 3:1"


def test_orientation_follows_the_graph_and_rankdir_overrides() -> None:
    err, _ = course_network()
    assert "rankdir=TB" in ag.to_dot(err)  # a deep graph: top to bottom
    assert "rankdir=LR" in ag.to_dot(err, rankdir="LR")
    xs = [ag.tensor(float(i), requires_grad=True) for i in range(8)]
    assert "rankdir=LR" in ag.to_dot(ag.stack(xs).sum())  # wide and shallow: left to right


def test_scalars_are_one_line_records_and_ids_only_when_asked() -> None:
    w1 = ag.tensor(0.5, requires_grad=True)
    x1 = ag.tensor(0.4)
    h1 = (w1 * x1).sigmoid()
    h1.backward()
    dot = ag.to_dot(h1)
    assert "() float64" not in dot
    assert "<TR><TD><B>w1</B></TD><TD>data 0.5</TD><TD><FONT COLOR" in dot
    assert "(t0)" not in dot
    assert "w1  (t0)" in ag.to_dot(h1, show_ids=True)
    arr = ag.tensor([1.0, 2.0], requires_grad=True)
    assert "(2,) float64" in ag.to_dot(arr * 2.0)


def test_every_tensor_shows_its_gradient_after_backward() -> None:
    err, _ = course_network()
    dot = ag.to_dot(err)
    # h1, s1, y_hat are intermediate: backward() stored nothing on them
    for name in ("h1", "s1", "y_hat", "h"):
        m = re.search(rf"<B>{name}</B></TD><TD>data [^<]*</TD><TD><FONT COLOR=\"#b03a2e\">grad ([^<]*)<", dot)
        assert m is not None, name
    s1 = re.search(r"<B>s1</B>.*?grad ([-\d.e]+)", dot)
    assert s1 is not None
    # d E / d s1 by the engine (the course's numbers)
    assert float(s1.group(1)) == pytest.approx(-0.51962, rel=1e-3)
    # before any backward: none
    a = ag.tensor(2.0, requires_grad=True)
    assert "grad" not in ag.to_dot(a * 3.0)


def test_fused_linear_says_what_it_computes() -> None:
    dot = ag.to_dot(moons_graph())
    assert "x @ W.T + b" in dot


def test_backward_view_labels_every_edge_with_its_gradient_and_local_values() -> None:
    x = ag.tensor(0.5, requires_grad=True)
    w = ag.tensor(-1.5, requires_grad=True)
    out = (x * w).tanh()
    out.backward()
    dot = ag.to_dot(out, view="backward")
    labels = re.findall(r"^\s*\w+ -> \w+ \[label=<([^>]*)>", dot, flags=re.M)
    edges = re.findall(r"^\s*\w+ -> \w+", dot, flags=re.M)
    assert len(labels) == len(edges)
    assert all(re.search(r"= -?[\d.]", lab) for lab in labels)
    t = np.tanh(-0.75)
    assert f"d/d(x*w) = 1-out^2 = {1 - t * t:.4g}" in dot
    assert "d/dx = w = -1.5" in dot


def test_recurrent_cell_is_rolled_up_with_one_edge_per_shared_weight() -> None:
    loss = recurrent(60)
    dot = ag.to_dot(loss)
    assert "x 59" in dot
    w_edges = re.findall(r"^\s*t0 -> ", dot, flags=re.M)  # W is t0
    assert 1 <= len(w_edges) <= 2
    assert "next step" in dot
    full = ag.to_dot(loss, roll=False, max_nodes=None, ghosts=False)
    assert len(re.findall(r"^\s*t0 -> ", full, flags=re.M)) == 60
    # unrolled, W is drawn once and read by a small copy at each other step
    ghosted = ag.to_dot(loss, roll=False, max_nodes=None)
    assert len(re.findall(r"^\s*t0 -> ", ghosted, flags=re.M)) == 1
    assert len(re.findall(r"^\s*t0_use\d+ -> ", ghosted, flags=re.M)) == 59


def _png_size(data: bytes) -> tuple[int, int]:
    w, h = struct.unpack(">II", data[16:24])
    return w, h


@pytest.mark.slow
@needs_pure
def test_recurrent_picture_size(monkeypatch: pytest.MonkeyPatch) -> None:
    assert PURE is not None
    monkeypatch.setenv(ENV_VAR, PURE)
    loss = recurrent(60)
    png = ag.draw(loss).pipe("png")
    assert isinstance(png, bytes)
    w, h = _png_size(png)
    assert max(w, h) <= 2500, (w, h)  # was 27,430 x 3,076 px before roll-ups


def shared_weight(uses: int = 20) -> ag.Tensor:
    """A weight read by `uses` ops that are no repeat (each power differs): nothing rolls up."""
    w = ag.tensor(0.5, requires_grad=True, name="w")
    xs = [ag.tensor(0.1 * k + 0.3) for k in range(uses)]
    loss = xs[0] * w
    for k in range(1, uses):
        loss = loss + (w * xs[k]) ** (k % 7 + 1)
    loss.backward()
    return loss


def test_a_shared_leaf_is_drawn_once_with_a_ghost_at_each_other_use() -> None:
    loss = shared_weight(20)
    dot = ag.to_dot(loss)
    assert "repeats drawn" not in dot  # nothing rolled up
    assert len(re.findall(r"^\s*t0 -> ", dot, flags=re.M)) == 1  # w: one edge, at its first use
    ghosts = re.findall(r"^\s*(t0_use\d+) -> (op\d+)", dot, flags=re.M)
    assert len(ghosts) == 19
    assert len({op for _, op in ghosts}) == 19  # one ghost per use, each next to its op
    assert re.search(r't0_use3 \[label=<w> .*style="dashed,rounded,filled" tooltip=<w: use 4 of 20', dot)
    # the same count of edges as without ghosts: none is lost
    plain = ag.to_dot(loss, ghosts=False)
    assert len(re.findall(r"^\s*t0 -> ", plain, flags=re.M)) == 20
    assert len(re.findall(r" -> ", plain)) == len(re.findall(r" -> ", dot))
    # a leaf with a few uses is drawn as before
    a = ag.tensor(2.0, requires_grad=True)
    few = a * 2.0 + a * 3.0 + a.exp()
    assert "_use" not in ag.to_dot(few)
    # a user reading the leaf twice (v * v) has one copy, with both edges
    v = ag.tensor(0.5, requires_grad=True, name="v")
    c = ag.tensor(1.5)
    parts = ag.stack([(v * c).tanh(), (v + c).exp(), (v - c) ** 2, (v / c).sin(), v * v * c]).sum()
    vv = ag.to_dot(parts)
    assert len(re.findall(r"^\s*t0_use\d+ \[", vv, flags=re.M)) == 4
    assert len(re.findall(r"^\s*t0_use4 -> ", vv, flags=re.M)) == 2
    # the data emitter (what pages read) has the ghosts too, linked to their leaf
    from autograd.viz.data import scene_data
    from autograd.viz.graph import build_graph
    from autograd.viz.view import decide

    d = scene_data(decide(build_graph(loss)))
    gs = [n for n in d["nodes"] if n["kind"] == "ghost"]
    assert len(gs) == 19
    assert {n["of"] for n in gs} == {"t0"}
    assert sum(1 for e in d["edges"] if e["src"].startswith("t0_use")) == 19


def _edge_lengths(svg: str) -> list[float]:
    """Straight-line length of every edge of a Graphviz SVG (start to end of its path)."""
    out = []
    for m in re.finditer(r'class="edge">.*?<path[^>]* d="M([-\d.]+),([-\d.]+)C(.*?)"', svg, flags=re.S):
        x1, y1 = (float(v) for v in re.findall(r"([-\d.]+),([-\d.]+)", m.group(3))[-1])
        out.append(((x1 - float(m.group(1))) ** 2 + (y1 - float(m.group(2))) ** 2) ** 0.5)
    return out


@needs_pure
def test_ghosts_keep_a_shared_weights_edges_short(monkeypatch: pytest.MonkeyPatch) -> None:
    assert PURE is not None
    monkeypatch.setenv(ENV_VAR, PURE)
    loss = shared_weight(20)
    # measured on the sum drawn add by add, its terms down a staircase (the Σ is tested apart)
    with_ghosts = _edge_lengths(ag.draw(loss, fold_sums=False).pipe("svg", encoding="utf-8"))
    without = _edge_lengths(ag.draw(loss, ghosts=False, fold_sums=False).pipe("svg", encoding="utf-8"))
    assert len(with_ghosts) == len(without) == 174
    # measured: 33,062 pt of edges (the longest 2,571 pt) without ghosts; 5,855 (254) with
    assert sum(with_ghosts) < 0.3 * sum(without)
    assert max(with_ghosts) < 400 < max(without)
