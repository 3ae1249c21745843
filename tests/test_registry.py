"""The registry is complete, and the movement ops are adjoint pairs.

Completeness: every `Function` defined in `autograd/ops/` is registered, with samples, a summary,
a numpy reference and samples that exercise broadcasting (binary ops) and `axis`/`keepdims`
(reductions). Adjointness: a linear op A and its backward A^T satisfy <A x, y> = <x, A^T y>.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import numpy as np
import pytest

import autograd as ag
import autograd.ops
from autograd.registry import OpInfo, Sample

OPS = list(ag.OPS.values())
OP_IDS = [op.name for op in OPS]


def functions_in(package: Any) -> dict[str, list[type]]:
    """Function subclasses defined (not imported) in each module of `package`; private ones
    (`_Unary`) are shared bases of ops, not ops."""
    found: dict[str, list[type]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        found[info.name] = [
            c for c in vars(module).values()
            if inspect.isclass(c) and issubclass(c, ag.Function) and c.__module__ == module.__name__
            and not c.__name__.startswith("_")
        ]
    return found


def test_every_function_in_ops_is_registered() -> None:
    registered = {op.function for op in OPS}
    defined = functions_in(autograd.ops)
    assert set(defined) >= {"binary", "elementwise", "reduce", "movement", "linalg", "softmax"}
    missing = [f"{mod}.{c.__name__}" for mod, classes in defined.items() for c in classes
               if c not in registered]
    assert missing == [], f"Function classes without a registry entry: {missing}"
    assert sum(len(c) for c in defined.values()) >= 30


def test_names_are_unique_and_match_keys() -> None:
    assert all(name == op.name for name, op in ag.OPS.items())
    with pytest.raises(ValueError, match="already registered"):
        autograd.registry.register(ag.OPS["exp"])


@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
def test_op_has_samples_summary_and_reference(op: OpInfo) -> None:
    assert len(op.samples) >= 1
    assert all(isinstance(s, Sample) and len(s.shapes) >= 1 for s in op.samples)
    assert op.summary.strip(), f"{op.name} has no summary"
    assert callable(op.call)
    assert callable(op.ref)
    if op.function is not None:
        assert issubclass(op.function, ag.Function)
        doc = op.function.__doc__ or ""
        assert doc.strip()
        assert op.summary == doc.splitlines()[0]
        assert op.function.formulas, f"{op.name} has no formulas for its local derivatives"
        # The backward is documented next to the forward: every op's docstring says how.
        assert any(w in doc for w in ("d", "Backward", "grad")), doc
    low, high = op.domain
    assert low < high
    if op.differentiable is not None:
        assert all(0 <= i < len(op.samples[0].shapes) for i in op.differentiable)


@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
def test_sampled_inputs_respect_the_domain(op: OpInfo, rng: np.random.Generator) -> None:
    for sample in op.samples:
        arrays = op.inputs(rng, sample)
        assert [np.shape(a) for a in arrays] == [tuple(s) for s in sample.shapes]
        if op.make_inputs is not None:
            continue
        for a in arrays:
            assert a.dtype == np.float64
            assert np.all(a >= op.domain[0] - 0.05)
            assert np.all(a <= op.domain[1] + 0.05)
            for p in op.avoid:
                assert np.all(np.abs(a - p) >= 0.05 - 1e-12), f"{op.name}: input too close to {p}"


BINARY_FUNCTIONS = set(functions_in(autograd.ops)["binary"])


@pytest.mark.parametrize("op", [op for op in OPS if op.function in BINARY_FUNCTIONS],
                         ids=lambda op: op.name)
def test_binary_ops_sample_broadcasting(op: OpInfo) -> None:
    pairs = [s.shapes for s in op.samples]
    assert all(len(p) == 2 for p in pairs)
    assert any(len(a) != len(b) for a, b in pairs), "no pair with different ranks"
    assert any(len(a) == len(b) and a != b for a, b in pairs), "no pair stretching a size-1 axis"
    assert any(a == () or b == () for a, b in pairs), "no pair with a 0-d operand"


def test_matmul_samples_every_numpy_case() -> None:
    pairs = {tuple(len(s) for s in sample.shapes) for sample in ag.OPS["matmul"].samples}
    assert {(1, 2), (2, 1), (1, 1), (2, 2)} <= pairs
    assert any(a >= 3 or b >= 3 for a, b in pairs)  # batched
    batches = [(s.shapes[0][:-2], s.shapes[1][:-2]) for s in ag.OPS["matmul"].samples]
    assert any(a and b and a != b for a, b in batches)  # broadcast batch axes


REDUCTIONS = ["sum", "mean", "max", "min", "logsumexp", "var", "std"]


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_sample_axis_and_keepdims(name: str) -> None:
    kwargs = [s.kwargs for s in ag.OPS[name].samples]
    axes = [k.get("axis") for k in kwargs]
    assert None in axes
    assert any(isinstance(a, int) and a >= 0 for a in axes)
    assert any((isinstance(a, int) and a < 0) or (isinstance(a, tuple) and min(a) < 0) for a in axes)
    assert any(isinstance(a, tuple) and len(a) >= 2 for a in axes)
    assert any(k.get("keepdims") for k in kwargs)
    assert any(len(s.shapes[0]) >= 3 for s in ag.OPS[name].samples)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_samples_axis(name: str) -> None:
    axes = {s.kwargs.get("axis", -1) for s in ag.OPS[name].samples}
    assert len(axes) >= 2
    assert any(a not in (-1,) for a in axes)


# -- adjoint pairs ------------------------------------------------------------------------------
LINEAR = ["reshape", "transpose", "broadcast_to", "getitem", "index_add", "concatenate", "stack",
          "pad", "sum", "swapaxes", "expand_dims", "squeeze", "flatten", "split"]


def linear_part(sample: Sample) -> Sample:
    """The sample with pad's fill value set to 0 (pad with a value v != 0 is affine)."""
    if "value" in sample.kwargs:
        return Sample(sample.shapes, {**sample.kwargs, "value": 0.0})
    return sample


