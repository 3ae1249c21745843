"""No picture, text tree or report shows a tensor's id (``t14``): every tensor gets a name a
learner can read, however long the expression that made it or however anonymous a leaf."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.viz.graph import build_graph
from autograd.viz.names import EXPR_CHARS, caller_names
from nn import functional as F  # noqa: N812 - PyTorch's convention

ID = re.compile(r"\bt\d+\b")


def shown_text(dot: str) -> str:
    """Every label of a DOT source (the text a picture shows), without its node ids."""
    return "\n".join(re.findall(r"label=<(.*?)>\s*(?:,|\]|$)", dot, flags=re.M | re.S))


def tensor_names(root: ag.Tensor) -> list[str]:
    """The names of root's tensors, with the variables of the test that calls this."""
    names = caller_names(sys._getframe(1))
    return [nd.name for nd in build_graph(root, names).nodes if nd.kind == "tensor"]


def test_a_loss_made_by_a_long_op_is_named_by_its_short_form() -> None:
    model = nn.MLP(2, [4, 1], rng=0)
    x = ag.tensor([[0.5, -0.2]], name="x")
    y = ag.tensor([1.0], name="y")
    logits = model(x).reshape(-1)
    loss = F.binary_cross_entropy_with_logits(logits, y)
    loss.name = "loss"
    loss.backward()
    names = tensor_names(loss)
    # binary_cross_entropy_with_logits(logits, y) is 44 characters: it was called t<N>
    assert "bce(logits, y)" in names, names
    assert not any(ID.fullmatch(n) for n in names), names
    dot = ag.to_dot(loss)
    assert "bce(logits, y)" in dot
    assert not ID.search(shown_text(dot)), shown_text(dot)
    text = ag.render_text(loss)
    assert not ID.search(text), text


def test_an_unnamed_constant_is_called_by_its_value() -> None:
    model = nn.MLP(2, [4, 1], activation="tanh", rng=0)
    out = model(ag.tensor([[0.5, -0.5]], name="x"))
    loss = F.binary_cross_entropy_with_logits(out.reshape(-1), [1.0])  # the target: a new leaf
    names = tensor_names(loss)
    assert "[1]" in names, names
    assert "bce(…, [1])" in names, names
    assert not any(ID.fullmatch(n) for n in names), names
    # its record says its value once: as its name, with no data row repeating it
    dot = ag.to_dot(loss)
    assert "<B>[1]</B>" in dot
    assert "data [1]<" not in dot
    # the report writes the derivation in these names too
    p = ag.tensor(0.25, requires_grad=True, name="p")
    e = F.binary_cross_entropy(p, 1.0, reduction="none")
    report = str(ag.explain(e, p))
    assert "binary_cross_entropy(p, 1)" in report, report
    assert not ID.search(report), report


def test_loop_leaves_rebound_to_one_variable_get_readable_names() -> None:
    rng = np.random.default_rng(0)
    w = ag.tensor(rng.normal(size=(3, 4)), requires_grad=True)
    u = ag.tensor(rng.normal(size=(4, 4)), requires_grad=True)
    bias = ag.tensor(np.zeros(4), requires_grad=True)
    h = ag.tensor(np.zeros((1, 4)))
    for _ in range(3):
        x_t = ag.tensor(rng.normal(size=(1, 3)))
        h = (x_t @ w + h @ u + bias).tanh()
    loss = (h * h).sum()
    loss.backward()
    names = tensor_names(loss)
    assert not any(ID.fullmatch(n) for n in names), names
    assert "zeros(1,4)" in names  # the first state: its value says what it is
    assert {"input1", "input2", "x_t"} <= set(names)  # earlier x_t's: distinct, by their kind
    assert "zeros(1,4) @ u" in names
    # a sum of two expressions too long to write out keeps its first term (it was t<N>)
    assert "x_t @ w + …" in names, names
    assert "tanh(… + bias) @ u" in names
    for view in ("forward", "backward"):
        for roll in (True, False):
            dot = ag.to_dot(loss, view=view, roll=roll)
            assert not ID.search(shown_text(dot)), (view, roll)
    assert not ID.search(str(ag.explain(loss, w)))
    assert not ID.search(ag.trace_backward(loss).table())


def test_unnamed_parameters_are_called_param_and_keep_their_name_in_the_record() -> None:
    a = ag.tensor(0.5, requires_grad=True)
    b = ag.tensor(1.5, requires_grad=True)
    out = a * b
    names = [nd.name for nd in build_graph(out, names={}).nodes if nd.kind == "tensor"]
    assert names == ["param1", "param2", "param1*param2"]
    # a constant's record shows its value once; a parameter's shows its name
    dot = ag.to_dot(ag.tensor(0.5, requires_grad=True, name="w") * ag.tensor(2.0))
    assert "<B>2</B>" not in dot
    assert "data 2" in dot
    assert "<B>w</B>" in dot


def test_every_name_stays_short_or_is_an_op_name() -> None:
    a = ag.tensor(1.5, requires_grad=True)
    b = ag.tensor(2.0, requires_grad=True)
    c = ag.tensor(3.0, requires_grad=True)
    deep = ((a * b + c * a) + (b * c + a * a)) * ((a + b) * (b + c) + (c * c + a * b))
    names = tensor_names(deep.exp())
    assert not any(ID.fullmatch(n) for n in names), names
    assert all(len(n) <= EXPR_CHARS for n in names), names


def test_no_docs_picture_shows_an_id() -> None:
    from pathlib import Path

    images = Path(__file__).resolve().parent.parent / "docs" / "images"
    svgs = sorted(images.glob("*.svg"))
    assert svgs
    for svg in svgs:
        texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg.read_text(encoding="utf-8"))
        shown = [t for t in texts if ID.search(t)]
        assert not shown, f"{svg.name} shows {shown}: run python -m demos.gen_images"


def test_backward_edges_of_a_tensor_used_twice_carry_their_shares() -> None:
    x = ag.tensor(0.5, requires_grad=True, name="x")
    w = ag.tensor(-1.5, requires_grad=True, name="w")
    out = (x * w + x).tanh()
    out.backward()
    labels = re.findall(r"label=<(d[^>]*)>", ag.to_dot(out, view="backward"))
    shares = [float(lab.split("+= ")[1]) for lab in labels if lab.startswith("dout/dx += ")]
    # x is read by mul and by add: each edge carries its share, and they add up to x.grad
    # (each edge used to be labelled with the total, which reads as twice the gradient)
    assert len(shares) == 2, labels
    assert x.grad is not None
    assert sum(shares) == pytest.approx(x.grad.item(), abs=0.01)
    assert "dout/dw = 0.47" in labels  # a tensor used once: its edge carries all of it
