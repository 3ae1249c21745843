"""The course's picture of a network: neurons as circles in layers, weights on the edges.

`draw_network(model, x)` draws a small `nn` multi-layer perceptron (`nn.MLP`, `nn.Layer`,
`nn.Linear`, `nn.Neuron`, or an `nn.Sequential` of those and activations; up to
`MAX_NEURONS` neurons) as hand-written SVG:

- one column per layer (inputs x1, x2, ..., hidden units h1, h2, ..., outputs y_hat);
- one edge per weight, blue for a positive weight and red for a negative one, thicker for a
  larger magnitude;
- with an input `x` (one sample), each neuron shows its activation for that input;
- after `backward()`, each weight's gradient. Small layers (at most `LABELLED_EDGES` edges)
  write `W11 = 2` and `dE/dW11 = -0.0107` along the edge itself; every edge carries them as a
  tooltip (`<title>`) whatever the size.

Weights are named as the course names them: `W` for the first layer, `V` for the second, then
`U`, `T`, ...; `W_ij` is the weight from input i into unit j (for a layer with one unit, `V_i`).
In `nn.Linear` terms, `W_ij = weight[j - 1, i - 1]`.

Nothing here walks a graph: the picture is read from the modules' parameters, and the
activations come from running each layer once on `x` (without recording a graph).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from ..grad_mode import no_grad
from ..tensor import Tensor
from .labels import fmt_number

MAX_NEURONS = 64  # inputs included
LABELLED_EDGES = 12  # a layer with more edges shows weights by colour and thickness only
LETTERS = "WVUTSRQPONMLKJIHGFEDCBA"
POSITIVE, NEGATIVE = "#1f77b4", "#d62728"
ACTIVATION_SYMBOL = {
    "sigmoid": "σ", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "leaky ReLU",
    "softmax": "softmax", "log_softmax": "log softmax", "identity": "linear",
}


class NetworkDrawError(TypeError):
    """The model is not something the neuron view can draw (the message says what it draws)."""


@dataclass
class DenseLayer:
    """One fully connected layer as the picture needs it: weight (out, in), bias (out,) or
    None, their gradients (or None), the activation's name and the module that applies it."""

    weight: np.ndarray
    bias: np.ndarray | None
    weight_grad: np.ndarray | None
    bias_grad: np.ndarray | None
    activation: str
    modules: list[Any]


WHAT_IT_DRAWS = (
    "it draws nn.MLP, nn.Layer, nn.Linear, nn.Neuron, and nn.Sequential of those with "
    "activation modules (nn.Sigmoid, nn.Tanh, nn.ReLU, nn.LeakyReLU, nn.Softmax, nn.Identity)"
)


def _grad(p: Tensor | None) -> np.ndarray | None:
    if p is None or p.grad is None:
        return None
    g = p.grad
    return np.asarray(g.data if isinstance(g, Tensor) else g, dtype=np.float64)


def _activation_name(act: Any) -> str:
    if isinstance(act, str):
        return act
    import nn

    by_type = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.ReLU: "relu", nn.LeakyReLU: "leaky_relu",
               nn.Softmax: "softmax", nn.LogSoftmax: "log_softmax", nn.Identity: "identity"}
    for cls, name in by_type.items():
        if type(act) is cls:
            return name
    return str(getattr(act, "__name__", type(act).__name__))


