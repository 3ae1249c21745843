"""`trace_backward`: the backward pass step by step, as a table and as an HTML page."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
from autograd.viz import render
from autograd.viz.render import ENV_VAR


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
    # formulas in the operands' own names: no letter of the op's that could clash with the user's
    assert lines[2].startswith(
        "1     y_hat - 1 -> pow -> E                dE/d(y_hat - 1) = d((y_hat - 1) ** 2)/d(y_hat - 1) "
        "= 2*(y_hat - 1)^(2-1)"
    )
    assert any("y_hat -> sub" in ln and "d(y_hat - 1)/dy_hat = 1" in ln for ln in lines)
    # W31*h1 is called by its expression: differentiated once, not d(W31*h1)/dh1 = d(W31 * h1)/dh1
    assert any("h1 -> mul" in ln and "d(W31*h1)/dh1 = W31  " in ln for ln in lines)
    assert not any("d(W31 * h1)" in ln for ln in lines)
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


def page_json(html: str) -> dict:
    import json

    found = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', html, re.S)
    assert found is not None
    data: dict = json.loads(found.group(1))
    return data


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
    data = page_json(html)
    assert len(data["steps"]) == len(tr.steps)
    assert data["title"] == "E"
    names = [n["name"] for n in data["nodes"]]
    for w in ("W11", "W32", "x1", "h1", "y_hat", "E"):
        assert w in names
    # every step points at drawn nodes: its op, the input it reaches and the op's output
    for s, step in zip(data["steps"], tr.steps, strict=True):
        op, inp, out = s[:3]
        assert data["nodes"][inp]["id"] == tr.model.nodes[tr.model.node_of(step.input)].id  # type: ignore[index]
        assert data["nodes"][out]["name"] == tr.name(step.output)
        assert data["nodes"][op]["kind"] == "o"
        assert [e for e in data["edges"] if e[0] == inp and e[1] == op]


def test_html_without_a_renderer_is_still_drawn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
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
    assert len(page_json(html)["nodes"]) == len(tr.model.nodes)


# --- reliability (issue 10, items 12-14) ---------------------------------------------------------


def test_html_renderer_without_svg_output_falls_back_to_the_built_in_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prog = tmp_path / "dot"
    prog.write_text("#!/bin/sh\necho 'not a picture'\n")
    prog.chmod(0o755)
    monkeypatch.setenv(ENV_VAR, str(prog))
    loss, _ = network()
    tr = ag.trace_backward(loss)
    html = Path(tr.to_html(tmp_path / "t.html")).read_text(encoding="utf-8")
    assert "not a picture" not in html
    assert f"Step 1 of {len(tr.steps)}" in html


def _embedded_json(html: str) -> str:
    found = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S)
    assert found
    return "".join(found)


def test_html_embedded_json_escapes_markup_characters(tmp_path: Path) -> None:
    import json

    evil = "x<!--<script>&</script>"
    x = ag.tensor(2.0, requires_grad=True, name=evil)
    y = (x * 3.0).exp()
    y.name = "out>"
    html = Path(ag.trace_backward(y).to_html(tmp_path / "t.html")).read_text(encoding="utf-8")
    data = _embedded_json(html)
    for ch in "<>&":
        assert ch not in data
    assert "\\u003c!--\\u003cscript\\u003e\\u0026" in data
    # the page's scripts: the data block is closed where it should be, nothing else opens
    assert html.count("<script") == html.count("</script>")
    assert "<!--" not in html
    parsed = [json.loads(block) for block in re.findall(
        r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S)]
    assert evil in json.dumps(parsed, ensure_ascii=False)


def test_html_of_a_long_chain_is_capped_and_says_so(tmp_path: Path) -> None:
    x = ag.tensor(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(40_000):
        y = y * 1.0
    tr = ag.trace_backward(y)
    assert len(tr.steps) == 40_000
    path = Path(tr.to_html(tmp_path / "chain.html"))
    size = path.stat().st_size
    assert size < 3_000_000, size  # was 19.9 MB
    html = path.read_text(encoding="utf-8")
    assert re.search(r"Showing the first [\d,]+ of 40,000 steps", html)
    assert "The table lists the first 1,000 of 40,000 steps" in html
    assert html.count("<tr id=") == 1000