LINEAR_CASES = [pytest.param(ag.OPS[n], linear_part(s), id=f"{n}-{i}") for n in LINEAR
                for i, s in enumerate(ag.OPS[n].samples)]


def adjoint_apply(op: OpInfo, sample: Sample, xs: list[np.ndarray], y: np.ndarray) -> list[np.ndarray]:
    """A^T y, computed by the ops' backward passes (a vector-Jacobian product)."""
    ts = [ag.tensor(x, requires_grad=True) for x in xs]
    out = op.call(*ts, **sample.kwargs)
    return [g.data for g in ag.grad(out, ts, grad_outputs=ag.tensor(y))]


@pytest.mark.parametrize(("op", "sample"), LINEAR_CASES)
def test_backward_is_the_adjoint(op: OpInfo, sample: Sample, rng: np.random.Generator) -> None:
    xs = op.inputs(rng, sample)
    out = np.asarray(op.ref(*xs, **sample.kwargs))
    y = rng.standard_normal(out.shape)
    at_y = adjoint_apply(op, sample, xs, y)
    lhs = float(np.sum(out * y))  # <A x, y>
    rhs = sum(float(np.sum(x * g)) for x, g in zip(xs, at_y, strict=True))  # <x, A^T y>
    assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12)
    assert all(g.shape == np.shape(x) for g, x in zip(at_y, xs, strict=True))


def _grad(fn: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    t = ag.tensor(x, requires_grad=True)
    (g,) = ag.grad(fn(t), t, grad_outputs=ag.tensor(y))
    return np.asarray(g.data)


@pytest.mark.parametrize(
    "index",
    [1, (slice(None), slice(1, 3)), (None, Ellipsis, 0), np.array([0, 2, 2, 0]),
     (np.array([0, 2, 0]), np.array([1, 1, 1])), np.array([True, False, True])],
    ids=["int", "slices", "none-ellipsis", "repeated", "pairs", "mask"],
)
def test_getitem_and_index_add_are_adjoint(index: Any, rng: np.random.Generator) -> None:
    x = rng.standard_normal((3, 4))
    y = rng.standard_normal(np.shape(x[index]))
    # getitem's backward is index_add's forward ...
    expected = ag.index_add(x.shape, index, ag.tensor(y)).data
    np.testing.assert_array_equal(_grad(lambda t: t[index], x, y), expected)
    # ... and index_add's backward is getitem's forward.
    np.testing.assert_array_equal(_grad(lambda t: ag.index_add(x.shape, index, t), y, x), x[index])


@pytest.mark.parametrize(("shape", "target"), [((3,), (2, 3)), ((2, 1), (2, 4)), ((), (3,)),
                                                ((1, 3), (2, 2, 3))])
def test_broadcast_to_and_sum_are_adjoint(shape: Any, target: Any, rng: np.random.Generator) -> None:
    x = rng.standard_normal(shape)
    y = rng.standard_normal(target)
    lead = len(target) - len(shape)
    summed = y.sum(axis=tuple(range(lead)))
    summed = summed.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)
    np.testing.assert_allclose(_grad(lambda t: t.broadcast_to(target), x, y), summed.reshape(shape))
    # sum's backward broadcasts: keepdims sums are broadcast_to's transpose.
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1)
    big = rng.standard_normal(target)
    g = _grad(lambda t: t.sum(axis=axes, keepdims=True), big, summed.reshape((1,) * lead + shape))
    np.testing.assert_array_equal(g, np.broadcast_to(summed.reshape((1,) * lead + shape), target))


def test_pad_and_slice_are_adjoint(rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 3))
    y = rng.standard_normal((4, 7))
    g = _grad(lambda t: t.pad(((1, 1), (2, 2)), value=3.0), x, y)
    np.testing.assert_array_equal(g, y[1:3, 2:5])


def test_reshape_and_transpose_adjoints_undo_them(rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 3, 4))
    y = rng.standard_normal((4, 6))
    np.testing.assert_array_equal(_grad(lambda t: t.reshape(4, 6), x, y), y.reshape(2, 3, 4))
    y = rng.standard_normal((4, 2, 3))
    np.testing.assert_array_equal(_grad(lambda t: t.transpose(2, 0, 1), x, y),
                                  y.transpose(1, 2, 0))


def test_concatenate_and_stack_adjoints_split(rng: np.random.Generator) -> None:
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 1))
    ta, tb = ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)
    y = rng.standard_normal((2, 4))
    ga, gb = ag.grad(ag.concatenate([ta, tb], axis=1), [ta, tb], grad_outputs=ag.tensor(y))
    np.testing.assert_array_equal(ga.data, y[:, :3])
    np.testing.assert_array_equal(gb.data, y[:, 3:])
    tc = ag.tensor(a, requires_grad=True)
    y = rng.standard_normal((2, 2, 3))
    ga, gc = ag.grad(ag.stack([ta, tc], axis=1), [ta, tc], grad_outputs=ag.tensor(y))
    np.testing.assert_array_equal(ga.data, y[:, 0])
    np.testing.assert_array_equal(gc.data, y[:, 1])
