"""Seeing backpropagation: graph pictures, text trees, chain-rule explanations, traces.

- `draw(output)` -> a `graphviz.Digraph` picture (forward or backward view), `to_dot(output)`
  its DOT text, `render_text(output)` / `print_graph(output)` a text tree;
- `explain(output, wrt)`: every path from `wrt` to `output`, each local derivative, the
  products and their sum, checked against the engine's gradient;
- `trace_backward(output)`: the backward pass step by step, as a table or an HTML page;
  `explore(output)`: that page (the explorer), shown inline in Jupyter;
- `draw_network(model, x)`: a small MLP drawn as the course draws it (neurons and weights).

Inside, every output is made by a pipeline that flows one way, each stage reading only the one
before it:

1. the model (`graph.py`): `build_graph(output)` walks the recorded graph once into nodes and
   edges with their tensors, ops, constants, module scopes and displayed names (`names.py`:
   `.name`, else the caller's variable, else the id); `GraphModel.fill_grads` adds gradients;
2. the view (`view.py`): what to show - sums drawn as one op (`sums.py`), roll-ups
   (`rollup.py`), summaries of big graphs and collapsed modules (`summary.py`);
3. the emitters: DOT (`dot.py`), the text tree (`text.py`), a built-in SVG layout
   (`layout.py`), the explorer page (`explorer.py`); the neuron view (`neurons.py`) reads a
   model's parameters instead of a graph.
"""

from __future__ import annotations

from .digraph import Picture
from .dot import draw, to_dot
from .explain import ChainPath, Explanation, explain
from .explorer import Explorer, explore
from .neurons import NetworkDrawError, NetworkPicture, draw_network
from .render import HOW_TO_GET_ONE, RendererNotFoundError, RenderError, find_renderer
from .text import print_graph, render_text
from .trace import Step, Trace, trace_backward

__all__ = [
    "HOW_TO_GET_ONE",
    "ChainPath",
    "Explanation",
    "Explorer",
    "NetworkDrawError",
    "NetworkPicture",
    "Picture",
    "RenderError",
    "RendererNotFoundError",
    "Step",
    "Trace",
    "draw",
    "draw_network",
    "explain",
    "explore",
    "find_renderer",
    "print_graph",
    "render_text",
    "to_dot",
    "trace_backward",
]
