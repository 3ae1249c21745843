"""ONNX export, checked by the ONNX checker and by running the file in ONNX Runtime on fresh
inputs (not the ones the graph was traced with): every registered op that has a translation
(driven by the registry's samples, like tests/test_ops.py), and the demo models.

Optional: skipped when onnx or onnxruntime is not installed (both come with the dev extra).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.onnx import TRANSLATIONS, ExportError
from autograd.registry import OpInfo, Sample
from nn import functional as F  # noqa: N812 - the usual name

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

EXPORTABLE = set(ag.onnx.exportable())
TRANSLATED = [op for op in ag.OPS.values() if op.name in EXPORTABLE]  # composites included
CASES = [
    pytest.param(op, s, id=f"{op.name}-{s}".replace(" ", "")) for op in TRANSLATED for s in op.samples
]


def run(path: Path, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1  # cheap sessions, small graphs
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def test_most_ops_have_a_translation() -> None:
    # The registry says which ops export; most of them should.
    # (A third at least: new ops land in the registry before their translation does.)
    assert len(TRANSLATED) >= len(ag.OPS) / 3, sorted(set(ag.OPS) - EXPORTABLE)
    assert {"add", "matmul", "linear", "relu", "sum", "reshape", "softmax"} <= EXPORTABLE
    unknown = set(TRANSLATIONS) - set(ag.OPS)
    assert not unknown, f"translations for ops that are not registered: {sorted(unknown)}"


def _as(arrays: list[Any], dtype: Any) -> list[np.ndarray]:
    return [np.asarray(a).astype(dtype) if np.asarray(a).dtype.kind == "f" else np.asarray(a) for a in arrays]


@pytest.mark.parametrize("dtype", [np.float32, pytest.param(np.float64, marks=pytest.mark.slow)])
@pytest.mark.parametrize(("op", "sample"), CASES)
def test_op_runs_in_onnxruntime(
    op: OpInfo, sample: Sample, dtype: Any, tmp_path: Path, rng: np.random.Generator
) -> None:
    example = _as(op.inputs(rng, sample), dtype)
    names = [f"x{i}" for i in range(len(example))]
    path = tmp_path / f"{op.name}.onnx"
    model = ag.onnx.export(
        lambda *xs: op.call(*xs, **sample.kwargs), tuple(example), path, input_names=names
    )
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    assert model.opset_import[0].version >= 17

    fresh = _as(op.inputs(rng, sample), dtype)  # new values: nothing was frozen into the file
    result = op.call(*[ag.Tensor(a) for a in fresh], **sample.kwargs)
    expected = [t.data for t in (result if isinstance(result, (tuple, list)) else (result,))]
    try:
        got = run(path, dict(zip(names, fresh, strict=True)))
    except ort.capi.onnxruntime_pybind11_state.NotImplemented as e:
        # A valid file (the checker passed) that this runtime has no kernel for: some ONNX
        # Runtime CPU kernels exist for float32 only. float32 is always required to run.
        if dtype == np.float32:
            raise
        pytest.skip(f"onnxruntime has no float64 kernel here: {str(e)[:200]}")
    assert len(got) == len(expected)
    tol = 1e-5 if dtype == np.float32 else 1e-10
    for g, e in zip(got, expected, strict=True):
        assert g.shape == e.shape
        assert g.dtype == e.dtype
        np.testing.assert_allclose(g, e, rtol=tol, atol=tol)


# -- the demo models ----------------------------------------------------------------------------
def _trained(model: nn.Module, x: np.ndarray, y: np.ndarray, loss: Any, steps: int = 20) -> nn.Module:
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        value = loss(model(ag.Tensor(x)), y)
        opt.zero_grad()
        value.backward()
        opt.step()
    return model


def _check_dynamic_batch(model: nn.Module, example: np.ndarray, fresh: np.ndarray, path: Path) -> None:
    ag.onnx.export(
        model, example, path, input_names=["x"], output_names=["y"],
        dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
    )
    loaded = onnx.load(str(path))
    onnx.checker.check_model(loaded, full_check=True)
    # Netron shows the initializers under the state_dict's names.
    names = {i.name for i in loaded.graph.initializer}
    assert set(model.state_dict()) <= names
    assert all(n.startswith("const") for n in names - set(model.state_dict()))
    assert loaded.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert len(fresh) != len(example)  # another batch size than the traced one
    (got,) = run(path, {"x": fresh})
    with ag.no_grad():
        expected = model(ag.Tensor(fresh)).data
    assert got.shape == expected.shape
    tol = 1e-5 if fresh.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


def test_moons_mlp(tmp_path: Path) -> None:
    x, y = nn.make_moons(200, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], activation="relu", rng=0)
    _trained(model, x, y, lambda out, y: F.binary_cross_entropy_with_logits(out.reshape(-1), y))
    x_new, _ = nn.make_moons(37, noise=0.1, seed=1)
    _check_dynamic_batch(model, x[:8], x_new, tmp_path / "moons.onnx")


def test_digits_mlp(tmp_path: Path) -> None:
    x, y = nn.load_digits()
    x = x.astype(np.float32)
    model = nn.MLP(64, [64, 10], activation="relu", rng=0, dtype=np.float32)
    _trained(model, x[:256], y[:256], lambda out, y: F.cross_entropy(out, y))
    _check_dynamic_batch(model, x[:16], x[300:353], tmp_path / "digits.onnx")


def test_a_function_with_several_inputs_and_outputs(tmp_path: Path, rng: np.random.Generator) -> None:
    w = ag.Tensor(rng.standard_normal((3, 4)), name="w")
    scale = ag.Tensor(np.array(2.5))

    def f(x: ag.Tensor, z: ag.Tensor) -> tuple[ag.Tensor, ag.Tensor, ag.Tensor]:
        h = (x @ w).tanh() * scale
        return h.softmax(axis=-1), (h.sum(axis=1) + z).exp(), x

    a, c = rng.standard_normal((5, 3)), rng.standard_normal(5)
    path = tmp_path / "f.onnx"
    model = ag.onnx.export(f, (a, c), path, input_names=["x", "z"], output_names=["p", "e", "same_x"])
    assert model.graph.initializer[0].name == "w"
    a2, c2 = rng.standard_normal((5, 3)), rng.standard_normal(5)
    got = run(path, {"x": a2, "z": c2})
    for g, e in zip(got, f(ag.Tensor(a2), ag.Tensor(c2)), strict=True):
        np.testing.assert_allclose(g, e.data, rtol=1e-12, atol=1e-12)


def test_reshape_and_broadcast_follow_a_dynamic_batch(tmp_path: Path, rng: np.random.Generator) -> None:
    b = ag.Tensor(rng.standard_normal(6))

    def f(x: ag.Tensor) -> ag.Tensor:
        y = x.reshape(x.shape[0], 2, 3) + b.reshape(1, 2, 3)  # reshape keeps the batch axis
        y = y - y[:, :1, :].broadcast_to(y.shape)  # (N, 1, 3) -> (N, 2, 3): N follows the input
        return y.reshape(-1, 6)[:, 1:5] - y.mean(axis=0).reshape(6)[1:5]

    path = tmp_path / "f.onnx"
    ag.onnx.export(f, rng.standard_normal((4, 6)), path, dynamic_axes={"input": [0], "output": [0]})
    x = rng.standard_normal((9, 6))
    (got,) = run(path, {"input": x})
    np.testing.assert_allclose(got, f(ag.Tensor(x)).data, rtol=1e-12, atol=1e-12)


def test_an_op_without_a_translation_names_the_op_and_the_line(tmp_path: Path) -> None:
    class Cube(ag.Function):
        @staticmethod
        def forward(ctx: Any, x: ag.Tensor) -> ag.Tensor:
            return x**3

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            raise NotImplementedError

    def f(x: ag.Tensor) -> ag.Tensor:
        return Cube.apply(x.exp())  # the line the error names

    expected = r"custom op .*'cube' .*no ONNX translation.*test_onnx_export\.py, line \d+.*Cube\.apply"
    with pytest.raises(ExportError, match=expected):
        ag.onnx.export(f, np.ones(3), tmp_path / "f.onnx")
    assert not (tmp_path / "f.onnx").exists()


def test_an_unsupported_variant_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"getitem.*index mixing an array with None"):
        ag.onnx.export(lambda x: x[None, np.array([0, 1])], np.ones(3), tmp_path / "f.onnx")


@pytest.mark.parametrize(
    "index",
    [
        (Ellipsis, np.array([0, 2]), np.array([1, 1])),  # arrays on the last axes (a diagonal)
        (slice(None), np.array([[0], [2]]), np.array([1, 0, 2])),  # broadcast, in the middle
        (1, np.array([2, 0])),  # an int next to an array counts as an array
        (slice(None), slice(None), np.array([[True, False, True, True], [False] * 4, [True] * 4])),
        np.array([1, 0, 1]),
    ],
    ids=["trailing", "middle", "int-and-array", "mask", "first-axis"],
)
def test_advanced_indexing_exports(index: Any, tmp_path: Path, rng: np.random.Generator) -> None:
    shape = (2, 4, 3, 4) if not isinstance(index, np.ndarray) else (2, 3)
    shape = (2, 2, 3, 4) if isinstance(index, tuple) and index[-1].dtype == bool else shape
    x = rng.standard_normal(shape)
    path = tmp_path / "g.onnx"
    ag.onnx.export(lambda t: t[index], x, path)
    fresh = rng.standard_normal(shape)
    (got,) = run(path, {"input": fresh})
    np.testing.assert_array_equal(got, fresh[index])


def test_a_value_computed_from_the_input_outside_the_graph_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"shares memory with input 'input'.*\.detach\(\)"):
        ag.onnx.export(lambda x: x * x.detach(), np.ones(3), tmp_path / "f.onnx")


def test_bad_arguments(tmp_path: Path) -> None:
    model = nn.MLP(2, [3], rng=0)
    with pytest.raises(ExportError, match=r"dynamic_axes names 'batch'"):
        ag.onnx.export(model, np.ones((2, 2)), tmp_path / "m.onnx", dynamic_axes={"batch": [0]})
    with pytest.raises(ExportError, match=r"2 input names given for 1 input"):
        ag.onnx.export(model, np.ones((2, 2)), tmp_path / "m.onnx", input_names=["a", "b"])
    with pytest.raises(ExportError, match=r"axis 2 for 'input'"):
        ag.onnx.export(model, np.ones((2, 2)), tmp_path / "m.onnx", dynamic_axes={"input": [2]})
    with pytest.raises(ExportError, match=r"returned a float"):
        ag.onnx.export(lambda x: 1.0, np.ones(2), tmp_path / "m.onnx")


def test_export_leaves_the_model_as_it_was(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.Dropout(0.5))
    model.train()
    for p in model.parameters():
        p.requires_grad_(False)
    ag.onnx.export(model, np.ones((4, 2)), tmp_path / "m.onnx")
    assert all(m.training for m in model.modules())
    assert not any(p.requires_grad for p in model.parameters())
    assert ag.is_grad_enabled()


def test_missing_onnx_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "seegrad\[onnx\]"'):
        ag.onnx.export(lambda x: x.exp(), np.ones(2), tmp_path / "f.onnx")


class SmallCNN(nn.Module):
    """conv -> relu -> max pool -> conv -> relu -> avg pool -> flatten -> linear, on 8x8 digits."""

    def __init__(self) -> None:
        super().__init__()
        rng = np.random.default_rng(0)
        self.conv1_w = nn.Parameter(rng.normal(0, 0.3, (4, 1, 3, 3)).astype(np.float32))
        self.conv1_b = nn.Parameter(np.zeros(4, dtype=np.float32))
        self.conv2_w = nn.Parameter(rng.normal(0, 0.3, (8, 4, 3, 3)).astype(np.float32))
        self.fc = nn.Linear(8 * 2 * 2, 10, rng=0, dtype=np.float32)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        h = F.max_pool2d(F.conv2d(x, self.conv1_w, self.conv1_b, padding=1).relu(), 2)
        h = F.avg_pool2d(F.conv2d(h, self.conv2_w, padding="same").relu(), 2)
        return self.fc(h.reshape(h.shape[0], -1))


def test_cnn_on_digits_with_a_dynamic_batch(tmp_path: Path) -> None:
    x, y = nn.load_digits()
    images = x.astype(np.float32).reshape(-1, 1, 8, 8)
    model = SmallCNN()
    _trained(model, images[:64], y[:64], lambda out, y: F.cross_entropy(out, y), steps=5)
    _check_dynamic_batch(model, images[:8], images[100:131], tmp_path / "cnn.onnx")


class CharModel(nn.Module):
    """Embedding -> GRU -> LayerNorm -> Linear: next-character logits."""

    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(27, 8, rng=0)
        self.rnn = nn.GRU(8, 16, batch_first=True, rng=0)
        self.norm = nn.LayerNorm(16)
        self.out = nn.Linear(16, 27, rng=0)

    def forward(self, ids: ag.Tensor) -> ag.Tensor:
        h, _ = self.rnn(self.emb(ids))
        return self.out(self.norm(h))


def test_character_model_takes_new_ids(tmp_path: Path, rng: np.random.Generator) -> None:
    model = CharModel()
    path = tmp_path / "char.onnx"
    exported = ag.onnx.export(model, rng.integers(0, 27, (2, 5)), path, input_names=["ids"])
    onnx.checker.check_model(exported, full_check=True)
    assert {"emb.weight", "rnn.weight_ih_l0", "norm.weight", "out.bias"} <= {
        i.name for i in exported.graph.initializer
    }
    ids = rng.integers(0, 27, (2, 5))  # new ids: the embedding reads the graph input
    (got,) = run(path, {"ids": ids})
    with ag.no_grad():
        expected = model(ag.Tensor(ids)).data
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_an_input_read_outside_the_graph_is_refused(tmp_path: Path) -> None:
    w = ag.Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ExportError, match=r"input 'input' is not used by the recorded graph"):
        ag.onnx.export(lambda x: w * float(x.data.sum()), np.ones(3), tmp_path / "f.onnx")


def test_values_frozen_from_the_inputs_are_refused(tmp_path: Path) -> None:
    def by_order(x: ag.Tensor) -> ag.Tensor:
        return x[np.argsort(x.data)]  # a permutation computed outside the graph

    with pytest.raises(ExportError, match=r"getitem.* depends on the input values.*argsort"):
        ag.onnx.export(by_order, np.array([3.0, 1.0, 2.0, 0.5]), tmp_path / "f.onnx")

    def branchy(x: ag.Tensor) -> ag.Tensor:
        return x.exp() if x.data[0] > 0 else x.sin().sin()

    with pytest.raises(ExportError, match=r"depends on the input values|different ops"):
        ag.onnx.export(branchy, np.array([-1.0, 2.0, 3.0, 4.0]), tmp_path / "g.onnx")