def dense_layers(model: Any) -> list[DenseLayer]:
    """The model as a list of dense layers (first to last), or a `NetworkDrawError`."""
    import nn

    items: list[Any]
    if isinstance(model, (nn.MLP, nn.Sequential)):
        items = list(model.layers)
    elif isinstance(model, (nn.Linear, nn.Neuron)):
        items = [model]
    else:
        raise NetworkDrawError(
            f"draw_network: cannot draw a {type(model).__name__}; {WHAT_IT_DRAWS}. "
            "For any other model draw its graph: ag.draw(output)."
        )
    activations = (nn.Sigmoid, nn.Tanh, nn.ReLU, nn.LeakyReLU, nn.Softmax, nn.LogSoftmax, nn.Identity)
    layers: list[DenseLayer] = []
    for k, item in enumerate(items):
        if isinstance(item, nn.Neuron):
            w = item.w.data.astype(np.float64)[None, :]
            gw = _grad(item.w)
            gb = _grad(item.b)
            layers.append(DenseLayer(
                w, np.asarray(item.b.data, np.float64).reshape(1),
                None if gw is None else gw[None, :], None if gb is None else gb.reshape(1),
                _activation_name(item.activation), [item],
            ))
        elif isinstance(item, nn.Linear):
            act = _activation_name(item.activation) if isinstance(item, nn.Layer) else "identity"
            b = item.bias
            layers.append(DenseLayer(
                item.weight.data.astype(np.float64), None if b is None else b.data.astype(np.float64),
                _grad(item.weight), _grad(b), act, [item],
            ))
        elif isinstance(item, activations) and layers and layers[-1].activation == "identity":
            layers[-1].activation = _activation_name(item)
            layers[-1].modules.append(item)
        elif isinstance(item, nn.Identity) or (isinstance(item, nn.Dropout) and not item.training):
            if layers:
                layers[-1].modules.append(item)
        else:
            where = f"item {k} of the {type(model).__name__}"
            why = (
                "an activation must follow a Linear layer that has none"
                if isinstance(item, activations) else WHAT_IT_DRAWS
            )
            raise NetworkDrawError(
                f"draw_network: cannot draw {type(item).__name__} ({where}); {why}. "
                "For any other model draw its graph: ag.draw(output)."
            )
    for k in range(1, len(layers)):
        if layers[k].weight.shape[1] != layers[k - 1].weight.shape[0]:
            raise NetworkDrawError(
                f"draw_network: layer {k + 1} takes {layers[k].weight.shape[1]} inputs but layer "
                f"{k} gives {layers[k - 1].weight.shape[0]}: not a chain of dense layers"
            )
    n = layers[0].weight.shape[1] + sum(la.weight.shape[0] for la in layers)
    if n > MAX_NEURONS:
        raise NetworkDrawError(
            f"draw_network: the model has {n} neurons (inputs included); the neuron view draws "
            f"at most {MAX_NEURONS}. Draw its graph instead: ag.draw(output)."
        )
    return layers


