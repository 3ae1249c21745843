"""The explorer page, checked in a real browser (headless Chromium) and in a real notebook kernel.

The browser tests load the written page with `--dump-dom` (the DOM after the page's script
ran): at `#step=N`, and with a small probe script appended that presses keys, clicks buttons,
selects a node and filters the steps, then writes what it saw into the page as JSON.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from benchmarks.bench_viz import recurrent_loss  # the cell the benchmark times

import autograd as ag
from autograd.viz.explorer import Explorer, dumps_for_html
from autograd.viz.graph import descendants
from autograd.viz.labels import fmt_array
from autograd.viz.trace import Trace

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
needs_browser = pytest.mark.skipif(BROWSER is None, reason="no headless Chromium here (CI installs it)")


def network() -> tuple[ag.Tensor, dict[str, ag.Tensor]]:
    """The course's 2-2-1 sigmoid network of named scalars, with a squared error E."""
    x1, x2 = ag.tensor(0.4, name="x1"), ag.tensor(0.6, name="x2")
    w = {
        n: ag.tensor(v, requires_grad=True, name=n)
        for n, v in (("W11", 0.5), ("W12", -0.3), ("W21", 0.8), ("W22", 0.1), ("W31", 1.2), ("W32", -0.7))
    }
    h1 = (w["W11"] * x1 + w["W21"] * x2).sigmoid()
    h2 = (w["W12"] * x1 + w["W22"] * x2).sigmoid()
    y_hat = (w["W31"] * h1 + w["W32"] * h2).sigmoid()
    h1.name, h2.name, y_hat.name = "h1", "h2", "y_hat"
    loss = (y_hat - 1.0) ** 2
    loss.name = "E"
    return loss, w


def dump_dom(url: str) -> str:
    assert BROWSER is not None
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--window-size=1200,800", "--dump-dom", url],
            capture_output=True, timeout=120, check=True,
        )
    return proc.stdout.decode("utf-8")


def probe(page: Path, script: str, hash_: str = "") -> dict[str, Any]:
    """Run `script` in the page after its own script (it fills `out`); returns `out`."""
    html = page.read_text(encoding="utf-8")
    code = (
        "<script>(function () { var out = {}; "
        "function key(k) { document.dispatchEvent(new KeyboardEvent('keydown', {key: k, bubbles: true})); }"
        "function grads() { var o = {}; document.querySelectorAll('#viewport .node.t.has-grad')"
        ".forEach(function (e) {"
        " o[e.id] = e.querySelector('tspan.gradv').textContent.replace(/^\\s*grad /, ''); });"
        " return o; }"
        f"\n{script}\n"
        "var p = document.createElement('pre'); p.id = 'probe'; p.textContent = JSON.stringify(out); "
        "document.body.appendChild(p); })();</script>"
    )
    probed = page.with_name("probed-" + page.name)
    probed.write_text(html.replace("</body>", code + "\n</body>"), encoding="utf-8")
    dom = dump_dom(probed.resolve().as_uri() + hash_)
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found is not None, "the probe did not run: the page's script failed"
    import html as html_lib

    text = html_lib.unescape(found.group(1))
    result: dict[str, Any] = json.loads(text)
    return result


def test_json_in_the_page_cannot_close_its_script_block() -> None:
    text = dumps_for_html({"name": "</script><!--<script>&"})
    assert "<" not in text
    assert ">" not in text
    assert "&" not in text
    assert json.loads(text) == {"name": "</script><!--<script>&"}


def test_explorer_in_a_notebook_cell_is_an_iframe_with_the_page() -> None:
    loss, _ = network()
    tr = ag.trace_backward(loss)
    shown = tr._repr_html_()
    assert shown.startswith('<iframe class="seegrad-explorer" srcdoc="')
    assert "<script" not in shown  # the page is escaped into the attribute, its script stays inside
    import html as html_lib

    srcdoc = html_lib.unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1))  # type: ignore[union-attr]
    assert srcdoc == Explorer(tr).html
    with pytest.raises(ValueError, match="max_steps must be a positive int"):
        ag.explore(loss, max_steps=0)


