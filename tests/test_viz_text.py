"""The plain-text tree for terminals."""

from __future__ import annotations

import numpy as np

import autograd as ag


def test_tree_lists_each_tensor_with_its_op_and_branches_on_several_inputs() -> None:
    a = ag.tensor(2.0, requires_grad=True, name="a")
    b = ag.tensor(3.0, requires_grad=True, name="b")
    c = a * b
    c.name = "c"
    out = (c + a.exp()).tanh()
    out.name = "out"
    text = ag.render_text(out, show_values=False)
    assert text.splitlines() == [
        "out = tanh(c + exp(a))  () float64",
        "c + exp(a) = add(c, exp(a))  () float64",
        "├─ c = mul(a, b)  () float64",
        "│  ├─ a  (parameter)  () float64",
        "│  └─ b  (parameter)  () float64",
        "└─ exp(a)  () float64",
        "   a  (see above)",
    ]


def test_values_grads_and_constants() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True, name="x")
    y = (x * 3.0).sum()
    y.backward()
    text = ag.render_text(y)
    assert "x*3 = mul(x, 3)  (2,) float64  data [3, 6]" in text
    assert "x  (parameter)  (2,) float64  data [1, 2]  grad [3, 3]" in text
    assert "grad" not in ag.render_text(y, show_grads=False)
    assert "data" not in ag.render_text(y, show_values=False)


def test_shared_subtrees_are_printed_once() -> None:
    x = ag.tensor(1.0, requires_grad=True, name="x")
    h = x
    for _ in range(30):
        h = h * h  # a diamond per level: 2^30 paths, 31 tensors
    text = ag.render_text(h, show_values=False)
    assert len(text.splitlines()) < 100
    assert text.count("(see above)") == 0  # x * x: the same input twice is one child
    y = x.exp()
    z = y * y.sin()
    t2 = ag.render_text(z, show_values=False)
    assert t2.count("(see above)") == 1


def test_max_lines_caps_output_with_a_note() -> None:
    x = ag.tensor(np.ones(2), requires_grad=True)
    y = x
    for _ in range(50):
        y = y.sin()
    text = ag.render_text(y, max_lines=10)
    lines = text.splitlines()
    assert len(lines) == 11
    assert lines[-1].startswith("... 41 more tensors not shown")


def test_deep_branching_stops_indenting() -> None:
    x = ag.tensor(1.0, requires_grad=True, name="x")
    y = x
    for _ in range(100):
        y = y + y.sin()  # two inputs per level: would indent 100 levels
    text = ag.render_text(y, show_values=False, max_lines=None)
    assert "not indented further" in text
    assert max(len(line) for line in text.splitlines()) < 200


def test_print_graph_prints(capsys) -> None:
    x = ag.tensor(1.0, requires_grad=True, name="x")
    ag.print_graph(x.exp())
    assert "exp(x)" in capsys.readouterr().out


def test_tree_writes_each_call_once_and_keyword_arguments_after_the_operands() -> None:
    x = ag.tensor([[0.5, -0.5]], requires_grad=True, name="x")
    out = (x.reshape(-1) * ag.tensor([2.0, 2.0])).sum()
    text = ag.render_text(out)
    assert "reshape(x, shape=(-1,))" in text, text  # was reshape(shape=(-1,))(x)
    assert "(-1,))(" not in text
    # the constant is called by its value: its line does not repeat it as data
    assert "└─ [2, 2]  (input)  (2,) float64" in text.splitlines(), text
