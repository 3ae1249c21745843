"""Embedding: a lookup table of learned vectors, indexed by integer ids, as PyTorch's.

>>> import autograd as ag, nn, numpy as np
>>> emb = nn.Embedding(27, 4, rng=0)
>>> emb(np.array([[1, 2, 3]])).shape
(1, 3, 4)
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor
from autograd.dtypes import get_default_dtype
from autograd.random import resolve

from .module import Module, Parameter

Rng = np.random.Generator | int | None


class Embedding(Module):
    """y = weight[ids]: ids (...) of ints in [0, num_embeddings) -> y (..., embedding_dim).

    `weight` (num_embeddings, embedding_dim) is drawn from N(0, 1), as PyTorch's. With
    `padding_idx`, that row starts at zero and gets no gradient (its output still reads the
    row's current value). The gradient of the table sums the upstream gradients of every
    position that looked a row up.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        rng: Rng = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        for what, v in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"Embedding: {what} must be a positive int, got {v!r}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx must be within num_embeddings ({self.num_embeddings}), "
                    f"got {padding_idx}"
                )
            padding_idx = int(padding_idx) % self.num_embeddings
        self.padding_idx = padding_idx
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        table = resolve(rng).standard_normal((self.num_embeddings, self.embedding_dim)).astype(dt)
        if padding_idx is not None:
            table[padding_idx] = 0.0
        self.weight = Parameter(table)

    def forward(self, ids: Any) -> Tensor:
        where = f"Embedding {self._name!r}" if self._name else "Embedding"
        idx = ids.data if isinstance(ids, Tensor) else np.asarray(ids)
        if idx.dtype.kind not in "iu":
            raise TypeError(f"{where}: expected integer ids, got dtype {idx.dtype}")
        if idx.size and (idx.min() < 0 or idx.max() >= self.num_embeddings):
            bad = idx[(idx < 0) | (idx >= self.num_embeddings)].flat[0]
            raise IndexError(
                f"{where}: id {bad} is out of range for a table of {self.num_embeddings} rows "
                f"(ids must be in [0, {self.num_embeddings}))"
            )
        idx = np.array(idx, dtype=np.intp)  # our own copy: the caller may reuse theirs
        out = self.weight[idx]
        if self.padding_idx is not None:
            keep = (idx != self.padding_idx)[..., None]
            out = ag.where(keep, out, out.detach())  # no gradient into the padding row
        return out

    def extra_repr(self) -> str:
        pad = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