@pytest.mark.slow
@needs_browser
def test_steps_fill_the_graph_with_gradients(tmp_path: Path) -> None:
    loss, w = network()
    tr = ag.trace_backward(loss)
    page = Path(ag.explore(loss).save(tmp_path / "course.html"))
    loss.backward()
    n = len(tr.steps)
    # opened at #step=5, then moved to other steps by the page's own function
    out = probe(page, f"""
        out.status = {{5: document.getElementById('status').textContent}}; out.grads = {{5: grads()}};
        [1, 12, {n}].forEach(function (k) {{
            explorer.show(k - 1); out.grads[k] = grads();
            out.status[k] = document.getElementById('status').textContent;
        }});
    """, "#step=5")
    seen: list[int] = []
    for step in (1, 5, 12, n):
        assert out["status"][str(step)] == f"Step {step} of {n}"
        grads = out["grads"][str(step)]
        # exactly the output and the inputs reached so far carry a gradient, with its running total
        expected_ids = {tr.model.nodes[tr.model.node_of(s.input)].id for s in tr.steps[:step]}  # type: ignore[index]
        expected_ids.add(tr.model.nodes[tr.model.root].id)
        assert set(grads) == expected_ids
        last = tr.steps[step - 1]
        assert grads[tr.model.nodes[tr.model.node_of(last.input)].id] == fmt_array(last.total)  # type: ignore[index]
        seen.append(len(grads))
    assert seen == sorted(seen)
    assert seen[0] < seen[-1]
    # after the last step every weight shows the engine's gradient
    for name, t in w.items():
        node = tr.model.nodes[tr.model.node_of(t)]  # type: ignore[index]
        assert t.grad is not None
        assert grads[node.id] == fmt_array(t.grad.data), name


@pytest.mark.slow
@needs_browser
def test_keys_buttons_hash_selection_and_parameter_filter(tmp_path: Path) -> None:
    loss, w = network()
    tr = ag.trace_backward(loss)
    page = Path(tr.to_html(tmp_path / "course.html"))
    g = tr.model
    w11 = g.node_of(w["W11"])
    assert w11 is not None
    data = json.loads(re.search(  # type: ignore[union-attr]
        r'id="explorer-data">(.*?)</script>', page.read_text(encoding="utf-8"), re.S).group(1))
    w11_index = [n["id"] for n in data["nodes"]].index(g.nodes[w11].id)
    out = probe(page, f"""
        key('ArrowRight'); key('ArrowRight'); document.getElementById('next').click();
        out.afterKeys = explorer.state().step; out.hash = location.hash;
        key('ArrowLeft'); out.afterLeft = explorer.state().step;
        explorer.select({w11_index});
        out.onpath = Array.prototype.map.call(document.querySelectorAll('#viewport .node.onpath'),
                                              function (e) {{ return e.id; }});
        out.panel = document.getElementById('node-panel').textContent;
        var sel = document.getElementById('param'); sel.value = '{w11_index}';
        sel.dispatchEvent(new Event('change'));
        out.status = document.getElementById('status').textContent;
        out.max = document.getElementById('slider').max;
        document.getElementById('last').click(); out.last = explorer.state().step;
        out.lastStatus = document.getElementById('status').textContent;
    """)
    assert out["afterKeys"] == 4
    assert out["hash"] == "#step=4"  # the URL follows the step
    assert out["afterLeft"] == 3
    # the paths from W11 to E: W11 -> mul -> ... -> E, nothing else
    down = descendants(g, w11)
    up = {g.root}
    stack = [g.root]
    while stack:
        n = stack.pop()
        for m in g.pred_nodes(n):
            if m not in up:
                up.add(m)
                stack.append(m)
    on_path = {g.nodes[n].id for n in down & up}
    assert set(out["onpath"]) == on_path
    assert len(on_path) == 17
    assert "W11" in out["panel"]
    assert repr(0.5) in out["panel"]
    reaching = [k for k, s in enumerate(tr.steps) if g.node_of(s.input) in down]
    assert f"of the {len(reaching)} reaching W11" in out["status"]
    assert int(out["max"]) == len(reaching)
    assert out["last"] == reaching[-1] + 1
    assert tr.steps[reaching[-1]].input is w["W11"]


