"""ag.compile: the generated code computes what eager mode computes, bit for bit; guards retrace;
anything that would bake a traced value into the code is refused with the line that did it."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from test_ops import CASES, make_tensors

import autograd as ag
import nn
from autograd.registry import OpInfo, Sample
from nn import functional as F  # noqa: N812 - torch's name


def _same(a: Any, b: Any) -> bool:
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


# -- every registered op ------------------------------------------------------------------------
def _op_step(op: OpInfo, sample: Sample, weight: np.ndarray) -> Any:
    def step(*xs: ag.Tensor) -> ag.Tensor:
        out = op.call(*xs, **sample.kwargs)
        loss = (out * weight).sum()  # a random upstream gradient
        loss.backward()
        return loss

    return step


@pytest.mark.parametrize(("op", "sample"), CASES)
def test_every_op_compiled_equals_eager(op: OpInfo, sample: Sample, rng: np.random.Generator) -> None:
    probe = op.call(*make_tensors(op, op.inputs(rng, sample)), **sample.kwargs)
    weight = rng.standard_normal(probe.shape)
    step = ag.compile(_op_step(op, sample, weight))
    eager = _op_step(op, sample, weight)
    for _ in range(3):  # the first call traces; later calls run the code on fresh values
        arrays = op.inputs(rng, sample)
        xs_eager, xs_comp = make_tensors(op, arrays), make_tensors(op, arrays)
        want, got = eager(*xs_eager), step(*xs_comp)
        assert _same(want.data, got.data), op.name
        for a, b in zip(xs_eager, xs_comp, strict=True):
            assert (a.grad is None) == (b.grad is None)
            if a.grad is not None:
                assert _same(a.grad.data, b.grad.data), f"{op.name}: gradient differs"
    assert step.traces == 1


# -- whole training steps -----------------------------------------------------------------------
def _course_network() -> tuple[list[ag.Tensor], Any]:
    w1 = ag.tensor(2.0, requires_grad=True, name="w1")
    w2 = ag.tensor(6.0, requires_grad=True, name="w2")
    b = ag.tensor(-2.0, requires_grad=True, name="b")

    def step(x1: ag.Tensor, x2: ag.Tensor) -> ag.Tensor:
        y_hat = (w1 * x1 + w2 * x2 + b).sigmoid()
        loss = (y_hat - 1.0) ** 2
        loss.backward()
        with ag.no_grad():
            for p in (w1, w2, b):
                p -= 0.5 * p.grad
                p.grad = None
        return loss

    return [w1, w2, b], step


def test_course_network_step_equals_eager_and_reads_as_the_chain_rule() -> None:
    params_e, eager = _course_network()
    params_c, step = _course_network()
    step = ag.compile(step)
    for i in range(5):
        x1, x2 = ag.tensor(0.4 + i / 10), ag.tensor(0.6)
        assert eager(x1, x2).item() == step(x1, x2).item()
        assert all(a.item() == b.item() for a, b in zip(params_e, params_c, strict=True))
        assert all(p.grad is None for p in params_c)
    src = step.source
    assert "y_hat = sigmoid(" in src  # the user's variable names
    assert "g_w1 = " in src and "x1" in src  # noqa: PT018 - one statement of the chain rule
    assert "np.subtract(w1," in src  # the update, in place
    assert "Tensor" not in src.split("return")[0].replace("T_", "")  # no Tensor objects built


@pytest.mark.parametrize("optim", ["sgd", "adam"])
def test_mlp_with_optimizer_equals_eager(optim: str) -> None:
    X, y = nn.make_moons(48, noise=0.1, seed=0)  # noqa: N806 - data, as usual

    def setup() -> Any:
        model = nn.MLP(2, [8, 8, 1], activation="relu", rng=0)
        opt = (
            nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
            if optim == "sgd"
            else nn.optim.Adam(model.parameters(), lr=0.01)
        )

        def train_step(xb: Any, yb: Any) -> ag.Tensor:
            loss = F.binary_cross_entropy_with_logits(model(xb).reshape(-1), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        return model, train_step

    m1, eager = setup()
    m2, step = setup()
    step = ag.compile(step)
    for _ in range(4):
        assert eager(X, y).item() == step(X, y).item()
        for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
            assert _same(p.data, q.data)
            assert _same(p.grad.data, q.grad.data)
    assert "opt.step()" in step.source
    assert step.traces == 1


def test_dropout_draws_a_fresh_mask_on_every_call() -> None:
    x = ag.ones(200)

    def step(x: ag.Tensor) -> ag.Tensor:
        return F.dropout(x, 0.5)

    compiled = ag.compile(step)
    ag.manual_seed(3)
    eager_masks = [step(x).data.copy() for _ in range(3)]
    ag.manual_seed(3)
    compiled_masks = [compiled(x).data.copy() for _ in range(3)]
    assert all(_same(a, b) for a, b in zip(eager_masks, compiled_masks, strict=True))
    assert not _same(compiled_masks[1], compiled_masks[2])
    assert "drawn afresh" in compiled.source


def test_custom_function_compiles() -> None:
    class Cube(ag.Function):
        @staticmethod
        def forward(ctx: Any, x: ag.Tensor) -> ag.Tensor:
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx: Any, grad: ag.Tensor) -> ag.Tensor:
            (x,) = ctx.saved_tensors
            return grad * 3 * x**2

    def step(x: ag.Tensor) -> ag.Tensor:
        loss = Cube.apply(x).tanh().sum()
        loss.backward()
        return loss

    compiled = ag.compile(step)
    for k in range(3):
        a = ag.tensor([0.1 * k, -0.5, 0.7], requires_grad=True)
        b = ag.tensor([0.1 * k, -0.5, 0.7], requires_grad=True)
        assert step(a).item() == compiled(b).item()
        assert _same(a.grad.data, b.grad.data)


# -- guards ------------------------------------------------------------------------------------
def test_new_shapes_dtypes_or_parameters_retrace() -> None:
    w = ag.tensor(np.ones(3), requires_grad=True, name="w")

    def step(x: Any) -> ag.Tensor:
        w.grad = None  # recorded: the compiled code forgets the gradient here too
        loss = (x * w).sum()
        loss.backward()
        return loss

    compiled = ag.compile(step)
    compiled(np.ones(3))
    compiled(np.full(3, 2.0))
    assert compiled.traces == 1
    compiled(np.ones((2, 3)))  # a new input shape
    assert compiled.traces == 2
    compiled(np.ones(3, dtype=np.float32))  # a new input dtype
    assert compiled.traces == 3
    w.data = np.ones((2, 3))  # the parameter changed shape
    compiled(np.ones((2, 3)))
    assert compiled.traces == 4
    compiled(np.full((2, 3), 5.0))
    assert compiled.traces == 4
    assert _same(w.grad.data, np.full((2, 3), 5.0))


def test_constant_arguments_are_part_of_the_key() -> None:
    def step(x: ag.Tensor, scale: float) -> ag.Tensor:
        return x * scale

    compiled = ag.compile(step)
    x = ag.tensor([1.0, 2.0])
    assert compiled(x, 2.0).tolist() == [2.0, 4.0]
    assert compiled(x, 3.0).tolist() == [3.0, 6.0]
    assert compiled.traces == 2


# -- refusals ---------------------------------------------------------------------------------------
def _refused(fn: Any, *args: Any) -> str:
    with pytest.raises(ag.CompileError) as info:
        ag.compile(fn)(*args)
    return str(info.value)


@pytest.mark.parametrize(
    ("what", "body"),
    [
        ("item", lambda x: x.sum().item()),
        ("bool", lambda x: x if bool(x.sum() > 0) else -x),
        ("if", lambda x: x if (x.sum() > 0) else -x),
        ("float", lambda x: float(x.sum())),
        ("numpy", lambda x: x.numpy()),
        ("tolist", lambda x: x.tolist()),
        ("asarray", lambda x: np.asarray(x) * 2),
        ("hook", lambda x: x.register_hook(lambda g: g)),
        ("retain_grad", lambda x: (x * 2).retain_grad()),
    ],
)
def test_refused_while_tracing_with_the_line(what: str, body: Any) -> None:
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    message = _refused(body, x)
    assert "test_compile.py" in message  # the user's line, named
    assert "ag.compile" in message
    # Nothing of the tracer is left behind: eager mode works normally afterwards.
    assert (x * 2).sum().item() == -2.0


def test_values_read_outside_ops_and_rebuilt_are_refused() -> None:
    def step(x: ag.Tensor) -> ag.Tensor:
        doubled = ag.tensor(x.data * 2)  # numpy on .data: the tracer cannot follow it
        return (doubled + x).sum()

    message = _refused(step, ag.tensor([1.0, 2.0]))
    assert "x.data * 2" in message


def test_backward_with_create_graph_is_refused() -> None:
    def step(x: ag.Tensor) -> None:
        (x * x).sum().backward(create_graph=True)

    assert "create_graph" in _refused(step, ag.tensor([1.0], requires_grad=True))


def test_source_before_the_first_call_says_so() -> None:
    with pytest.raises(ag.CompileError, match="call it once"):
        _ = ag.compile(lambda x: x).source


def test_generated_source_runs_on_its_own() -> None:
    _params, step = _course_network()
    compiled = ag.compile(step)
    compiled(ag.tensor(0.4), ag.tensor(0.6))
    src = compiled.source
    assert re.match(r"def step\(T_x1, T_x2\):", src)
    compile(src, "<generated>", "exec")  # valid Python, as printed


def test_parameters_are_named_after_their_model_or_their_dict_key() -> None:
    # A module's parameter gets its model's variable name in front of its own ("0.weight"),
    # a tensor held in a dict (self.p["W1"]) its key, and neither a loop variable that ends on
    # the last layer (`for w, b in ...`, `for p in ...`) nor "const" names a parameter.
    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.Tanh(), nn.Linear(3, 1, rng=1))
    opt = nn.SGD(model.parameters(), lr=0.1)
    x, y = ag.tensor(np.ones((4, 2))), ag.tensor(np.zeros((4, 1)))

    def step() -> ag.Tensor:
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss

    compiled = ag.compile(step)
    compiled()
    for name in ("model_0_weight", "model_0_bias", "model_2_weight", "model_2_bias"):
        assert f"    {name} = T_{name}.data" in compiled.source

    class Raw:
        def __init__(self) -> None:
            rng = np.random.default_rng(0)
            self.p = {k: ag.tensor(rng.standard_normal(s), requires_grad=True)
                      for k, s in [("W1", (2, 3)), ("b1", (3,)), ("W2", (3, 1)), ("b2", (1,))]}
            self.layers = [(self.p["W1"], self.p["b1"]), (self.p["W2"], self.p["b2"])]
            self.X = ag.tensor(rng.standard_normal((4, 2)))

        def step(self) -> ag.Tensor:
            h = self.X
            for w, b in self.layers:
                h = (h @ w + b).tanh()
            loss = (h * h).mean()
            loss.backward()
            with ag.no_grad():
                for p in self.p.values():
                    p -= 0.1 * p.grad
                    p.grad = None
            return loss

    raw = Raw()
    compiled = ag.compile(raw.step)
    compiled()
    captured = re.findall(r"^    (\w+) = T_\w+\.data$", compiled.source, flags=re.M)
    assert captured == ["X", "W1", "b1", "W2", "b2"]
    anonymous = ag.tensor(np.ones(2), requires_grad=True)
    compiled = ag.compile(lambda: (anonymous_holder[0] * 2.0).sum())
    anonymous_holder = [anonymous]
    compiled()
    assert "param = T_param.data" in compiled.source


def test_docs_show_the_source_the_compiler_writes() -> None:
    from pathlib import Path

    from demos.doc_blocks import python_blocks

    page = Path(__file__).resolve().parent.parent / "docs" / "compile.md"
    text = page.read_text(encoding="utf-8")
    shown = text.split("```text\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(python_blocks(page)[0].code.replace("print(step.source)", ""), namespace)  # the doc's step
    assert namespace["step"].source == shown, "docs/compile.md: paste the new step.source"


def test_labels_read_by_a_loss_key_the_code_by_their_values() -> None:
    """cross_entropy builds a one-hot from integer labels outside traced ops: the compiled code
    must follow new labels (it is keyed by their values), never keep the first call's."""
    x = np.random.default_rng(0).standard_normal((12, 5))
    labels = [np.arange(12) % 3, (np.arange(12) + 1) % 3]

    def setup() -> Any:
        model = nn.Linear(5, 3, rng=0)
        opt = nn.optim.SGD(model.parameters(), lr=0.1)

        def step(x: Any, y: Any) -> ag.Tensor:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        return step

    eager, compiled = setup(), ag.compile(setup())
    for k in range(4):
        y = labels[k % 2]
        assert eager(x, y).item() == compiled(x, y).item()
    compiled(x, labels[1])
    traces = compiled.traces
    compiled(x, labels[1])  # the same labels again: no new trace
    assert compiled.traces == traces


