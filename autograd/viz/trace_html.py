"""The step-through page of a backward trace: one self-contained HTML file.

Everything is inline (style, script, the graph as SVG, the steps as JSON), so the page works
opened from disk, with no server and no network. A slider and buttons move through the steps;
the active step's edges and nodes are coloured in the graph, its row in the table is marked,
and its numbers are shown. `#step=N` or `#step=last` in the URL opens at that step.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from .dot import draw
from .graph import build_graph
from .layout import svg_layout
from .render import RenderError
from .summary import summarise

if TYPE_CHECKING:
    from .trace import Trace

CSS = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
#controls { margin: 1em 0; display: flex; gap: .5em; align-items: center; flex-wrap: wrap; }
#controls input[type=range] { width: 22em; }
#panel { border: 1px solid #ccc; border-radius: 6px; padding: .6em 1em; background: #fafafa;
  display: grid; grid-template-columns: 11em 1fr; row-gap: .25em; }
#panel dt { font-weight: bold; }
#panel dd { margin: 0; font-family: monospace; }
#graph { overflow: auto; border: 1px solid #eee; margin: 1em 0; max-height: 70vh; }
.active path, .active polygon, .active ellipse, .active rect {
  stroke: #d62728 !important; stroke-width: 3px !important; }
.active text { fill: #d62728; }
table { border-collapse: collapse; font-size: 90%; }
td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: left; font-family: monospace; }
tr.current { background: #fde0dd; }
"""

JS = """
(function () {
  var steps = JSON.parse(document.getElementById('steps-data').textContent);
  var n = steps.length, cur = -1, lit = [];
  var slider = document.getElementById('slider');
  var fields = ['edge', 'formula', 'upstream', 'local', 'contribution', 'total'];
  function show(k) {
    if (n === 0) return;
    k = Math.max(0, Math.min(n - 1, k));
    lit.forEach(function (el) { el.classList.remove('active'); });
    lit = [];
    var s = steps[k];
    s.ids.forEach(function (id) {
      var el = document.getElementById(id);
      if (el) { el.classList.add('active'); lit.push(el); }
    });
    var op = document.getElementById(s.ids[2]);
    if (op && op.scrollIntoView) op.scrollIntoView({block: 'nearest', inline: 'center'});
    if (cur >= 0) document.getElementById('row' + cur).classList.remove('current');
    document.getElementById('row' + k).classList.add('current');
    cur = k;
    slider.value = k + 1;
    document.getElementById('status').textContent = 'Step ' + (k + 1) + ' of ' + n;
    fields.forEach(function (f) { document.getElementById('f-' + f).textContent = s[f]; });
  }
  function fromHash() {
    var m = /step=(last|\\d+)/.exec(location.hash);
    if (!m) return 0;
    return m[1] === 'last' ? n - 1 : parseInt(m[1], 10) - 1;
  }
  document.getElementById('first').onclick = function () { show(0); };
  document.getElementById('prev').onclick = function () { show(cur - 1); };
  document.getElementById('next').onclick = function () { show(cur + 1); };
  document.getElementById('last').onclick = function () { show(n - 1); };
  slider.oninput = function () { show(parseInt(slider.value, 10) - 1); };
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight') show(cur + 1);
    if (e.key === 'ArrowLeft') show(cur - 1);
  });
  window.addEventListener('hashchange', function () { show(fromHash()); });
  show(fromHash());
})();
"""


def _graph_svg(trace: Trace, max_nodes: int, timeout: float | None) -> str:
    """The forward picture as inline SVG: Graphviz's if a renderer works, else our layout."""
    try:
        pic = draw(trace.output, show_grads=False, max_nodes=max_nodes, timeout=timeout, roll=False)
        svg = pic.pipe("svg", encoding="utf-8")
        assert isinstance(svg, str)
        return svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE (it names a URL)
    except RenderError:
        return svg_layout(summarise(build_graph(trace.output), max_nodes))


def write_html(trace: Trace, path: Path, *, max_nodes: int = 60, timeout: float | None = 60.0) -> str:
    """Write the page for `trace` to `path` and return the path as a string."""
    data = []
    rows = []
    # A big graph is drawn summarised: a step inside a collapsed module or a folded chain
    # lights up the box that stands for it (the same view the picture is drawn from).
    view = summarise(build_graph(trace.output), max_nodes)
    box = {view.model.nodes[n].id: view.groups[k].id for n, k in enumerate(view.group_of) if k >= 0}
    for k, s in enumerate(trace.steps):
        d = trace.describe(s)
        e1, e2 = s.edge_ids
        e1 = box.get(s.op_id) or box.get(s.input_id) or e1
        e2 = box.get(s.op_id) or box.get(s.output_id) or e2
        ids = [e1, e2, *(box.get(i, i) for i in (s.op_id, s.input_id, s.output_id))]
        data.append({**d, "ids": ids})
        cells = "".join(f"<td>{escape(d[f])}</td>" for f in ("edge", "formula", "upstream", "local",
                                                             "contribution", "total"))
        rows.append(f'<tr id="row{k}"><td>{s.number}</td>{cells}</tr>')
    n = len(trace.steps)
    root = trace.name(trace.output)
    steps_json = json.dumps(data).replace("</", "<\\/")
    verdict = "match" if trace.matches else "DO NOT MATCH"
    fields = "".join(
        f"<dt>{label}</dt><dd id=\"f-{f}\"></dd>"
        for f, label in (("edge", "Edge"), ("formula", "Local derivative"), ("upstream", "Upstream gradient"),
                         ("local", "Local value"), ("contribution", "Contribution"),
                         ("total", "Running total"))
    )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Backward pass of {escape(root)}</title>
<style>{CSS}</style>
</head>
<body>
<h1>Backward pass of {escape(root)}</h1>
<p>The chain rule, one step at a time: each step passes the upstream gradient d{escape(root)}/d(output)
through one op's local derivative into one of its inputs, and adds it to that input's running total.
{n} steps; the final gradients {verdict} the engine's.</p>
<div id="controls">
<button id="first">&laquo; First</button><button id="prev">&lsaquo; Prev</button>
<input id="slider" type="range" min="1" max="{max(n, 1)}" value="1">
<button id="next">Next &rsaquo;</button><button id="last">Last &raquo;</button>
<span id="status">{"Step 1 of " + str(n) if n else "No steps: the output is a leaf"}</span>
</div>
<dl id="panel">{fields}</dl>
<div id="graph">{_graph_svg(trace, max_nodes, timeout)}</div>
<table><thead><tr><th>step</th><th>edge</th><th>local derivative</th><th>upstream</th><th>local</th>
<th>contribution</th><th>running total</th></tr></thead><tbody>
{chr(10).join(rows)}
</tbody></table>
<script type="application/json" id="steps-data">{steps_json}</script>
<script>{JS}</script>
</body>
</html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return str(path)
