"""save / load: models and training state in a `.npz` or `.safetensors` file, without pickle.

Neither format can hold code: `.npz` members are read as plain numeric arrays (never with
pickle), and safetensors is a header plus raw numbers. Loading a file from someone else cannot
run code. Arrays are stored under their path of keys joined by "/" (`model/layers.0.weight`),
readable with plain `np.load` or `safetensors.numpy.load_file`; everything else - the nesting
of dicts, lists and tuples, int keys, and Python scalars such as step counts and learning
rates - is recorded exactly in a small JSON manifest (an `.npz` member, or the safetensors
metadata).

The file name decides the format: `.safetensors` for safetensors, anything else `.npz` (the
suffix is added when missing: `save(m, "ckpt")` writes `ckpt.npz`). `load` resolves a name the
same way, and `save` returns the path it wrote. A `format=` argument ("npz" or "safetensors")
chooses the format explicitly (and the suffix added).

Saving is atomic: the file is written under a temporary name in the same folder, flushed to
disk (fsync), then renamed over the target. A save that fails part-way (a full disk, a killed
process, an object that cannot be stored) leaves the previous file untouched and no temporary
file behind. Loading checks the whole file before returning anything: a truncated, empty or
foreign file raises one `CheckpointError` naming the path and what is wrong with it.

>>> import io, nn
>>> model = nn.MLP(2, [3, 1], rng=0)
>>> opt = nn.optim.Adam(model.parameters(), lr=0.01)
>>> f = io.BytesIO()
>>> nn.save({"model": model, "optim": opt, "epoch": 7}, f)
>>> _ = f.seek(0)
>>> state = nn.load(f)
>>> state["epoch"], list(state["model"])[:2]
(7, ['layers.0.weight', 'layers.0.bias'])
>>> model.load_state_dict(state["model"])
IncompatibleKeys(missing_keys=[], unexpected_keys=[])
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import struct
import tempfile
import zipfile
from collections.abc import Callable
from typing import IO, Any

import numpy as np

from autograd import Tensor

MANIFEST = "__seegrad__"  # the entry holding the JSON description of the structure
SEP = "/"
FORMAT = 1
# np.savez(file, *args, allow_pickle=..., **arrays) cannot take these as array names.
_RESERVED = {"file", "allow_pickle", "args", MANIFEST}
SUFFIXES = {"npz": ".npz", "safetensors": ".safetensors"}
# Metadata torch / Hugging Face tools look for in a safetensors file of PyTorch-layout weights.
_ST_FORMAT = {"format": "pt"}

PathOrFile = str | os.PathLike[str] | IO[bytes]


class CheckpointError(ValueError):
    """A file that `nn.load` refuses: not a checkpoint, truncated, or malformed."""


# -- file names --------------------------------------------------------------------------------
def resolve(path: str | os.PathLike[str], format: str | None = None) -> tuple[str, str]:
    """(the file name, the format) that `save` writes and `load` reads for `path`.

    A name ending in `.npz` or `.safetensors` is used as it is; any other name gets the
    suffix of `format` (npz by default) appended, so `save` and `load` agree on it.
    """
    name = os.fspath(path)
    if not isinstance(name, str):
        raise TypeError(f"save/load: the path must be a str or a path, got {type(name).__name__}")
    _check_format(format)
    for fmt, suffix in SUFFIXES.items():
        if name.lower().endswith(suffix):
            if format is not None and format != fmt:
                raise ValueError(
                    f"save/load: the file name {name!r} ends in {suffix!r} but format={format!r}; "
                    "drop one of them or make them agree"
                )
            return name, fmt
    fmt = format or "npz"
    return name + SUFFIXES[fmt], fmt


def _check_format(format: str | None) -> None:
    if format is not None and format not in SUFFIXES:
        raise ValueError(f"save/load: format must be 'npz' or 'safetensors', got {format!r}")


# -- save --------------------------------------------------------------------------------------
def save(obj: Any, path: PathOrFile, format: str | None = None) -> str | None:
    """Write `obj` to a `.npz` (default) or `.safetensors` file; return the path written.

    `obj` is a Module (its state_dict is saved), or a state dict, or any nesting of dicts,
    lists and tuples whose leaves are arrays, Tensors, numbers, strings, None, or objects with
    a `state_dict()` method (models, optimizers, schedulers), e.g.
    `{"model": model, "optim": opt, "epoch": 3}`.

    The file name (see `resolve`) gets `.npz` appended unless it ends in `.npz` or
    `.safetensors`; `format=` chooses explicitly. A model saved as safetensors holds exactly
    its state_dict, so `torch_model.load_state_dict(safetensors.torch.load_file(path))`
    works. The write is atomic (temporary file, fsync, rename). For a file object, the data
    is written to it and None is returned.
    """
    _check_format(format)
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, "", arrays)  # every error about `obj` happens here, before any write
    manifest = json.dumps({"format": FORMAT, "tree": tree})
    if isinstance(path, (str, os.PathLike)):
        name, fmt = resolve(path, format)
        data = _safetensors_bytes(arrays, manifest) if fmt == "safetensors" else None
        _atomic_write(name, lambda f: f.write(data) if data is not None else _write_npz(f, arrays, manifest))
        return name
    if format == "safetensors":
        path.write(_safetensors_bytes(arrays, manifest))
    else:
        _write_npz(path, arrays, manifest)
    return None


def _write_npz(f: IO[bytes], arrays: dict[str, np.ndarray], manifest: str) -> None:
    np.savez(f, **arrays, **{MANIFEST: np.array(manifest)})  # type: ignore[arg-type]


def _safetensors() -> Any:
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            "save/load: the .safetensors format needs the 'safetensors' package; install the "
            'optional extra: pip install "seegrad[safetensors]"'
        ) from None
    return safetensors.numpy


def _safetensors_bytes(arrays: dict[str, np.ndarray], manifest: str) -> bytes:
    st = _safetensors()
    for key, a in arrays.items():
        if a.dtype.kind == "c":
            raise TypeError(
                f"save: the array at {key!r} is complex ({a.dtype}); the safetensors format has "
                "no complex dtype - save it as .npz"
            )
    tensors = {k: np.ascontiguousarray(a) for k, a in arrays.items()}
    return bytes(st.save(tensors, metadata={**_ST_FORMAT, MANIFEST: manifest}))


def _atomic_write(name: str, write: Callable[[IO[bytes]], Any]) -> None:
    """Write a file under a temporary name in the same folder, fsync, rename over `name`."""
    folder = os.path.dirname(os.path.abspath(name))
    mode = _new_file_mode(name)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(name) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)  # mkstemp makes the file private (0600); give it a normal file's mode
        os.replace(tmp, name)  # atomic on POSIX and Windows: readers see the old or the new file
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    # The rename itself is durable once the folder's entry is on disk.
    with contextlib.suppress(OSError):
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def _new_file_mode(name: str) -> int:
    """The existing file's permissions, or those a new file gets under the current umask."""
    try:
        return os.stat(name).st_mode & 0o7777
    except OSError:
        pass
    try:
        with open("/proc/self/status") as status:  # reads the umask without changing it
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except OSError:
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