def test_small_cnn_with_batchnorm_equals_eager_in_training_and_eval() -> None:
    """Conv2d, BatchNorm2d (running statistics updated by the compiled step), MaxPool2d, Linear."""
    rng = np.random.default_rng(1)
    batches = [(rng.standard_normal((8, 1, 8, 8)), rng.integers(0, 10, 8)) for _ in range(3)]

    def setup() -> Any:
        class Net(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                init = np.random.default_rng(0)
                self.kernel = nn.Parameter(init.standard_normal((4, 1, 3, 3)) * 0.3)
                self.norm = nn.BatchNorm2d(4)
                self.head = nn.Linear(64, 10, rng=0)

            def forward(self, x: Any) -> ag.Tensor:
                h = F.max_pool2d(self.norm(F.conv2d(x, self.kernel, padding=1)).relu(), 2)
                return self.head(h.reshape(h.shape[0], -1))

        model = Net()
        opt = nn.optim.Adam(model.parameters(), lr=0.01)

        def step(x: Any, y: Any) -> ag.Tensor:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        def predict(x: Any) -> ag.Tensor:
            with ag.no_grad():
                return model(x)

        return model, step, predict

    m1, step1, pred1 = setup()
    m2, step2, pred2 = setup()
    step2, pred2 = ag.compile(step2), ag.compile(pred2)
    for x, y in batches * 2:
        assert step1(x, y).item() == step2(x, y).item()
    for (k, a), (_, b) in zip(m1.state_dict().items(), m2.state_dict().items(), strict=True):
        assert _same(np.asarray(a), np.asarray(b)), k  # parameters and running statistics
    m1.eval()
    m2.eval()
    for x, _ in batches:
        assert _same(pred1(x).data, pred2(x).data)


def test_other_threads_are_not_traced() -> None:
    import threading

    other = ag.tensor([5.0, 6.0], name="elsewhere")
    results: list[float] = []

    def elsewhere() -> None:
        results.append((other * other).sum().item())  # eager, in another thread, mid-trace

    def step(x: ag.Tensor) -> ag.Tensor:
        y = x * 2
        t = threading.Thread(target=elsewhere)
        t.start()
        t.join()
        return y.sum()

    compiled = ag.compile(step)
    assert compiled(ag.tensor([1.0, 2.0])).item() == 6.0
    assert results == [61.0]
    assert "elsewhere" not in compiled.source
    assert compiled(ag.tensor([3.0, 4.0])).item() == 14.0


def test_masks_and_indices_computed_in_the_step_follow_the_data_or_are_refused() -> None:
    # A mask or an index the step computes from its input changes from call to call: the code
    # must compute it too (masked_fill, an accuracy from argmax), or refuse where an op took a
    # copy of it (x[x > 0], where(x > 0, ...)), never keep the first call's values.
    a = ag.tensor([[1.0, -1.0, 2.0], [0.5, 3.0, 1.0]])
    b = ag.tensor([[-1.0, 3.0, -2.0], [4.0, 0.0, 1.0]])
    y = ag.tensor([2, 1])

    def masked(x: ag.Tensor) -> ag.Tensor:
        return x.masked_fill(x > 0, 0.0).sum()

    def accuracy(x: ag.Tensor) -> ag.Tensor:
        return (x.argmax(dim=1) == y).astype(np.float64).mean()

    for fn in (masked, accuracy):
        compiled = ag.compile(fn)
        for x in (a, b, a):
            assert compiled(x).item() == fn(x).item()
        assert compiled.traces == 1
    for fn in (lambda x: x[x > 0].sum(), lambda x: ag.where(x > 0, x, 0.0).sum(),
               lambda x: x.reshape(-1)[x.argmax()] * 1.0):
        with pytest.raises(ag.CompileError, match=r"computed from traced values.*test_compile\.py"):
            ag.compile(fn)(a)
