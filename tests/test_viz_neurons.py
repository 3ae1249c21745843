"""`ag.draw_network`: small MLPs drawn as the course draws them (neurons, weights, gradients)."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.viz.labels import fmt_number
from autograd.viz.neurons import NEGATIVE, POSITIVE, NetworkDrawError
from demos.nb5_backprop import X1, X2, as_mlp, by_hand

SVG = "{http://www.w3.org/2000/svg}"


def weight_edges(svg: str) -> dict[str, tuple[str, float, str]]:
    """weight name -> (colour, stroke width, tooltip)."""
    out = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") == "weight":
            line = g.find(f"{SVG}line")
            title = g.find(f"{SVG}title")
            assert line is not None
            assert title is not None
            width = float(line.get("stroke-width", "0"))
            out[g.get("id", "")] = (line.get("stroke", ""), width, title.text or "")
    return out


def test_the_course_network_shows_w11_and_its_gradient_on_its_edge() -> None:
    _, model = as_mlp()  # nn.MLP(2, [2, 1]) with the course's weights, after E.backward()
    svg = ag.draw_network(model, [X1, X2]).svg
    edges = weight_edges(svg)
    assert sorted(edges) == ["V1", "V2", "W11", "W12", "W21", "W22"]
    grad = model.layers[0].weight.grad
    assert grad is not None
    d_w11 = float(grad.data[0, 0])
    assert d_w11 == pytest.approx(by_hand()["dE/dW11"], abs=1e-15)
    assert edges["W11"][2] == f"W11 = 2, dE/dW11 = {fmt_number(d_w11)}"
    # written on the edge itself, along it: the weight above, its gradient below
    labels = re.findall(r'<g class="weight-label"[^>]*>(.*?)</g>', svg)
    w11 = next(lab for lab in labels if ">W11 = 2<" in lab)
    assert f">dE/dW11 = {d_w11:.4g}<" in w11
    # W12 is the weight from x1 into h2 (the course's h2 = W12 x1 + W22 x2): weight[1, 0]
    assert edges["W12"][2].startswith("W12 = 3,")
    assert edges["V2"][2].startswith("V2 = -0.5,")
    # colour for sign, thickness for magnitude
    assert edges["W21"][0] == POSITIVE
    assert edges["V2"][0] == NEGATIVE
    widths = {k: v[1] for k, v in edges.items()}
    assert widths["W21"] > widths["W22"] > widths["W12"] > widths["W11"] > widths["V1"] > widths["V2"]
    # activations in the neurons: s1 = sigmoid(2 * 0.4 + 6 * 0.6 - 2) and y_hat
    h1 = re.search(r'<g class="neuron" id="n1_0">(.*?)</g>', svg, re.S)
    assert h1 is not None
    assert ">h1<" in h1.group(1)
    assert f">{1 / (1 + np.exp(-2.4)):.2f}<" in h1.group(1)
    out = re.search(r'<g class="neuron" id="n2_0">(.*?)</g>', svg, re.S)
    assert out is not None
    assert f">{by_hand()['y_hat']:.2f}<" in out.group(1)


def test_labels_are_legible_and_the_svg_renders(tmp_path: Path) -> None:
    _, model = as_mlp()
    pic = ag.draw_network(model, [X1, X2])
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', pic.svg)]
    assert min(sizes) >= 11
    assert pic.width / pic.height < 3
    path = pic.save(tmp_path / "net.svg")
    if shutil.which("rsvg-convert"):
        png = tmp_path / "net.png"
        subprocess.run(["rsvg-convert", str(path), "-o", str(png)], check=True, timeout=60)
        assert png.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match=r"\.svg"):
        pic.save(tmp_path / "net.png")


def test_bigger_models_sequential_and_neuron() -> None:
    mlp = nn.MLP(2, [16, 16, 1], activation="relu", rng=0)
    x = np.array([[0.3, -0.2]])
    loss = (mlp(x) ** 2).sum()
    loss.backward()
    svg = ag.draw_network(mlp, x, loss_name="L").svg
    edges = weight_edges(svg)
    assert len(edges) == 2 * 16 + 16 * 16 + 16
    assert "weight-label" not in svg  # too many edges to write on; the tooltips carry them
    w = mlp.layers[1].weight
    assert w.grad is not None
    v32, d_v32 = fmt_number(w.data[1, 2]), fmt_number(w.grad.data[1, 2])
    assert edges["V3,2"][2] == f"V3,2 = {v32}, dL/dV3,2 = {d_v32}"
    by_grad = weight_edges(ag.draw_network(mlp, x, edges="grad").svg)
    assert by_grad["V3,2"][1] != edges["V3,2"][1]
    seq = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Linear(4, 2, rng=1), nn.Sigmoid())
    svg = ag.draw_network(seq, [1.0, 0.0, -1.0]).svg
    assert "hidden · tanh" in svg
    assert "output · σ" in svg
    assert len(weight_edges(svg)) == 12 + 8
    neuron = nn.Neuron(3, rng=0)
    svg = ag.draw_network(neuron).svg  # no input: names only
    assert sorted(weight_edges(svg)) == ["W1", "W2", "W3"]
    assert ">ŷ<" in svg


def test_models_it_cannot_draw_get_a_clear_error() -> None:
    class Custom(nn.Module):
        def forward(self, x: ag.Tensor) -> ag.Tensor:
            return x

    with pytest.raises(NetworkDrawError, match=r"cannot draw a Custom; it draws nn\.MLP.*ag\.draw\(output\)"):
        ag.draw_network(Custom())
    with pytest.raises(NetworkDrawError, match=r"cannot draw Flatten \(item 1 of the Sequential\)"):
        ag.draw_network(nn.Sequential(nn.Linear(2, 2), nn.Flatten()))
    with pytest.raises(NetworkDrawError, match=r"has 67 neurons .* at most 64"):
        ag.draw_network(nn.MLP(2, [64, 1]))
    with pytest.raises(NetworkDrawError, match="layer 2 takes 3 inputs but layer 1 gives 2"):
        ag.draw_network(nn.Sequential(nn.Linear(2, 2), nn.Linear(3, 1)))
    model = nn.MLP(2, [2, 1])
    with pytest.raises(ValueError, match=r"one sample of 2 features.*got shape \(5, 2\).*x\[0\]"):
        ag.draw_network(model, np.zeros((5, 2)))
    with pytest.raises(ValueError, match="edges='grad' needs gradients"):
        ag.draw_network(model, edges="grad")
    with pytest.raises(ValueError, match="edges must be"):
        ag.draw_network(model, edges="size")
