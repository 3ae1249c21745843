"""`trace_backward`: the backward pass step by step, as a table and as an HTML page."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
from autograd.viz import render
from autograd.viz.render import ENV_VAR

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)


def network() -> tuple[ag.Tensor, list[ag.Tensor]]:
    """A 2-2-1 sigmoid network of named scalars with a squared error."""
    x1, x2 = ag.tensor(0.4, name="x1"), ag.tensor(0.6, name="x2")
    weights_by_name = {
        n: ag.tensor(v, requires_grad=True, name=n)
        for n, v in (("W11", 0.5), ("W12", -0.3), ("W21", 0.8), ("W22", 0.1), ("W31", 1.2), ("W32", -0.7))
    }
    h1 = (weights_by_name["W11"] * x1 + weights_by_name["W21"] * x2).sigmoid()
    h2 = (weights_by_name["W12"] * x1 + weights_by_name["W22"] * x2).sigmoid()
    y_hat = (weights_by_name["W31"] * h1 + weights_by_name["W32"] * h2).sigmoid()
    h1.name, h2.name, y_hat.name = "h1", "h2", "y_hat"
    loss = (y_hat - 1.0) ** 2
    loss.name = "E"
    return loss, list(weights_by_name.values())


def test_steps_follow_reverse_topological_order_and_totals_match_the_engine() -> None:
    loss, weights = network()
    tr = ag.trace_backward(loss)
    assert tr.matches
    assert tr.max_error < 1e-12
    first = tr.steps[0]
    assert first.number == 1
    assert first.output is loss
    assert first.op.op_name() == "pow"
    assert float(first.upstream) == 1.0
    # one step per (op, input that needs a gradient): 4 muls by an input (1 each), 2 muls of a
    # weight by a hidden unit (2 each), 3 adds (2 each), 3 sigmoids, sub, pow (1 each)
    assert len(tr.steps) == 4 + 4 + 6 + 3 + 1 + 1
    # the running total of each input after its last step is its gradient
    loss.backward()
    final = {id(t): g for t, g in tr.grads}
    for w in weights:
        assert w.grad is not None
        np.testing.assert_allclose(final[id(w)], w.grad.data, rtol=1e-12)
        last = [s for s in tr.steps if s.input is w][-1]
        np.testing.assert_allclose(last.total, w.grad.data, rtol=1e-12)
    # contribution = upstream * local for these elementwise scalar ops
    for s in tr.steps:
        assert s.local is not None
        assert float(s.contribution) == pytest.approx(float(s.upstream) * float(s.local), rel=1e-12)


def test_running_totals_accumulate_over_several_uses() -> None:
    x = ag.tensor(2.0, requires_grad=True, name="x")
    out = x * x + x.exp()
    tr = ag.trace_backward(out)
    into_x = [s for s in tr.steps if s.input is x]
    assert len(into_x) == 3
    assert float(into_x[0].total) == pytest.approx(float(into_x[0].contribution))
    assert float(into_x[-1].total) == pytest.approx(2 * 2.0 + np.exp(2.0))
    assert tr.matches


def test_broadcasting_steps_sum_like_the_engine() -> None:
    x = ag.tensor(np.ones((3, 2)), name="x")
    b = ag.tensor([0.5, -0.5], requires_grad=True, name="b")
    out = ((x + b) ** 2).sum()
    tr = ag.trace_backward(out)
    step = next(s for s in tr.steps if s.input is b)
    assert step.upstream.shape == (3, 2)
    assert step.contribution.shape == (2,)
    (g,) = ag.grad(out, b)
    np.testing.assert_allclose(step.total, g.data)
    assert tr.matches


def test_table_text() -> None:
    loss, _ = network()
    table = ag.trace_backward(loss).table()
    lines = table.splitlines()
    assert lines[0].split() == [
        "step",
        "edge",
        "local",
        "derivative",
        "upstream",
        "local",
        "contribution",
        "running",
        "total",
    ]
    assert re.search(r"^1 +t\d+ -> pow -> E +dE/dt\d+ = d pow\(x, y\)/dx = y\*x\^\(y-1\)", lines[2])
    assert any("y_hat -> sub" in ln for ln in lines)
    assert any("h1 -> mul" in ln and "d mul(x, y)/dy = x" in ln for ln in lines)
    assert "dE/dW11 so far = " in table
    assert lines[-1] == "Final gradients checked against the engine: matches."


def test_non_scalar_output_and_errors() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    with pytest.raises(ValueError, match="gradient="):
        ag.trace_backward(y)
    tr = ag.trace_backward(y, gradient=[1.0, 0.5])
    np.testing.assert_allclose(tr.steps[-1].total, np.exp([1.0, 2.0]) * [1.0, 0.5])
    z = (x * 2.0).sum()
    z.backward()
    assert ag.trace_backward(z).matches  # a released graph is replayed from its inputs
    with ag.no_grad():
        x *= 3.0
    with pytest.raises(ag.AutogradError, match="retain_graph=True"):
        ag.trace_backward(z)
    with pytest.raises(ValueError, match="does not require grad"):
        ag.trace_backward(ag.tensor(1.0))


def test_html_is_one_self_contained_file(tmp_path: Path) -> None:
    loss, _ = network()
    tr = ag.trace_backward(loss)
    path = tr.to_html(tmp_path / "trace.html")
    html = Path(path).read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    # nothing is fetched: no external scripts, styles, fonts, images or links
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", html)
    assert "@import" not in html
    assert "url(http" not in html
    assert not re.search(r"(href|src)=\"(https?:)?//", html)
    assert f"Step 1 of {len(tr.steps)}" in html
    assert 'id="e_' in html  # the graph's edges, for colouring
    data = re.search(r'<script type="application/json" id="steps-data">(.*?)</script>', html, re.S)
    assert data is not None
    assert data.group(1).count('"ids"') == len(tr.steps)


def test_html_without_a_renderer_uses_the_built_in_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(render.sysconfig, "get_path", lambda name: str(empty))
    monkeypatch.setattr(render.sys, "executable", str(empty / "python"))
    loss, _ = network()
    tr = ag.trace_backward(loss)
    html = Path(tr.to_html(tmp_path / "t.html")).read_text(encoding="utf-8")
    assert "Generated by graphviz" not in html
    assert '<g id="t0" class="node">' in html
    first = tr.steps[0]
    assert f'<g id="{first.edge_ids[0]}" class="edge">' in html


def dump_dom(url: str) -> str:
    assert BROWSER is not None
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [
                BROWSER,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            timeout=120,
            check=True,
        )
    return proc.stdout.decode("utf-8")


@pytest.mark.slow
@pytest.mark.skipif(BROWSER is None, reason="no headless Chromium here (CI installs it)")
def test_html_trace_in_a_real_browser_shows_first_and_last_step(tmp_path: Path) -> None:
    loss, _ = network()
    tr = ag.trace_backward(loss)
    n = len(tr.steps)
    url = Path(tr.to_html(tmp_path / "trace.html")).resolve().as_uri()
    first = dump_dom(url)
    assert f'<span id="status">Step 1 of {n}</span>' in first
    assert re.search(r'<dd id="f-edge">t\d+ -&gt; pow -&gt; E</dd>', first)
    assert '<tr id="row0" class="current">' in first
    assert re.search(rf'<g id="{tr.steps[0].edge_ids[0]}" class="edge active">', first)
    last = dump_dom(url + "#step=last")
    s = tr.steps[-1]
    d = tr.describe(s)
    assert f'<span id="status">Step {n} of {n}</span>' in last
    assert f'<dd id="f-total">{d["total"]}</dd>' in last
    assert f'<tr id="row{n - 1}" class="current">' in last
    assert re.search(rf'<g id="{s.edge_ids[0]}" class="edge active">', last)
    middle = dump_dom(url + "#step=3")
    assert f'<span id="status">Step 3 of {n}</span>' in middle


def test_html_steps_point_at_drawn_elements_when_the_graph_is_summarised(tmp_path: Path) -> None:
    import json
    import re

    x = ag.tensor([0.5, -0.5], requires_grad=True, name="x")
    y = x
    for _ in range(100):
        y = (y * 0.9).tanh()  # 200 ops: more than the page's 60-node picture shows
    page = Path(ag.trace_backward(y.sum()).to_html(tmp_path / "t.html")).read_text()
    found = re.search(r'id="steps-data">(.*?)</script>', page, re.S)
    assert found is not None
    steps = json.loads(found.group(1).replace("<\\/", "</"))
    drawn = set(re.findall(r'id="([^"]+)"', page))
    assert len(steps) == 201
    assert all(i in drawn for s in steps for i in s["ids"])