def long_chain(n: int) -> Trace:
    x = ag.tensor([0.5, -0.5], requires_grad=True, name="x")
    y = x
    for _ in range(n):
        y = (y * 0.9).tanh()
    return ag.trace_backward(y.sum())


@pytest.mark.slow
@needs_browser
def test_a_long_trace_lights_up_the_nodes_a_step_reaches_not_one_box(tmp_path: Path) -> None:
    tr = long_chain(240)  # 481 steps, 1,200 nodes: the chain starts folded
    assert len(tr.steps) == 481
    page = Path(tr.to_html(tmp_path / "chain.html"))
    out = probe(page, """
        out.first = explorer.state();
        out.groups = document.querySelectorAll('#viewport .node.grp').length;
        function active() {
            return Array.prototype.map.call(document.querySelectorAll('#viewport .node.active'),
                                            function (e) { return e.id; });
        }
        out.steps = [150, 300, 470].map(function (k) {
            explorer.show(k - 1);
            return {state: explorer.state(), active: active()};
        });
    """, "#step=1")
    assert out["first"]["step"] == 1
    assert out["groups"] >= 1  # folded while no step reached into it
    assert out["first"]["units"] < 100
    g = tr.model
    for k, seen in zip((150, 300, 470), out["steps"], strict=True):
        s = tr.steps[k - 1]
        ids = {g.nodes[g.node_of(t)].id for t in (s.input, s.output)}  # type: ignore[index]
        assert ids <= set(seen["active"]), (k, seen["active"])  # the nodes themselves, not a box
        assert seen["state"]["step"] == k
        assert seen["state"]["hash"] == f"#step={k}"
        assert seen["state"]["scale"] >= 0.6  # zoomed to where text can be read


@pytest.mark.slow
@needs_browser
def test_modules_collapse_and_expand(tmp_path: Path) -> None:
    import nn
    from nn import functional as F  # noqa: N812

    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.Tanh(), nn.Linear(3, 1, rng=1))
    loss = F.mse_loss(model(ag.tensor([[0.5, -1.0]])), [[1.0]])
    page = Path(ag.explore(loss).save(tmp_path / "m.html"))
    data = json.loads(re.search(  # type: ignore[union-attr]
        r'id="explorer-data">(.*?)</script>', page.read_text(encoding="utf-8"), re.S).group(1))
    titles = [g["title"] for g in data["groups"]]
    assert "0" in titles
    assert "2" in titles
    k = titles.index("0")
    out = probe(page, f"""
        document.getElementById('autoopen').checked = false;
        out.before = explorer.state().units;
        explorer.setOpen({k}, false);
        out.closed = explorer.state().units;
        out.box = !!document.getElementById('grp{k}');
        explorer.setOpen({k}, true);
        out.open = explorer.state().units;
        out.frame = !!document.getElementById('box{k}');
    """)
    assert out["closed"] < out["before"] == out["open"]
    assert out["box"]
    assert out["frame"]


@pytest.mark.slow
@needs_browser
def test_the_inline_frame_runs_the_page_in_a_browser(tmp_path: Path) -> None:
    loss, _ = network()
    tr = ag.trace_backward(loss)
    # a notebook's output area, reduced to what matters: the cell's HTML, and a script that
    # reads the page running inside the frame once everything has loaded
    reader = """<script>window.addEventListener('load', function () {
        var inner = document.querySelector('iframe').contentWindow;
        var p = document.createElement('pre'); p.id = 'inner';
        p.textContent = JSON.stringify({state: inner.explorer.state(),
            status: inner.document.getElementById('status').textContent,
            nodes: inner.document.querySelectorAll('#viewport .node').length});
        document.body.appendChild(p);
    });</script>"""
    outer = tmp_path / "notebook_output.html"
    outer.write_text(f"<!DOCTYPE html><html><body>{tr._repr_html_()}{reader}</body></html>", encoding="utf-8")
    dom = dump_dom(outer.resolve().as_uri())
    found = re.search(r'<pre id="inner">(.*?)</pre>', dom, re.S)
    assert found is not None, "the page did not run inside the frame"
    import html as html_lib

    inner = json.loads(html_lib.unescape(found.group(1)))
    assert inner["status"] == f"Step 1 of {len(tr.steps)}"
    assert inner["nodes"] == len(tr.model.nodes)
    assert inner["state"]["scale"] > 0


