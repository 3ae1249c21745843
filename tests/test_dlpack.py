"""DLPack exchange: tensors go to numpy and PyTorch (and come back) on the same memory."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag


def test_numpy_consumes_a_tensor_without_copying() -> None:
    t = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    a = np.from_dlpack(t)
    assert np.shares_memory(a, t.data)
    a[1, 0] = -5.0
    assert t.data[1, 0] == -5.0
    assert t.__dlpack_device__() == (1, 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_round_trip_through_numpy_keeps_memory_and_dtype(dtype: type) -> None:
    t = ag.Tensor(np.arange(6).reshape(2, 3).astype(dtype))
    u = ag.from_dlpack(np.from_dlpack(t))
    assert u.dtype == dtype
    assert u.shape == (2, 3)
    assert np.shares_memory(u.data, t.data)
    assert u.is_leaf
    assert not u.requires_grad


def test_from_dlpack_of_a_tensor_and_copy_true() -> None:
    t = ag.tensor([1.0, 2.0, 3.0])
    assert np.shares_memory(ag.from_dlpack(t).data, t.data)
    c = ag.from_dlpack(t, copy=True)
    assert not np.shares_memory(c.data, t.data)
    np.testing.assert_array_equal(c.data, t.data)


def test_a_strided_view_is_shared_too() -> None:
    base = np.arange(12.0).reshape(3, 4)
    u = ag.from_dlpack(base[:, ::2].T)
    assert np.shares_memory(u.data, base)
    np.testing.assert_array_equal(u.data, base[:, ::2].T)


def test_imported_tensors_join_graphs() -> None:
    w = ag.from_dlpack(np.array([1.0, -2.0])).requires_grad_()
    (w * w).sum().backward()
    assert w.grad is not None
    np.testing.assert_allclose(w.grad.data, [2.0, -4.0])


def test_from_dlpack_refuses_non_producers_clearly() -> None:
    with pytest.raises(TypeError, match=r"from_dlpack: expected an object with __dlpack__.*list"):
        ag.from_dlpack([1.0, 2.0])
    with pytest.raises(TypeError, match=r"from_dlpack: unsupported dtype complex128"):
        ag.from_dlpack(np.array([1j]))


def test_round_trip_with_torch() -> None:
    torch = pytest.importorskip("torch")
    t = ag.tensor([1.0, 2.0, 3.0], dtype=np.float32)
    tt = torch.from_dlpack(t)
    assert tt.dtype == torch.float32
    tt[1] = 20.0  # a write in torch shows here: one buffer
    assert t.data[1] == 20.0
    assert tt.data_ptr() == t.data.ctypes.data

    src = torch.arange(6, dtype=torch.float64).reshape(2, 3)
    u = ag.from_dlpack(src)
    assert u.dtype == np.float64
    assert u.data.ctypes.data == src.data_ptr()
    u.data[0, 0] = 42.0  # and a write here shows in torch
    assert src[0, 0].item() == 42.0
    np.testing.assert_array_equal(u.data, src.numpy())


def test_torch_tensor_that_requires_grad_gives_a_clear_error() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(BufferError, match=r"from_dlpack: cannot import a Tensor: .*detach"):
        ag.from_dlpack(torch.ones(2, requires_grad=True))
