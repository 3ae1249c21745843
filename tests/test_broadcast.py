"""Property-based tests for `broadcast_shapes` and `unbroadcast` over generated shapes.

`unbroadcast` is compared with an independent element-by-element reference: every element of
the broadcast gradient is added to the input element it was copied from.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd.broadcast import broadcast_shapes, unbroadcast

Shape = tuple[int, ...]
SETTINGS = settings(max_examples=150, deadline=None)


def reference_unbroadcast(grad: np.ndarray, shape: Shape) -> np.ndarray:
    """Sum `grad` into `shape` one element at a time: the source of output index i drops the
    leading axes and reads index 0 along every axis where `shape` has size 1."""
    out = np.zeros(shape)
    lead = grad.ndim - len(shape)
    for index in itertools.product(*(range(n) for n in grad.shape)):
        src = tuple(0 if n == 1 else i for i, n in zip(index[lead:], shape, strict=True))
        out[src] += grad[index]
    return out


@SETTINGS
@given(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=4, max_side=4))
def test_broadcast_shapes_agrees_with_numpy(shapes: hnp.BroadcastableShapes) -> None:
    assert broadcast_shapes("op", *shapes.input_shapes) == shapes.result_shape
    assert broadcast_shapes("op", *shapes.input_shapes) == np.broadcast_shapes(*shapes.input_shapes)


@SETTINGS
@given(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4),
       st.integers(min_value=0, max_value=2), st.integers(min_value=1, max_value=3))
def test_broadcast_shapes_names_op_and_shapes_on_failure(shape: Shape, axis: int, extra: int) -> None:
    axis = axis % len(shape)
    other = list(shape)
    other[axis] = shape[axis] + extra  # both sides > 1 and different: cannot broadcast
    other_shape = tuple(other)
    with pytest.raises(ValueError, match="cannot be broadcast together") as err:
        broadcast_shapes("add", shape, other_shape)
    assert str(err.value) == f"add: shapes {shape} and {other_shape} cannot be broadcast together"


@SETTINGS
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3), st.data())
def test_unbroadcast_sums_back_to_each_input(shapes: hnp.BroadcastableShapes, data: st.DataObject) -> None:
    grad = data.draw(hnp.arrays(np.float64, shapes.result_shape,
                                elements=st.integers(-8, 8).map(float)))
    for shape in shapes.input_shapes:
        out = unbroadcast(grad, shape)
        assert out.shape == shape
        # Small integers: the sums are exact whatever the order of addition.
        np.testing.assert_array_equal(out, reference_unbroadcast(grad, shape))


@SETTINGS
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3), st.data())
def test_unbroadcast_is_the_adjoint_of_broadcasting(shapes: hnp.BroadcastableShapes,
                                                    data: st.DataObject) -> None:
    shape = shapes.input_shapes[0]
    x = data.draw(hnp.arrays(np.float64, shape, elements=st.integers(-8, 8).map(float)))
    g = data.draw(hnp.arrays(np.float64, shapes.result_shape, elements=st.integers(-8, 8).map(float)))
    # <broadcast(x), g> == <x, unbroadcast(g)>
    assert float(np.sum(np.broadcast_to(x, shapes.result_shape) * g)) == float(
        np.sum(x * unbroadcast(g, shape)))


@SETTINGS
@given(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3))
def test_unbroadcast_to_the_same_shape_is_the_identity(shape: Shape) -> None:
    g = np.ones(shape)
    assert unbroadcast(g, shape) is g


@SETTINGS
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), st.data())
def test_engine_sums_broadcast_gradients_of_mul(shapes: hnp.BroadcastableShapes,
                                                             data: st.DataObject) -> None:
    sa, sb = shapes.input_shapes
    a = ag.tensor(data.draw(hnp.arrays(np.float64, sa, elements=st.floats(0.5, 2.0))),
                  requires_grad=True)
    b = ag.tensor(data.draw(hnp.arrays(np.float64, sb, elements=st.floats(0.5, 2.0))),
                  requires_grad=True)
    v = data.draw(hnp.arrays(np.float64, shapes.result_shape, elements=st.integers(-4, 4).map(float)))
    ga, gb = ag.grad(a * b, [a, b], grad_outputs=ag.tensor(v))
    assert ga.shape == sa
    assert gb.shape == sb
    bb = np.broadcast_to(b.data, shapes.result_shape)
    aa = np.broadcast_to(a.data, shapes.result_shape)
    np.testing.assert_allclose(ga.data, reference_unbroadcast(v * bb, sa), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(gb.data, reference_unbroadcast(v * aa, sb), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize(("grad_shape", "shape"), [((3,), (2, 3)), ((2, 3), (3, 1)), ((4,), (3,)),
                                                   ((2, 3), (2,)), ((1, 2, 3), (3, 2)),
                                                   ((2, 3), (6,))])
def test_unbroadcast_rejects_shapes_it_cannot_reach(grad_shape: Shape, shape: Shape) -> None:
    with pytest.raises(ValueError, match=r"unbroadcast: gradient of shape .* cannot be summed to shape"):
        unbroadcast(np.ones(grad_shape), shape)


def test_unbroadcast_of_a_tensor_is_differentiable() -> None:
    g = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    out = unbroadcast(g, (3,))
    assert isinstance(out, ag.Tensor)
    np.testing.assert_array_equal(out.data, [3.0, 5.0, 7.0])
    (out * ag.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(g.grad.data, [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])


def test_engine_rejects_a_gradient_of_the_same_size_but_wrong_shape() -> None:
    class Bad(ag.Function):
        @staticmethod
        def forward(ctx: object, x: np.ndarray) -> np.ndarray:
            return x * 2

        @staticmethod
        def backward(ctx: object, g: np.ndarray) -> np.ndarray:
            return g.reshape(1, 2, 3)  # six elements, like the (3, 2) input, in the wrong shape

    x = ag.tensor(np.ones((3, 2)), requires_grad=True)
    with pytest.raises(ag.AutogradError,
                       match=r"bad: backward returned a gradient of shape \(1, 2, 3\) for input 0 "
                             r"of shape \(3, 2\)"):
        Bad.apply(x).sum().backward()
