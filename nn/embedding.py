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
    position that looked a row up; with `scale_grad_by_freq` each position's share is divided
    by the number of times its id occurs in the batch. With `max_norm`, every row that is
    looked up and whose `norm_type`-norm exceeds max_norm is first rescaled in place to
    max_norm (w * max_norm / (norm + 1e-7), as torch). Sparse gradients are not supported
    (`sparse=True` is an error). `Embedding.from_pretrained(table)` wraps a given table.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        rng: Rng = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        for what, v in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"Embedding: {what} must be a positive int, got {v!r}")
        if sparse:
            raise ValueError("Embedding: sparse=True is not supported (gradients are dense arrays)")
        if max_norm is not None and not (isinstance(max_norm, (int, float)) and max_norm > 0):
            raise ValueError(f"Embedding: max_norm must be a positive number or None, got {max_norm!r}")
        self.max_norm = None if max_norm is None else float(max_norm)
        self.norm_type, self.scale_grad_by_freq = float(norm_type), bool(scale_grad_by_freq)
        self.sparse = False
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

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Any,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding whose table is a copy of `embeddings` (rows, dim), as torch's:
        frozen (no gradient) unless freeze=False; the padding row keeps its given values."""
        table = embeddings.data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if table.ndim != 2:
            raise ValueError(
                f"Embedding.from_pretrained: embeddings must be 2-d (num_embeddings, embedding_dim), "
                f"got shape {table.shape}"
            )
        dt = table.dtype if table.dtype.kind == "f" else None
        rows, dim = table.shape
        emb = cls(rows, dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse, rng=0, dtype=dt)
        emb.weight = Parameter(table, requires_grad=not freeze, dtype=dt)
        return emb

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
        if self.max_norm is not None:
            self._renorm(np.unique(idx))
        out = self.weight[idx]
        if self.padding_idx is not None:
            keep = (idx != self.padding_idx)[..., None]
            out = ag.where(keep, out, out.detach())  # no gradient into the padding row
        if self.scale_grad_by_freq and out.requires_grad:
            counts = np.bincount(idx.ravel(), minlength=self.num_embeddings)
            scale = (1.0 / counts[idx])[..., None].astype(out.dtype)
            out.register_hook(lambda g: g * scale)  # exact: the value is untouched
        return out

    def _renorm(self, rows: np.ndarray) -> None:
        """Rows (looked up now) longer than max_norm, rescaled in place as torch's embedding_renorm_."""
        w = self.weight.data
        norms = np.linalg.norm(w[rows], ord=self.norm_type, axis=1)
        big = norms > self.max_norm
        if big.any():
            w[rows[big]] *= (self.max_norm / (norms[big] + 1e-7))[:, None].astype(w.dtype)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        return s + (", scale_grad_by_freq=True" if self.scale_grad_by_freq else "")
