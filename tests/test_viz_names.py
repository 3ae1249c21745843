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
    # the intermediates have no variable: they are called by what computes them, not t3
    assert "w1*x1 = mul(w1, x1)" in text
    assert "w1*x1 + b = add(w1*x1, b)" in text
    assert "t3" not in text
    assert "t3" not in ag.render_text(h1)
    # the picture writes the expression on the op node; the record keeps the numbers
    assert "label=<w1*x1>" in dot
    assert "label=<w1*x1 + b>" in dot
    assert "<B>w1*x1</B>" not in dot
    # a structure-only picture keeps the name in the box (it has no numbers to show)
    bare = ag.to_dot(h1, show_values=False, show_grads=False)
    assert "<B>w1*x1</B>" in bare
    assert "<TR></TR>" not in bare


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
    assert "d(w1*x1)/dw1 = x1 = 0.4" in report
    assert "h1*(1-h1)" in report


def test_walk_skips_library_frames_and_ids_are_never_shown() -> None:
    a = ag.tensor(1.0, requires_grad=True)
    names = caller_names()
    assert names[id(a)] == "a"
    g = build_graph((a * 2.0).exp(), names={})
    # no names at all: the leaf is called by its kind (never t0), the rest are expressions of it
    assert [nd.name for nd in g.nodes if nd.kind == "tensor"] == ["param", "param*2", "exp(param*2)"]
    assert not any(nd.named for nd in g.nodes if nd.kind == "tensor")


def test_expression_names_are_short_unique_and_bracketed_right() -> None:
    from autograd.viz.names import EXPR_CHARS

    a = ag.tensor(1.5, requires_grad=True)
    b = ag.tensor(2.0, requires_grad=True)
    c = ag.tensor(3.0, requires_grad=True)
    out = (a - (b + c)) * (a / (b * c))
    g = build_graph(out)
    names = [nd.name for nd in g.nodes if nd.kind == "tensor"]
    assert "b + c" in names
    assert "a - (b + c)" in names
    assert "b*c" in names
    assert "a/(b*c)" in names
    assert names[-1] == "out"
    # a deep expression is elided to stay short
    deep = (a * b + c * a + b * c).exp() * 2.0
    names = [nd.name for nd in build_graph(deep).nodes if nd.kind == "tensor"]
    assert all(len(n) <= EXPR_CHARS for n in names), names
    assert "a*b + c*a + b*c" in names
    assert "exp(…)" in names
    assert names[-1] == "deep"
    # (…)*(…) says nothing: one operand is elided, the first kept (it reads left to right)
    names = [nd.name for nd in build_graph(((a * b + c * a) * (b * c + a * a)).exp()).nodes
             if nd.kind == "tensor"]
    assert names[-2] == "(a*b + c*a)*…"
    assert names[-1] == "exp((a*b + c*a)*…)"
    # an op whose arguments make it too long is still named by the op alone
    names = [nd.name for nd in build_graph((a * b).reshape(1, 1, 1, 1).sum()).nodes
             if nd.kind == "tensor"]
    assert "reshape(…)" in names, names
    # two tensors that compute the same expression both read a*b; a name a person gave wins
    twice = (a * b) + (a * b)
    names = [nd.name for nd in build_graph(twice).nodes if nd.kind == "tensor"]
    assert names.count("a*b") == 2
    p = a * b
    p.name = "a*b"  # a person's name equal to the expression: the other one reads mul(a, b)
    names = [nd.name for nd in build_graph(p + a * b).nodes if nd.kind == "tensor"]
    assert names.count("a*b") == 1
    assert "mul(a, b)" in names


def test_formulas_use_expression_names_in_brackets_everywhere() -> None:
    w1 = ag.tensor(0.5, requires_grad=True)
    x1 = ag.tensor(0.4)
    x = ag.tensor(0.25, requires_grad=True)  # letters the ops' own formulas use: no clash
    y = ag.tensor(3.0, requires_grad=True)
    out = ((w1 * x1) * y + x).sigmoid()
    out.backward()
    report = str(ag.explain(out, w1))
    # an output called by its expression is differentiated once: d(w1*x1)/dw1 = x1
    assert "d(w1*x1)/dw1 = x1 = 0.4" in report
    assert "d(w1*x1*y)/d(w1*x1) = y = 3" in report
    assert "d(w1 * x1)/dw1" not in report
    assert "dout/d(w1*x1*y + x)" in report
    tr = ag.trace_backward(out)
    table = tr.table()
    assert "d(w1*x1)/dw1 = x1" in table
    assert "d(w1*x1*y)/dy = (w1*x1)" in table
    assert "d(w1 * x1)/dw1" not in table
    assert "t2" not in table
    assert "t4" not in table
    # the explorer's side panel shows the same text, from the same steps
    data = ag.explore(out).html
    assert "d(w1*x1)/dw1 = x1" in data


def test_module_outputs_are_called_by_what_they_apply_to() -> None:
    import nn

    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Linear(3, 1, rng=1))
    x = ag.tensor([[0.5, -1.0]], name="x")
    out = model(x).sum()
    names = [nd.name for nd in build_graph(out).nodes if nd.kind == "tensor"]
    # the parameters keep their dotted names; what the layers made reads as what it applied to
    assert "0.weight" in names
    assert "linear(x)" in names
    assert "relu(linear(x))" in names
    assert "2.linear(…)" in names  # elided, and named by its module: two layers never read alike
    assert names[-1] == "out"
    report = str(ag.explain(out, model[0].bias))
    assert "d(relu(linear(x)))/d(linear(x)) = " in report


def test_two_layers_never_share_an_elided_name() -> None:
    """Deep in a model the names are elided (``tanh(…)``); two layers' outputs would then read
    alike, so each is told apart by its module: by the layer's parameters for the layer's own
    op, by the scope it ran in for the rest."""
    import nn

    class Block(nn.Module):
        def __init__(self, n_in: int, n_out: int, seed: int) -> None:
            super().__init__()
            self.fc = nn.Linear(n_in, n_out, rng=seed)

        def forward(self, x: ag.Tensor) -> ag.Tensor:
            return self.fc(x).tanh()

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.ModuleList([Block(2, 3, 0), Block(3, 3, 1), Block(3, 3, 2)])

        def forward(self, x: ag.Tensor) -> ag.Tensor:
            for layer in self.layers:
                x = layer(x)
            return x

    net = Net()
    out = net(ag.tensor([[0.5, -1.0]], name="x")).sum()
    names = [nd.name for nd in build_graph(out).nodes if nd.kind == "tensor" and nd.tensor._ctx is not None]
    assert len(names) == len(set(names)), names
    assert names[:2] == ["linear(x)", "tanh(linear(x))"]
    for name in ("layers.1.fc(…)", "layers.2.fc(…)", "layers.1.tanh(…)", "layers.2.tanh(…)"):
        assert name in names, names
    report = str(ag.explain(out, net.layers[0].fc.weight))
    assert "layers.2.tanh(…) = tanh(layers.2.fc(…))" in report
