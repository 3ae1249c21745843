"""Checkpoint files: atomic saves, refusal of broken or foreign files, safetensors.

A save that fails part-way must leave the previous checkpoint as it was and no temporary file
behind; every file that is not a whole checkpoint must be refused with one `CheckpointError`
that names the path and says why.
"""

from __future__ import annotations

import io
import json
import os
import struct
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nn
from nn.serialization import CheckpointError


def _training_state(seed: int = 0) -> dict[str, Any]:
    model = nn.MLP(3, [4, 2], rng=seed)
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    loss = (model(np.ones((2, 3))) ** 2).sum()
    loss.backward()
    opt.step()
    sched = nn.optim.StepLR(opt, step_size=2)
    return {"model": model, "optim": opt, "sched": sched, "step": 7 + seed}


def _same(a: Any, b: Any) -> None:
    if isinstance(a, dict):  # an OrderedDict state_dict comes back as a dict
        assert isinstance(b, dict)
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
        return
    assert type(a) is type(b)
    if isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


def _as_state(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v.state_dict() if hasattr(v, "state_dict") else v for k, v in obj.items()}


# -- atomic saves ---------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
@pytest.mark.parametrize("where", ["writing", "fsync"])
def test_a_failed_save_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, where: str
) -> None:
    target = tmp_path / f"ckpt{suffix}"
    nn.save(_training_state(0), target)
    before = target.read_bytes()

    def disk_full(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    if where == "fsync":
        monkeypatch.setattr(os, "fsync", disk_full)
    else:
        # The disk fills up after a few bytes of the new file: a partial file is on the disk.
        class FullDisk(io.FileIO):
            def write(self, b: Any) -> int:
                super().write(bytes(b)[:50])
                disk_full()
                return 0

        monkeypatch.setattr(os, "fdopen", lambda fd, *args, **kwargs: FullDisk(fd, "wb"))
    with pytest.raises(OSError, match="No space left"):
        nn.save(_training_state(1), target)
    monkeypatch.undo()
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]
    _same(nn.load(target), _as_state(_training_state(0)))