def _forward(layers: list[DenseLayer], x: Any) -> list[np.ndarray]:
    """Each column's values for one sample: the inputs, then every layer's activations."""
    arr = np.asarray(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
    n_in = layers[0].weight.shape[1]
    if arr.ndim == 2 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.shape != (n_in,):
        raise ValueError(
            f"draw_network: x must be one sample of {n_in} features, shape ({n_in},) or (1, {n_in}); "
            f"got shape {arr.shape}. For a batch, pick one row: x[0]."
        )
    cols = [arr]
    with no_grad():
        cur = Tensor(arr[None, :])
        for la in layers:
            for m in la.modules:
                cur = m(cur)
            out = np.asarray(cur.data, dtype=np.float64).reshape(-1)
            if out.shape != (la.weight.shape[0],):  # e.g. a Neuron gives (1,) from (1, n)
                out = out.reshape(la.weight.shape[0])
                cur = Tensor(out[None, :])
            cols.append(out)
    return cols


@dataclass
class NetworkPicture:
    """The neuron view as SVG text: `.svg`, `save(path)`; shown inline by Jupyter."""

    svg: str
    width: int
    height: int

    def _repr_svg_(self) -> str:
        return self.svg

    def save(self, path: str | Path) -> Path:
        """Write the SVG to `path` (its suffix must be .svg); returns the path."""
        p = Path(path)
        if p.suffix.lower() != ".svg":
            raise ValueError(f"NetworkPicture.save: writes SVG files (a .svg path), got {p.name!r}")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(self.svg, encoding="utf-8")
        return p


def weight_name(layer: int, i: int, j: int, n_in: int, n_out: int) -> str:
    """The course's name of the weight from input i into unit j of layer `layer` (all 0-based):
    W11, W21, ... for the first layer, V1, V2 for a one-unit second layer."""
    letter = LETTERS[layer] if layer < len(LETTERS) else f"W{layer + 1}_"
    if n_out == 1:
        return f"{letter}{i + 1}"
    sep = "," if max(n_in, n_out) >= 10 else ""
    return f"{letter}{i + 1}{sep}{j + 1}"


def _neuron_names(layers: list[DenseLayer]) -> list[list[str]]:
    names = [[f"x{i + 1}" for i in range(layers[0].weight.shape[1])]]
    hidden = len(layers) - 1
    for k, la in enumerate(layers):
        n = la.weight.shape[0]
        if k == len(layers) - 1:
            names.append(["ŷ"] if n == 1 else [f"ŷ{j + 1}" for j in range(n)])
        elif hidden == 1:
            names.append([f"h{j + 1}" for j in range(n)])
        else:
            names.append([f"h{k + 1}.{j + 1}" for j in range(n)])
    return names


def draw_network(
    model: Any, x: Any = None, *, loss_name: str = "E", edges: str = "weight", title: str | None = None
) -> NetworkPicture:
    """Draw a small MLP the way the course does (see the module doc); returns a `NetworkPicture`.

    model: nn.MLP, nn.Layer, nn.Linear, nn.Neuron or nn.Sequential of those and activations.
    x: one input sample (n_inputs,) - each neuron then shows its activation; None for none.
    loss_name: what the gradients are of, as written on the edges (`dE/dW11`).
    edges: "weight" colours and sizes each edge by its weight, "grad" by its gradient (after
    backward(); blue positive, red negative in both).

    >>> import autograd as ag, nn
    >>> pic = ag.draw_network(nn.MLP(2, [2, 1], rng=0), [0.4, 0.6])
    >>> pic.svg.startswith("<svg"), "W11 = " in pic.svg
    (True, True)
    """
    if edges not in ("weight", "grad"):
        raise ValueError(f"draw_network: edges must be 'weight' or 'grad', got {edges!r}")
    layers = dense_layers(model)
    if edges == "grad" and any(la.weight_grad is None for la in layers):
        raise ValueError("draw_network: edges='grad' needs gradients: call backward() on a loss first")
    shown = [la.weight if edges == "weight" else la.weight_grad for la in layers]
    values = _forward(layers, x) if x is not None else None
    names = _neuron_names(layers)
    sizes = [len(c) for c in names]
    tallest = max(sizes)
    labelled = [la.weight.size <= LABELLED_EDGES for la in layers]
    r = 30 if tallest <= 4 else 24 if tallest <= 8 else 21
    gap = 40 if tallest > 4 else 170 if tallest <= 2 and any(labelled) else 100 if any(labelled) else 60
    dy = 2 * r + (gap if tallest <= 8 else 12)
    dx = 330 if any(labelled) else 200
    top, left = 70, 70
    height = int(top + 10 + 2 * r + (tallest - 1) * dy + 40)
    width = left * 2 + (len(sizes) - 1) * dx
    pos: list[list[tuple[float, float]]] = [
        [(float(left + c * dx), top + 10 + r + (tallest - n) * dy / 2 + j * dy) for j in range(n)]
        for c, n in enumerate(sizes)
    ]
    biggest = max(float(np.abs(a).max()) for a in shown if a is not None) or 1.0
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Verdana, sans-serif" '
        'font-size="13">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    if title:
        out.append(f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15" '
                   f'font-weight="bold">{escape(title)}</text>')
    heads = ["inputs"] + [
        ("output" if k == len(layers) - 1 else "hidden")
        + f" · {ACTIVATION_SYMBOL.get(la.activation, la.activation)}"
        for k, la in enumerate(layers)
    ]
    for c, h in enumerate(heads):
        out.append(f'<text x="{left + c * dx}" y="{top - 22}" text-anchor="middle" '
                   f'fill="#555">{escape(h)}</text>')
    labels: list[str] = []
    for k, la in enumerate(layers):
        n_out, n_in = la.weight.shape
        along = _label_distances(pos[k], pos[k + 1], dy, r)
        for j in range(n_out):
            for i in range(n_in):
                (x1, y1), (x2, y2) = pos[k][i], pos[k + 1][j]
                w = float(la.weight[j, i])
                name = weight_name(k, i, j, n_in, n_out)
                g = None if la.weight_grad is None else float(la.weight_grad[j, i])
                tip = f"{name} = {fmt_number(w)}"
                if g is not None:
                    tip += f", d{loss_name}/d{name} = {fmt_number(g)}"
                strength = float(shown[k][j, i])  # type: ignore[index]
                width_px = 0.8 + 5.2 * abs(strength) / biggest
                colour = POSITIVE if strength >= 0 else NEGATIVE
                out.append(
                    f'<g class="weight" id="{escape(name)}"><title>{escape(tip)}</title>'
                    f'<line x1="{x1 + r:.1f}" y1="{y1:.1f}" x2="{x2 - r:.1f}" y2="{y2:.1f}" '
                    f'stroke="{colour}" stroke-width="{width_px:.2f}" stroke-opacity="0.8"/></g>'
                )
                if labelled[k]:
                    labels.append(_edge_label((x1 + r, y1), (x2 - r, y2), along[i, j], name, w, g, loss_name))
    out.extend(labels)
    for c, col in enumerate(pos):
        la_in = layers[c - 1] if c > 0 else None
        for j, (cx, cy) in enumerate(col):
            v = None if values is None else float(values[c][j])
            fill = "#f2f2f2" if c == 0 else "#fff8e6" if c < len(pos) - 1 else "#e8f3e8"
            if v is not None and c > 0:
                # Shade by the activation, relative to the column's largest: how much it fires.
                top_v = float(np.abs(values[c]).max()) or 1.0  # type: ignore[index]
                fill = f"rgba(255,160,40,{0.1 + 0.6 * abs(v) / top_v:.2f})"
            out.append(f'<g class="neuron" id="n{c}_{j}">')
            b = None if la_in is None or la_in.bias is None else float(la_in.bias[j])
            tip = names[c][j] + ("" if v is None else f" = {fmt_number(v)}")
            if b is not None:
                tip += f"; bias {fmt_number(b)}"
                gb = None if la_in is None or la_in.bias_grad is None else float(la_in.bias_grad[j])
                if gb is not None:
                    tip += f", d{loss_name}/dbias = {fmt_number(gb)}"
            out.append(f"<title>{escape(tip)}</title>")
            out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r}" fill="{fill}" stroke="#333" '
                       'stroke-width="1.5"/>')
            small = r < 24
            if v is None:
                out.append(f'<text x="{cx:.1f}" y="{cy + 5:.1f}" text-anchor="middle" font-weight="bold">'
                           f"{escape(names[c][j])}</text>")
            elif small:
                out.append(f'<text x="{cx:.1f}" y="{cy + 4:.1f}" text-anchor="middle" font-size="11">'
                           f"{escape(_short(v))}</text>")
                if c in (0, len(pos) - 1):  # no room inside: inputs and outputs named outside
                    side = -1 if c == 0 else 1
                    out.append(f'<text x="{cx + side * (r + 6):.1f}" y="{cy + 4:.1f}" font-weight="bold" '
                               f'text-anchor="{"end" if side < 0 else "start"}">{escape(names[c][j])}</text>')
            else:
                out.append(f'<text x="{cx:.1f}" y="{cy - 4:.1f}" text-anchor="middle" font-weight="bold">'
                           f"{escape(names[c][j])}</text>")
                out.append(f'<text x="{cx:.1f}" y="{cy + 13:.1f}" text-anchor="middle" font-size="12">'
                           f"{escape(_short(v))}</text>")
            if b is not None and labelled[c - 1]:
                out.append(f'<text x="{cx:.1f}" y="{cy + r + 16:.1f}" text-anchor="middle" font-size="11" '
                           f'fill="#555">b = {escape(fmt_number(b))}</text>')
            out.append("</g>")
    out.append("</svg>")
    return NetworkPicture("\n".join(out), int(width), int(height))


