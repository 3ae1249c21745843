"""Names people wrote: pictures, text trees and reports call tensors by the caller's variables."""

from __future__ import annotations

import autograd as ag
from autograd.viz.graph import build_graph
from autograd.viz.names import caller_names

# A module-level tensor, found through the calling frame's globals.
GLOBAL_WEIGHT = ag.tensor(0.7, requires_grad=True)


def test_locals_name_unnamed_tensors_in_text_and_dot() -> None:
    w1 = ag.tensor(0.5, requires_grad=True)
    x1 = ag.tensor(0.4)
    b = ag.tensor(0.1, requires_grad=True)
    h1 = (w1 * x1 + b).sigmoid()
    text = ag.render_text(h1, show_values=False)
    assert text.splitlines()[0].startswith("h1 = sigmoid(")
    assert "w1  (parameter)" in text
    assert "x1  (input)" in text
    assert "b  (parameter)" in text
    dot = ag.to_dot(h1)
    for name in ("h1", "w1", "x1", "b"):
        assert f"<B>{name}</B>" in dot
    # the intermediate w1 * x1 has no variable: it keeps its id
    assert "t3" in text


def test_globals_are_searched_after_locals() -> None:
    x = ag.tensor(2.0)
    y = GLOBAL_WEIGHT * x
    text = ag.render_text(y, show_values=False)
    assert "GLOBAL_WEIGHT  (parameter)" in text
    assert text.startswith("y = mul(GLOBAL_WEIGHT, x)")


def test_explicit_names_and_parameter_names_win() -> None:
    w = ag.tensor(0.5, requires_grad=True, name="weight")
    x = ag.tensor(1.5)
    out = w * x
    text = ag.render_text(out, show_values=False)
    assert "weight  (parameter)" in text
    assert "w  (parameter)" not in text
    # a variable name that another tensor carries as its own name is not reused
    other = ag.tensor(1.0, name="x")
    both = out + other * 1.0
    text2 = ag.render_text(both, show_values=False)
    assert text2.count("x  (input)") == 1


def test_module_parameters_keep_their_dotted_names() -> None:
    import nn

    model = nn.Linear(2, 1, rng=0)
    weight = model.weight  # a local bound to the parameter must not rename it
    out = model(ag.tensor([[1.0, 2.0]])).sum()
    assert weight is model.weight
    text = ag.render_text(out, show_values=False)
    assert "weight  (parameter)" in text
    assert "bias  (parameter)" in text


def test_containers_give_indexed_names() -> None:
    xs = [ag.tensor(float(i), requires_grad=True) for i in range(3)]
    p = {"W11": ag.tensor(0.5, requires_grad=True)}
    out = xs[0] * xs[2] + p["W11"]
    text = ag.render_text(out, show_values=False)
    assert "xs[0]  (parameter)" in text
    assert "xs[2]  (parameter)" in text
    assert "p['W11']  (parameter)" in text


def test_names_reach_explain_without_letter_clashes() -> None:
    # The user's own `x` and `y`: the op's formula letters (x, y of mul) must not appear.
    x = ag.tensor(0.4, requires_grad=True)
    y = ag.tensor(3.0, requires_grad=True)
    z = y * x
    report = str(ag.explain(z, y))
    assert "dz/dy = d(y * x)/dy = x = 0.4" in report
    w1 = ag.tensor(0.5, requires_grad=True)
    x1 = ag.tensor(0.4)
    h1 = (w1 * x1).sigmoid()
    report = str(ag.explain(h1, w1))
    assert "d(w1 * x1)/dw1 = x1 = 0.4" in report
    assert "h1*(1-h1)" in report


def test_walk_skips_library_frames_and_ids_are_the_last_resort() -> None:
    a = ag.tensor(1.0, requires_grad=True)
    names = caller_names()
    assert names[id(a)] == "a"
    g = build_graph((a * 2.0).exp(), names={})
    assert [nd.name for nd in g.nodes if nd.kind == "tensor"] == ["t0", "t1", "t2"]
    assert not any(nd.named for nd in g.nodes if nd.kind == "tensor")