def test_an_object_that_cannot_be_saved_touches_nothing(tmp_path: Path) -> None:
    target = tmp_path / "ckpt.npz"
    nn.save({"w": np.ones(2)}, target)
    before = target.read_bytes()
    with pytest.raises(TypeError, match="cannot store a set"):
        nn.save({"w": np.zeros(2), "bad": {1}}, target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.npz"]


def test_saved_file_has_ordinary_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = nn.save({"w": np.ones(2)}, tmp_path / "m.npz")
    finally:
        os.umask(old)
    assert path is not None
    assert os.stat(path).st_mode & 0o777 == 0o644
    os.chmod(path, 0o600)
    nn.save({"w": np.zeros(2)}, path)  # overwriting keeps the file's own permissions
    assert os.stat(path).st_mode & 0o777 == 0o600


# -- files that are not checkpoints ---------------------------------------------------------------
def _npz_bytes(**members: np.ndarray) -> bytes:
    f = io.BytesIO()
    np.savez(f, **members)  # type: ignore[arg-type]
    return f.getvalue()


def _npy(a: np.ndarray) -> bytes:
    f = io.BytesIO()
    np.save(f, a)
    return f.getvalue()


def _manifest(tree: Any) -> np.ndarray:
    return np.array(json.dumps({"format": 1, "tree": tree}))


def _good_bytes() -> bytes:
    f = io.BytesIO()
    nn.save(_training_state(), f)
    return f.getvalue()


def _bad_files() -> dict[str, tuple[bytes, str]]:
    good = _good_bytes()
    arr = {"t": "array", "key": "w"}
    npy = io.BytesIO()
    np.save(npy, np.ones(3))
    # A member whose header claims more data than it holds (with a correct zip checksum).
    npy_w = io.BytesIO()
    np.save(npy_w, np.ones(4))
    lying_npy = npy_w.getvalue().replace(b"'shape': (4,)", b"'shape': (9,)")
    lying = io.BytesIO()
    with zipfile.ZipFile(lying, "w") as zf:
        zf.writestr("w.npy", lying_npy)
        zf.writestr("__seegrad__.npy", _npy(_manifest(arr)))
    return {
        "empty": (b"", "the file is empty"),
        "truncated-half": (good[: len(good) // 2], "not a zip archive"),
        "truncated-end": (good[:-10], "not a zip archive"),
        "npy": (npy.getvalue(), "a single .npy array"),
        "text": (b"hello, world\n", "not a zip archive"),
        "no-manifest": (_npz_bytes(w=np.ones(2)), "no '__seegrad__' manifest"),
        "bytes-member": (_npz_bytes(w=np.array(b""), __seegrad__=_manifest(arr)), "dtype |S1, not plain"),
        "str-member": (_npz_bytes(w=np.array(["a"]), __seegrad__=_manifest(arr)), "not plain numbers"),
        "bad-json": (_npz_bytes(__seegrad__=np.array("{not json")), "not valid JSON"),
        "manifest-array": (_npz_bytes(__seegrad__=np.ones(2)), "manifest is not a string"),
        "no-tree": (_npz_bytes(__seegrad__=np.array('{"format": 1}')), "has no 'tree'"),
        "future-format": (_npz_bytes(__seegrad__=np.array('{"format": 9, "tree": {}}')),
                          "unknown file format version 9"),
        "missing-key": (_npz_bytes(__seegrad__=_manifest(arr)), r"KeyError: 'w'"),
        "tree-not-dict": (_npz_bytes(__seegrad__=_manifest([1, 2])), "manifest is malformed"),
        "bad-kind": (_npz_bytes(__seegrad__=_manifest({"t": "pickle"})), "unknown entry type 'pickle'"),
        "bad-int": (_npz_bytes(__seegrad__=_manifest({"t": "int", "v": "7"})),
                    "an entry of type int holds '7'"),
        "scalar-not-0d": (_npz_bytes(w=np.ones(2), __seegrad__=_manifest({"t": "scalar", "key": "w"})),
                          "the scalar 'w' has shape"),
        "extra-member": (_npz_bytes(w=np.ones(2), v=np.ones(1), __seegrad__=_manifest(arr)),
                         "not described by its manifest: 'v'"),
        "lying-header": (lying.getvalue(), "header says shape \\(9,\\)"),
    }


@pytest.mark.parametrize("case", list(_bad_files()))
def test_broken_and_foreign_files_are_refused_with_one_clear_error(tmp_path: Path, case: str) -> None:
    data, why = _bad_files()[case]
    path = tmp_path / f"{case}.npz"
    path.write_bytes(data)
    with pytest.raises(CheckpointError, match=f"load: '.*{case}.npz' is not a valid checkpoint: .*{why}"):
        nn.load(path)


def test_every_truncation_is_refused(tmp_path: Path) -> None:
    good = _good_bytes()
    path = tmp_path / "t.npz"
    for n in range(0, len(good), max(1, len(good) // 97)):
        path.write_bytes(good[:n])
        with pytest.raises(CheckpointError, match="is not a valid checkpoint"):
            nn.load(path)


def test_a_missing_file_names_the_resolved_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no such file: '.*nothing\.npz'"):
        nn.load(tmp_path / "nothing")


def test_deeply_nested_manifests(tmp_path: Path) -> None:
    deep: Any = 1
    for _ in range(200):
        deep = [deep]
    got = nn.load(nn.save({"x": deep}, tmp_path / "deep"))["x"]
    for _ in range(200):
        assert isinstance(got, list)
        got = got[0]
    assert got == 1
    # A crafted manifest nested far deeper than JSON parsing allows: an error, not a crash.
    n = 100_000
    text = '{"format": 1, "tree": ' + '{"t": "list", "items": [' * n + '{"t": "none"}' + "]}" * n + "}"
    (tmp_path / "crafted.npz").write_bytes(_npz_bytes(__seegrad__=np.array(text)))
    with pytest.raises(CheckpointError, match="nested too deeply"):
        nn.load(tmp_path / "crafted.npz")


# -- safetensors ----------------------------------------------------------------------------------
def test_safetensors_round_trip_of_training_state(tmp_path: Path) -> None:
    pytest.importorskip("safetensors")
    state = _training_state()
    path = nn.save(state, tmp_path / "run.safetensors")
    assert path == str(tmp_path / "run.safetensors")
    _same(nn.load(path), _as_state(state))
    # format= chooses the format (and the suffix) for a bare name.
    written = nn.save(state, tmp_path / "run2", format="safetensors")
    assert written == str(tmp_path / "run2.safetensors")
    _same(nn.load(tmp_path / "run2", format="safetensors"), _as_state(state))
    # Into a file object, and back with the format told or sniffed.
    f = io.BytesIO()
    nn.save(state, f, format="safetensors")
    f.seek(0)
    _same(nn.load(f), _as_state(state))


def test_safetensors_weights_file_is_exactly_the_state_dict(tmp_path: Path) -> None:
    st = pytest.importorskip("safetensors.numpy")
    from safetensors import safe_open

    model = nn.MLP(3, [4, 2], rng=0, dtype=np.float32)
    path = nn.save(model, tmp_path / "m.safetensors")
    assert path is not None
    tensors = st.load_file(path)
    assert set(tensors) == set(model.state_dict())
    for k, v in model.state_dict().items():
        assert tensors[k].dtype == np.float32
        np.testing.assert_array_equal(tensors[k], v)
    with safe_open(path, framework="np") as f:
        meta = f.metadata()
    assert meta["format"] == "pt"
    assert json.loads(meta["__seegrad__"])["format"] == 1
    back = nn.MLP(3, [4, 2], rng=1, dtype=np.float32)
    back.load_state_dict(nn.load(path))
    x = np.ones((2, 3), dtype=np.float32)
    np.testing.assert_array_equal(back(x).data, model(x).data)


def test_safetensors_file_loads_into_torch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    st_torch = pytest.importorskip("safetensors.torch")
    model = nn.Sequential(nn.Linear(3, 5, rng=0), nn.ReLU(), nn.Linear(5, 2, rng=1))
    path = nn.save(model, tmp_path / "m.safetensors")
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2)).double()
    result = tmodel.load_state_dict(st_torch.load_file(path))
    assert not result.missing_keys
    assert not result.unexpected_keys
    x = np.random.default_rng(0).normal(size=(4, 3))
    with torch.no_grad():
        want = tmodel(torch.tensor(x)).numpy()
    np.testing.assert_allclose(model(x).data, want, rtol=1e-12, atol=1e-12)
    # And back: torch's own file loads into our model.
    st_torch.save_file(tmodel.state_dict(), str(tmp_path / "t.safetensors"))
    other = nn.Sequential(nn.Linear(3, 5, rng=5), nn.ReLU(), nn.Linear(5, 2, rng=6))
    other.load_state_dict(nn.load(tmp_path / "t.safetensors"))
    np.testing.assert_allclose(other(x).data, want, rtol=1e-12, atol=1e-12)


def test_broken_safetensors_files_are_refused(tmp_path: Path) -> None:
    pytest.importorskip("safetensors")
    path = tmp_path / "m.safetensors"
    nn.save(_training_state(), path)
    good = path.read_bytes()
    for n in (0, 4, 8, 20, len(good) // 2, len(good) - 1):
        path.write_bytes(good[:n])
        with pytest.raises(CheckpointError, match=r"m\.safetensors' is not a valid checkpoint"):
            nn.load(path)
    header = json.dumps({"__metadata__": {"__seegrad__": "[1"}}).encode()
    path.write_bytes(struct.pack("<Q", len(header)) + header)
    with pytest.raises(CheckpointError, match="manifest is not valid JSON"):
        nn.load(path)
    with pytest.raises(TypeError, match=r"complex.*save it as \.npz"):
        nn.save({"z": np.ones(2, dtype=complex)}, path)


def test_safetensors_missing_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    monkeypatch.setitem(sys.modules, "safetensors", None)
    with pytest.raises(ImportError, match=r'pip install "seegrad\[safetensors\]"'):
        nn.save({"w": np.ones(2)}, tmp_path / "m.safetensors")
    assert list(tmp_path.iterdir()) == []
    npz = nn.save({"w": np.ones(2)}, tmp_path / "m")  # .npz needs nothing extra
    assert npz is not None
    assert zipfile.is_zipfile(npz)
