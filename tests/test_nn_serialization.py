"""nn.save / nn.load: .npz files without pickle, nesting and Python types restored exactly."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

import nn


def test_model_round_trip(tmp_path: Path) -> None:
    model = nn.MLP(2, [4, 3], rng=0, dtype=np.float32)
    nn.save(model, tmp_path / "model.npz")
    state = nn.load(tmp_path / "model.npz")
    assert list(state) == list(model.state_dict())
    for key, value in model.state_dict().items():
        assert state[key].dtype == np.float32
        np.testing.assert_array_equal(state[key], value)
    other = nn.MLP(2, [4, 3], rng=1, dtype=np.float32)
    other.load_state_dict(state)
    x = np.ones((2, 2), dtype=np.float32)
    np.testing.assert_array_equal(other(x).data, model(x).data)
    # The arrays are plain .npz entries, named as in the state dict.
    with np.load(tmp_path / "model.npz") as f:
        np.testing.assert_array_equal(f["layers.1.bias"], model.layers[1].bias.data)


def test_nested_state_and_python_types_round_trip() -> None:
    model = nn.Neuron(3, rng=0)
    opt = nn.optim.Adam(model.parameters(), lr=0.1)
    state = {
        "model": model,  # anything with state_dict() is saved as its state dict
        "optim": opt.state_dict(),
        "epoch": 3,
        "lr": 0.1 + 0.2,  # 0.30000000000000004 must come back exactly
        "best": float("inf"),
        "flag": True,
        "nothing": None,
        "name": "run-1",
        "betas": (0.9, 0.999),
        "history": [1, 2.5, "x"],
        "np_scalar": np.float32(1.5),
        "by_index": {0: np.arange(3), 1: {"deep": np.eye(2)}},
    }
    f = io.BytesIO()
    nn.save(state, f)
    f.seek(0)
    back = nn.load(f)
    assert set(back) == set(state)
    assert back["epoch"] == 3
    assert type(back["epoch"]) is int
    assert back["lr"] == 0.1 + 0.2
    assert type(back["lr"]) is float
    assert back["best"] == float("inf")
    assert back["flag"] is True
    assert back["nothing"] is None
    assert back["name"] == "run-1"
    assert back["betas"] == (0.9, 0.999)
    assert type(back["betas"]) is tuple
    assert back["history"] == [1, 2.5, "x"]
    assert type(back["np_scalar"]) is np.float32
    assert back["np_scalar"] == 1.5
    assert list(back["by_index"]) == [0, 1]  # int keys stay ints
    np.testing.assert_array_equal(back["by_index"][1]["deep"], np.eye(2))
    assert back["model"]["b"].shape == ()  # a 0-d parameter stays a 0-d array
    np.testing.assert_array_equal(back["model"]["w"], model.w.data)
    group = {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False}
    assert back["optim"] == {"state": {}, "param_groups": [{**group, "params": [0, 1]}]}


def test_suffix_is_added_and_found(tmp_path: Path) -> None:
    written = nn.save({"a": np.ones(2)}, str(tmp_path / "ckpt"))
    assert written == str(tmp_path / "ckpt.npz")
    assert (tmp_path / "ckpt.npz").exists()
    np.testing.assert_array_equal(nn.load(str(tmp_path / "ckpt"))["a"], np.ones(2))


def test_save_and_load_resolve_a_name_the_same_way(tmp_path: Path) -> None:
    # A file that happens to be called "a.ckpt" must not be what load("a.ckpt") opens, since
    # save("a.ckpt") wrote "a.ckpt.npz".
    (tmp_path / "a.ckpt").write_bytes(b"something else")
    written = nn.save({"w": np.arange(3.0)}, tmp_path / "a.ckpt")
    assert written == str(tmp_path / "a.ckpt.npz")
    np.testing.assert_array_equal(nn.load(tmp_path / "a.ckpt")["w"], np.arange(3.0))
    assert nn.save({"w": np.ones(1)}, tmp_path / "b.npz") == str(tmp_path / "b.npz")
    assert nn.serialization.resolve("m.SAFETENSORS") == ("m.SAFETENSORS", "safetensors")
    assert nn.serialization.resolve("m", format="safetensors") == ("m.safetensors", "safetensors")
    with pytest.raises(ValueError, match=r"ends in '\.npz' but format='safetensors'"):
        nn.save({"w": np.ones(1)}, tmp_path / "c.npz", format="safetensors")
    with pytest.raises(ValueError, match="format must be 'npz' or 'safetensors', got 'pt'"):
        nn.load(tmp_path / "b.npz", format="pt")


def test_no_pickle(tmp_path: Path) -> None:
    with pytest.raises(
        TypeError,
        match=r"save: the array at 'x' has dtype object; "
        r"only numbers can be saved",
    ):
        nn.save({"x": np.array([{}, 1], dtype=object)}, tmp_path / "bad.npz")
    # A file holding a pickled object array (written by numpy itself) is refused on load.
    manifest = '{"format": 1, "tree": {"t": "array", "key": "x"}}'
    np.savez(tmp_path / "evil.npz", x=np.array([{}, 1], dtype=object), __seegrad__=np.array(manifest))
    with pytest.raises(nn.serialization.CheckpointError, match="never loaded"):
        nn.load(tmp_path / "evil.npz")


def test_foreign_npz_is_refused(tmp_path: Path) -> None:
    # Without the manifest an .npz may be another tool's file or a write that did not finish.
    np.savez(tmp_path / "plain.npz", w=np.ones(3), b=np.zeros(1))
    with pytest.raises(nn.serialization.CheckpointError, match=r"plain\.npz' is not a valid checkpoint: it "
                       r"has no '__seegrad__' manifest.*numpy\.load"):
        nn.load(tmp_path / "plain.npz")


def test_save_errors() -> None:
    f = io.BytesIO()
    with pytest.raises(TypeError, match=r"save: cannot store a set at 'opt/x'"):
        nn.save({"opt": {"x": {1, 2}}}, f)
    with pytest.raises(ValueError, match=r"save: two entries would be stored under the name 'a/b'"):
        nn.save({"a/b": np.ones(1), "a": {"b": np.ones(1)}}, f)
    with pytest.raises(TypeError, match=r"save: dict keys must be str or int, got 1.5"):
        nn.save({1.5: np.ones(1)}, f)
    with pytest.raises(ValueError, match=r"save: the name 'file' is reserved by the file format"):
        nn.save({"file": np.ones(1)}, f)  # np.savez's own argument name
