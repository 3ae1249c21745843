"""save / load: models and training state in a `.npz` file, without pickle.

`np.load(..., allow_pickle=False)` can only create arrays, so loading a file from someone else
cannot run code (a pickle can). Arrays are stored under their path of keys joined by "/"
(`model/layers.0.weight`), readable with plain `np.load`; everything else - the nesting of
dicts, lists and tuples, int keys, and Python scalars such as step counts and learning rates -
is recorded exactly in a small JSON manifest stored as a string array.

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

import json
import os
from typing import IO, Any

import numpy as np

from autograd import Tensor

MANIFEST = "__seegrad__"  # the entry holding the JSON description of the structure
SEP = "/"
FORMAT = 1
# np.savez(file, *args, allow_pickle=..., **arrays) cannot take these as array names.
_RESERVED = {"file", "allow_pickle", "args", MANIFEST}

PathOrFile = str | os.PathLike[str] | IO[bytes]


def save(obj: Any, path: PathOrFile) -> None:
    """Write `obj` to a .npz file (numpy adds the suffix to a path without one).

    `obj` is a Module (its state_dict is saved), or a state dict, or any nesting of dicts,
    lists and tuples whose leaves are arrays, Tensors, numbers, strings, None, or objects with
    a `state_dict()` method (models, optimizers, schedulers), e.g.
    `{"model": model, "optim": opt, "epoch": 3}`.
    """
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, "", arrays)
    arrays[MANIFEST] = np.array(json.dumps({"format": FORMAT, "tree": tree}))
    np.savez(path, **arrays)  # type: ignore[arg-type]  # keys are checked against _RESERVED


def load(path: PathOrFile) -> Any:
    """Read what `save` wrote: the same nesting, with arrays as numpy arrays.

    A model's saved state comes back as a dict name -> array for `model.load_state_dict`.
    A .npz file written by other tools (no manifest) gives a dict name -> array.
    """
    if isinstance(path, (str, os.PathLike)):
        name = os.fspath(path)
        if not os.path.exists(name) and os.path.exists(name + ".npz"):
            path = name + ".npz"  # np.savez added the suffix
    with np.load(path, allow_pickle=False) as f:
        if MANIFEST not in f.files:
            return {k: f[k] for k in f.files}
        manifest = json.loads(str(f[MANIFEST]))
        if manifest.get("format") != FORMAT:
            raise ValueError(f"load: unknown file format version {manifest.get('format')!r}")
        return _decode(manifest["tree"], f)


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


def _decode(node: dict[str, Any], f: Any) -> Any:
    kind = node["t"]
    if kind == "array":
        return f[node["key"]]
    if kind == "scalar":
        return f[node["key"]][()]
    if kind == "none":
        return None
    if kind in ("bool", "int", "float", "str"):
        return {"bool": bool, "int": int, "float": float, "str": str}[kind](node["v"])
    if kind in ("list", "tuple"):
        items = [_decode(n, f) for n in node["items"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {(int(k) if kt == "int" else k): _decode(n, f) for kt, k, n in node["items"]}
    raise ValueError(f"load: unknown entry type {kind!r} in the file's manifest")
