"""The list of ops, as data.

Every op registers an `OpInfo` right next to its definition: its public entry point, a numpy
reference for the forward pass, sample input shapes (scalars, vectors, matrices, broadcasting
pairs, `axis=` and `keepdims` variants) and the domain its inputs are drawn from. The test suite
enumerates `OPS` (forward against the reference, gradcheck, gradgradcheck); the docs' op table
and graph labels read it too. An op without samples fails a test instead of going untested.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Sample:
    """One way to call an op: the shapes of its tensor inputs and its keyword arguments."""

    shapes: tuple[Shape, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        shapes = "+".join(str(s).replace(" ", "") for s in self.shapes)
        kw = ",".join(f"{k}={v}" for k, v in self.kwargs.items())
        return f"{shapes}{'-' + kw if kw else ''}"


@dataclass(frozen=True)
class OpInfo:
    """What the tests, the docs and the pictures know about one op.

    - name: the public name (`exp`, `sum`, `matmul`).
    - call: the entry point, called as ``call(*tensors, **sample.kwargs)``.
    - ref: the numpy reference, called as ``ref(*arrays, **sample.kwargs)``.
    - samples: the shapes and keyword arguments to test with.
    - domain: inputs are drawn uniformly from [low, high] ...
    - avoid: ... and kept at least 0.05 away from these points (kinks, poles), where finite
      differences are meaningless.
    - function: the `Function` class (None for a composite built from other ops).
    - differentiable: which inputs get a gradient (None: all of them).
    - gradgrad: whether second derivatives are checked (False where they are zero or undefined
      almost everywhere and add nothing).
    - make_inputs: a custom sampler ``(rng, shapes) -> list of arrays`` for ops with special
      input needs (integer indices, distinct values).
    """

    name: str
    call: Callable[..., Any]
    ref: Callable[..., Any]
    samples: tuple[Sample, ...]
    summary: str = ""  # default: the first line of `function`'s docstring
    domain: tuple[float, float] = (-2.0, 2.0)
    avoid: tuple[float, ...] = ()
    function: type | None = None
    differentiable: tuple[int, ...] | None = None
    gradgrad: bool = True
    make_inputs: Callable[[np.random.Generator, Sequence[Shape]], list[Any]] | None = None

    def inputs(self, rng: np.random.Generator, sample: Sample) -> list[Any]:
        """Arrays (float64) for one sample, inside the op's domain."""
        if self.make_inputs is not None:
            return self.make_inputs(rng, sample.shapes)
        low, high = self.domain
        arrays = []
        for shape in sample.shapes:
            x = rng.uniform(low, high, size=shape)
            for p in self.avoid:
                d = x - p  # push points within 0.05 of p out by 0.05, keeping their side
                x = np.where(np.abs(d) < 0.05, p + d + np.where(d >= 0, 0.05, -0.05), x)
            arrays.append(np.asarray(x, dtype=np.float64))
        return arrays


OPS: dict[str, OpInfo] = {}


def register(info: OpInfo) -> OpInfo:
    """Add an op to `OPS`; names are unique. Without a summary, the first line of the op
    class's docstring (which states its math) is used."""
    if info.name in OPS:
        raise ValueError(f"register: an op named {info.name!r} is already registered")
    if not info.summary and info.function is not None and info.function.__doc__:
        info = dataclasses.replace(info, summary=info.function.__doc__.strip().splitlines()[0])
    OPS[info.name] = info
    return info


def samples(*items: Any) -> tuple[Sample, ...]:
    """Build samples from tuples of shapes, or (shapes, kwargs) pairs where a lone shape may
    stand for the shapes: ``((2, 3), (3,))`` or ``((2, 3), {"axis": 0})``."""
    out = []
    for it in items:
        if isinstance(it, Sample):
            out.append(it)
        elif isinstance(it, tuple) and len(it) == 2 and isinstance(it[1], dict):
            shapes = it[0]
            if all(isinstance(n, int) for n in shapes):  # one shape (() is a scalar's)
                shapes = (shapes,)
            out.append(Sample(tuple(shapes), it[1]))
        else:
            out.append(Sample(tuple(it)))
    return tuple(out)


# Shapes shared by many ops.
UNARY = samples(((),), ((4,),), ((2, 3),))
BINARY = samples(
    ((), ()),
    ((4,), (4,)),
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),
    ((3,), (2, 3)),
    ((2, 1), (1, 3)),
    ((), (4,)),
    ((4,), ()),
    ((2, 1, 3), (4, 1)),
)
REDUCE = samples(
    ((4,), {}),
    ((2, 3), {}),
    ((2, 3), {"axis": 0}),
    ((2, 3), {"axis": 1}),
    ((2, 3), {"axis": -1, "keepdims": True}),
    ((2, 3, 4), {"axis": (0, 2)}),
    ((2, 3, 4), {"axis": (-1, 0), "keepdims": True}),
    ((), {}),
)