# -- load --------------------------------------------------------------------------------------
def load(path: PathOrFile, format: str | None = None) -> Any:
    """Read what `save` wrote: the same nesting, with arrays as numpy arrays.

    The name resolves as in `save` (`load("ckpt")` reads `ckpt.npz`). A model's saved state
    comes back as a dict name -> array for `model.load_state_dict`. A `.safetensors` file
    written by another tool (torch, Hugging Face) gives a dict name -> array. An `.npz` file
    must carry this library's manifest; read other `.npz` files with `numpy.load`.

    Raises `CheckpointError` (a ValueError) naming the path and the reason when the file is
    not a valid checkpoint (truncated, empty, not a zip, no manifest, non-numeric members).
    """
    _check_format(format)
    if isinstance(path, (str, os.PathLike)):
        name, fmt = resolve(path, format)
        try:
            with open(name, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            raise FileNotFoundError(f"load: no such file: {name!r}") from None
    else:
        name = str(getattr(path, "name", "<file object>"))
        raw = path.read()
        fmt = format or ("npz" if raw[:2] == b"PK" else "safetensors" if raw[8:9] == b"{" else "npz")
    where = repr(name)
    if not raw:
        raise CheckpointError(f"load: {where} is not a valid checkpoint: the file is empty")
    if fmt == "safetensors":
        arrays, manifest = _read_safetensors(raw, where)
    else:
        arrays, manifest = _read_npz(raw, where)
    if manifest is None:  # a foreign safetensors file: its tensors by name
        return arrays
    return _decode_all(manifest, arrays, where)


def _bad(where: str, why: str) -> CheckpointError:
    return CheckpointError(f"load: {where} is not a valid checkpoint: {why}")


def _read_npz(raw: bytes, where: str) -> tuple[dict[str, np.ndarray], str]:
    """Every member of the .npz as an array, and the manifest; checked before anything returns."""
    if raw[:6] == b"\x93NUMPY":
        raise _bad(where, "it is a single .npy array, not an .npz checkpoint (read it with numpy.load)")
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise _bad(where, "it is not a zip archive (.npz), or it is truncated") from None
    arrays: dict[str, np.ndarray] = {}
    manifest: str | None = None
    with zf:
        for info in zf.infolist():
            if not info.filename.endswith(".npy"):
                raise _bad(where, f"unexpected member {info.filename!r} (an .npz holds only .npy arrays)")
            key = info.filename[: -len(".npy")]
            try:
                arr = _read_member(zf, info)
            except (ValueError, OSError, EOFError, zipfile.BadZipFile, NotImplementedError,
                    struct.error, RuntimeError) as e:
                raise _bad(where, f"member {key!r} cannot be read ({e})") from None
            if key == MANIFEST:
                if arr.dtype.kind != "U" or arr.ndim != 0:
                    raise _bad(where, "its manifest is not a string")
                manifest = str(arr[()])
                continue
            if arr.dtype.kind not in "biufc" or arr.dtype.fields is not None:
                raise _bad(where, f"member {key!r} has dtype {arr.dtype}, not plain numbers")
            arrays[key] = arr
    if manifest is None:
        raise _bad(
            where,
            f"it has no {MANIFEST!r} manifest, so it was not written by nn.save (or the write "
            "did not finish); read a plain .npz with numpy.load",
        )
    return arrays, manifest


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """One .npy member, its header checked against its size before any array is made."""
    fmt = np.lib.format
    with zf.open(info) as m:
        version = fmt.read_magic(m)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(m)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = fmt.read_array_header_2_0(m)
        else:
            raise ValueError(f"unknown .npy version {version}")
        if dtype.hasobject:
            raise ValueError(f"dtype {dtype} holds Python objects (pickles), which are never loaded")
        count = math.prod(shape)
        header = m.tell()
        if info.file_size != header + count * dtype.itemsize:
            raise ValueError(
                f"its header says shape {shape} of {dtype} ({count * dtype.itemsize} bytes), "
                f"but it holds {info.file_size - header} bytes"
            )
        data = m.read()  # to the end, so the zip's CRC check runs
    arr = np.frombuffer(data, dtype=dtype, count=count).reshape(shape, order="F" if fortran else "C")
    return arr.copy()  # writable, owning its memory


def _read_safetensors(raw: bytes, where: str) -> tuple[dict[str, np.ndarray], str | None]:
    st = _safetensors()
    if len(raw) < 8:
        raise _bad(where, "it is too short for a safetensors header")
    (n,) = struct.unpack("<Q", raw[:8])
    try:
        header = json.loads(raw[8 : 8 + n].decode("utf-8"))
        meta = header.get("__metadata__") or {}
        if not isinstance(meta, dict):
            raise ValueError("__metadata__ is not a dict")
        tensors = st.load(raw)
    except Exception as e:  # the library's own checks: offsets, sizes, dtypes
        raise _bad(where, f"the safetensors data is malformed or truncated ({e})") from None
    arrays: dict[str, np.ndarray] = {}
    for key, a in tensors.items():
        if a.dtype.kind not in "biufc":
            raise _bad(where, f"tensor {key!r} has dtype {a.dtype}, not plain numbers")
        arrays[key] = np.array(a)  # writable, owning its memory
    manifest = meta.get(MANIFEST)
    if manifest is not None and not isinstance(manifest, str):
        raise _bad(where, "its manifest is not a string")
    return arrays, manifest


def _decode_all(manifest: str, arrays: dict[str, np.ndarray], where: str) -> Any:
    try:
        info = json.loads(manifest)
    except ValueError as e:
        raise _bad(where, f"its manifest is not valid JSON ({e})") from None
    except RecursionError:
        raise _bad(where, "its manifest is nested too deeply") from None
    if not isinstance(info, dict) or "tree" not in info:
        raise _bad(where, "its manifest has no 'tree'")
    if info.get("format") != FORMAT:
        raise _bad(where, f"unknown file format version {info.get('format')!r} (this version reads {FORMAT})")
    used: set[str] = set()
    try:
        value = _decode(info["tree"], arrays, used)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
        raise _bad(where, f"its manifest is malformed ({type(e).__name__}: {e})") from None
    extra = sorted(set(arrays) - used)
    if extra:
        raise _bad(where, f"members not described by its manifest: {', '.join(map(repr, extra[:5]))}")
    return value


# -- the manifest ------------------------------------------------------------------------------
def _child(path: str, key: Any) -> str:
    return f"{path}{SEP}{key}" if path else str(key)


def _encode(value: Any, path: str, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """A JSON node for `value`; arrays go into `arrays` under their path."""
    where = repr(path) if path else "the top level"
    if hasattr(value, "state_dict") and callable(value.state_dict):
        value = value.state_dict()
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind not in "biufc":
            raise TypeError(f"save: the array at {where} has dtype {value.dtype}; only numbers can be saved")
        key = path or "value"
        if key in _RESERVED:
            raise ValueError(f"save: the name {key!r} is reserved by the file format; rename the key")
        if key in arrays:
            raise ValueError(f"save: two entries would be stored under the name {key!r}; rename a key")
        arrays[key] = np.array(value)  # a copy
        return {"t": "array" if isinstance(value, np.ndarray) else "scalar", "key": key}
    if value is None:
        return {"t": "none"}
    if isinstance(value, bool):  # before int: bool is a subclass of int
        return {"t": "bool", "v": value}
    if isinstance(value, int):
        return {"t": "int", "v": value}
    if isinstance(value, float):
        return {"t": "float", "v": value}  # JSON keeps floats exactly (shortest repr round-trips)
    if isinstance(value, str):
        return {"t": "str", "v": value}
    if isinstance(value, (list, tuple)):
        nodes = [_encode(v, _child(path, i), arrays) for i, v in enumerate(value)]
        return {"t": "tuple" if isinstance(value, tuple) else "list", "items": nodes}
    if isinstance(value, dict):
        items: list[list[Any]] = []
        for k, v in value.items():
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise TypeError(f"save: dict keys must be str or int, got {k!r} at {where}")
            kind = "int" if isinstance(k, int) else "str"
            items.append([kind, k, _encode(v, _child(path, k), arrays)])
        return {"t": "dict", "items": items}
    raise TypeError(
        f"save: cannot store a {type(value).__name__} at {where}; expected arrays, Tensors, "
        "numbers, strings, None, or dicts / lists / tuples of them"
    )


_PLAIN = {"bool": bool, "int": int, "float": float, "str": str}


def _decode(root: Any, arrays: dict[str, np.ndarray], used: set[str]) -> Any:
    """The value a manifest tree describes (iteratively: a crafted file may nest deeply)."""
    # Each task fills slot `i` of the list `into` with the decoded node.
    top: list[Any] = [None]
    tasks: list[tuple[Any, list[Any], int]] = [(root, top, 0)]
    finish: list[tuple[list[Any], int, str, list[Any], list[Any]]] = []  # containers to close
    while tasks:
        node, into, i = tasks.pop()
        kind = node["t"]
        if kind in ("array", "scalar"):
            key = node["key"]
            arr = arrays[key]
            used.add(key)
            if kind == "scalar":
                if arr.ndim != 0:
                    raise ValueError(f"the scalar {key!r} has shape {arr.shape}")
                into[i] = arr[()]
            else:
                into[i] = arr
        elif kind == "none":
            into[i] = None
        elif kind in _PLAIN:
            v = node["v"]
            if type(v) is not _PLAIN[kind] and not (kind == "float" and type(v) is int):
                raise TypeError(f"an entry of type {kind} holds {v!r}")
            into[i] = _PLAIN[kind](v)
        elif kind in ("list", "tuple", "dict"):
            entries = node["items"]
            if not isinstance(entries, list):
                raise TypeError(f"the items of a {kind} are not a list")
            slots: list[Any] = [None] * len(entries)
            keys: list[Any] = []
            for j, entry in enumerate(entries):
                if kind == "dict":
                    kt, k, child = entry
                    if (kt, type(k)) not in (("int", int), ("str", str)):
                        raise TypeError(f"a dict key {k!r} of kind {kt!r}")
                    keys.append(k)
                else:
                    child = entry
                tasks.append((child, slots, j))
            finish.append((into, i, kind, slots, keys))
        else:
            raise ValueError(f"unknown entry type {kind!r}")
    # Containers close innermost first: children were filled before their parents are built.
    for into, i, kind, slots, keys in reversed(finish):
        if kind == "dict":
            into[i] = dict(zip(keys, slots, strict=True))
        else:
            into[i] = tuple(slots) if kind == "tuple" else slots
    return top[0]