@pytest.mark.slow
def test_trace_backward_and_explore_show_the_explorer_inline_in_a_notebook(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import autograd as ag\n"
            "x = ag.tensor(2.0, requires_grad=True, name='x')\n"
            "w = ag.tensor(-1.5, requires_grad=True, name='w')\n"
            "h = w * x\n"
            "y = h.sigmoid()\n"
            "ag.trace_backward(y)"
        ),
        nbformat.v4.new_code_cell("ag.explore(y)"),
    ]
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    import html as html_lib

    for cell in nb.cells:
        (output,) = [o for o in cell.outputs if o.output_type == "execute_result"]
        shown = output.data["text/html"]
        assert shown.startswith('<iframe class="seegrad-explorer" srcdoc="')
        page = html_lib.unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1))  # type: ignore[union-attr]
        assert page.startswith("<!DOCTYPE html>")
        data = json.loads(re.search(r'id="explorer-data">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
        assert data["title"] == "y"
        assert len(data["steps"]) == 3  # sigmoid, then mul into w and into x
        assert {n["name"] for n in data["nodes"]} >= {"x", "w", "h", "y"}  # h, y: the cell's variables
        assert "backward pass" in output.data["text/plain"]


def recurrent_trace(steps: int = 8) -> Trace:
    """The benchmark's recurrent cell, 4 wide, for `steps` steps: the steps after the first roll up."""
    return ag.trace_backward(recurrent_loss(steps, hidden=4))


def test_rolled_up_repeats_are_one_closed_box_in_the_page_data() -> None:
    from autograd.viz.explorer import page_data

    tr = recurrent_trace(8)
    d = page_data(tr)
    rolls = [g for g in d["groups"] if g["kind"] == "roll"]
    assert len(rolls) == 1
    r = rolls[0]
    assert r["title"] == "x 7"  # the first step reads h0, the next 7 repeat
    assert r["count"] == 7
    assert r["period"] == 5
    assert not r["open"]
    k = d["groups"].index(r)
    inside = [n for n in d["nodes"] if k in n["groups"]]
    assert len(inside) == 7 * (5 * 2 + 1)  # 5 ops and their outputs, and x_t, per repeat
    assert sorted({n["rep"] for n in inside}) == list(range(1, 8))
    # the shared weights are read by every repeat: they stay outside, one box for all
    assert all(k not in n["groups"] for n in d["nodes"] if n["name"] in ("W", "U", "b"))


@pytest.mark.slow
@needs_browser
def test_rolled_up_repeats_expand_collapse_and_light_up_when_stepped_into(tmp_path: Path) -> None:
    tr = recurrent_trace(8)
    page = Path(tr.explorer().save(tmp_path / "rnn.html"))
    g = tr.model
    # the first step that passes a gradient into a node of the rolled-up repeats
    inside = next(k for k, s in enumerate(tr.steps) if g.nodes[g.node_of(s.input)].id not in  # type: ignore[index]
                  {"t0", "t1", "t2", "t3"} and k >= 4)
    out = probe(page, f"""
        document.getElementById('autoopen').checked = false;
        function ids(sel) {{
            return Array.prototype.map.call(document.querySelectorAll(sel), function (e) {{ return e.id; }});
        }}
        out.closed = explorer.state().units;
        out.rolls = Array.prototype.map.call(document.querySelectorAll('#viewport .node.grp.roll'),
                                             function (e) {{ return e.textContent; }});
        explorer.show({inside});
        out.lit = ids('#viewport .node.active');
        out.at = document.querySelector('#viewport .node.grp.roll tspan.at').textContent;
        // a click on the closed box opens it
        function click(sel) {{
            document.querySelector(sel).dispatchEvent(new MouseEvent('click', {{bubbles: true}}));
        }}
        click('#viewport .node.grp.roll');
        out.open = explorer.state().units;
        out.frame = ids('#viewport .box.roll');
        explorer.show({inside} + 1);
        out.lit2 = ids('#viewport .node.active');
        out.step2 = explorer.state().step;
        // its title closes it again
        click('#viewport .box.roll text');
        out.closed2 = explorer.state().units;
        key('ArrowRight');
        out.lit3 = ids('#viewport .node.active');
        out.step3 = explorer.state().step;
    """)
    assert len(out["rolls"]) == 1
    assert out["rolls"][0].startswith("\u25b8 x 7")
    assert any(i.startswith("grp") for i in out["lit"])  # the step lights the closed box
    assert out["at"].startswith("repeat ")
    assert " grad " in out["at"]
    assert out["open"] > out["closed"] + 60  # 77 nodes come out of the box
    assert len(out["frame"]) == 1
    s = tr.steps[inside + 1]
    assert {g.nodes[g.node_of(s.input)].id, g.nodes[g.node_of(s.output)].id} <= set(out["lit2"])  # type: ignore[index]
    assert out["step2"] == inside + 2
    assert out["closed2"] == out["closed"]
    assert out["step3"] == inside + 3
    assert any(i.startswith("grp") for i in out["lit3"])


@pytest.mark.slow
@needs_browser
def test_a_shared_weight_has_a_ghost_at_each_other_use_linked_to_it(tmp_path: Path) -> None:
    w = ag.tensor(0.5, requires_grad=True, name="w")
    xs = [ag.tensor(0.1 * k + 0.3, name=f"x{k}") for k in range(8)]
    loss = xs[0] * w
    for k in range(1, 8):
        loss = loss + (w * xs[k]) ** (k + 1)
    tr = ag.trace_backward(loss)
    page = Path(tr.explorer().save(tmp_path / "shared.html"))
    g = tr.model
    into_w = [k for k, s in enumerate(tr.steps) if s.input is w]
    out = probe(page, f"""
        function all(sel, f) {{ return Array.prototype.map.call(document.querySelectorAll(sel), f); }}
        out.ghosts = all('#viewport .node.ghost', function (e) {{
            return [e.id, e.querySelector('text').textContent];
        }});
        out.edges = all('#viewport .edge', function (e) {{ return e.id; }});
        var lit = [];
        {json.dumps(into_w)}.forEach(function (k) {{
            explorer.show(k);
            lit.push(Array.prototype.map.call(document.querySelectorAll('#viewport .active'),
                                              function (e) {{ return e.id; }}));
        }});
        out.lit = lit;
        var ghost = document.querySelector('#viewport .node.ghost');
        ghost.dispatchEvent(new MouseEvent('click', {{bubbles: true}}));
        out.selected = Array.prototype.map.call(document.querySelectorAll('#viewport .node.selected'),
                                                function (e) {{ return e.id; }});
        out.panel = document.getElementById('node-panel').textContent;
    """)
    w_id = g.nodes[g.node_of(w)].id  # type: ignore[index]
    assert len(out["ghosts"]) == 7  # 8 uses: the box once, a copy at each of the 7 others
    assert all(name == "w" for _, name in out["ghosts"])
    assert sum(1 for e in out["edges"] if e.startswith(f"e_{w_id}_op")) == 1
    assert sum(1 for e in out["edges"] if e.startswith(f"e_{w_id}_use_")) == 7
    assert len(into_w) == 8
    # each step into w lights w and, past its first use, the copy at that use and its edge
    assert all(w_id in lit for lit in out["lit"])
    assert sum(1 for lit in out["lit"] if any(i.startswith(f"{w_id}_use_") for i in lit)) == 7
    assert out["selected"] == [w_id]  # a click on a copy selects the weight itself
    assert "w" in out["panel"]