def _short(v: float) -> str:
    """An activation, short enough for a small circle: 0.92, -0.27, 12.3, 1.2e+03."""
    if v == 0:
        return "0"
    if abs(v) >= 1000 or abs(v) < 0.005:
        return f"{v:.1e}".replace("e-0", "e-").replace("e+0", "e")
    return f"{v:.3g}" if abs(v) >= 10 else f"{v:.2f}"


def _label_distances(src: list[tuple[float, float]], dst: list[tuple[float, float]], dy: float,
                     r: float) -> np.ndarray:
    """Where each edge's label sits, in pixels from its source end.

    A level edge gets its label in the middle (nothing crosses it there). The slanted edges
    leaving one neuron fan out from it, so their labels are spread along them: the least
    slanted nearest the source, each next one further on, so two labels never sit side by side
    where the edges are still close together.
    """
    out = np.zeros((len(src), len(dst)))
    for i, (x1, y1) in enumerate(src):
        slanted = []
        for j, (x2, y2) in enumerate(dst):
            length = math.hypot(x2 - x1, y2 - y1) - 2 * r
            if abs(y2 - y1) < dy / 2:
                out[i, j] = length / 2
            else:
                slanted.append((abs(y2 - y1), j))
        for rank, (_, j) in enumerate(sorted(slanted)):
            out[i, j] = 90 + 95 * rank
    return out


def _edge_label(
    a: tuple[float, float], b: tuple[float, float], along: float, name: str, w: float,
    g: float | None, loss_name: str,
) -> str:
    """The weight's name and value above the edge, its gradient below, written along it,
    centred `along` pixels from the edge's source end."""
    length = math.hypot(b[0] - a[0], b[1] - a[1]) or 1.0
    t = min(0.5, along / length)
    x = a[0] + t * (b[0] - a[0])
    y = a[1] + t * (b[1] - a[1])
    angle = math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
    halo = 'paint-order="stroke" stroke="white" stroke-width="4" stroke-linejoin="round"'
    parts = [
        f'<g class="weight-label" transform="translate({x:.1f},{y:.1f}) rotate({angle:.1f})">',
        f'<text y="-7" text-anchor="middle" font-size="13" {halo}>'
        f"{escape(name)} = {escape(fmt_number(w))}</text>",
    ]
    if g is not None:
        parts.append(
            f'<text y="17" text-anchor="middle" font-size="12" fill="#7b2cbf" {halo}>'
            f"d{escape(loss_name)}/d{escape(name)} = {escape(f'{g:.4g}')}</text>"
        )
    parts.append("</g>")
    return "".join(parts)
