"""Attention: `scaled_dot_product_attention` (also `nn.functional.scaled_dot_product_attention`)
and `MultiheadAttention`, with PyTorch's signatures, masks and weight layout.

Both are composites of existing ops (matmul, softmax, where, linear), so gradients of any
order come from those; tests/test_nn_layers_vs_torch.py and test_nn_options_vs_torch.py check
them against finite differences and against torch with the same weights.

>>> import autograd as ag, nn
>>> mha = nn.MultiheadAttention(8, 2, batch_first=True)
>>> x = ag.randn(3, 5, 8)
>>> out, weights = mha(x, x, x)
>>> out.shape, weights.shape
((3, 5, 8), (3, 5, 5))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor
from autograd.dtypes import get_default_dtype
from autograd.random import resolve

from . import init
from .module import Module, Parameter

Rng = np.random.Generator | int | None


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else ag.tensor(x)


def _dropout(x: Tensor, p: float, rng: Rng) -> Tensor:
    if p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = resolve(rng).random(x.shape) >= p
    return x * (keep * (1.0 / (1.0 - p))).astype(x.dtype)


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    rng: Rng = None,
) -> Tensor:
    """softmax(Q K^T * scale + mask) V, as torch.nn.functional.scaled_dot_product_attention.

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev); the leading axes
    broadcast. `scale` defaults to 1/sqrt(E). `attn_mask` (broadcastable to (..., L, S)) is
    boolean, True where a query may attend to a key, or float, added to the scores.
    `is_causal` lets query i attend to keys 0..i only (the top-left causal mask; not with
    `attn_mask`). `dropout_p` drops attention weights (drawn from `rng`); pass 0 when
    evaluating, as in PyTorch. A query row with every key masked gives nan, as in PyTorch.
    """
    q, k, v = _tensor(query), _tensor(key), _tensor(value)
    where = "scaled_dot_product_attention"
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ValueError(
            f"{where}: query, key and value need at least 2 axes (..., L, E), got "
            f"{q.shape}, {k.shape}, {v.shape}"
        )
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"{where}: expected query (..., L, E), key (..., S, E), value (..., S, Ev), got "
            f"{q.shape}, {k.shape}, {v.shape}"
        )
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{where}: dropout_p must be in [0, 1], got {dropout_p}")
    if is_causal and attn_mask is not None:
        raise ValueError(f"{where}: give either attn_mask or is_causal, not both")
    L, S = q.shape[-2], k.shape[-2]  # noqa: N806 - the shapes' usual letters
    s = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    scores = (q @ k.swapaxes(-1, -2)) * s
    if is_causal:
        attn_mask = np.tril(np.ones((L, S), dtype=bool))
    if attn_mask is not None:
        mask = attn_mask.data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
        try:
            np.broadcast_shapes(mask.shape, scores.shape)
        except ValueError:
            raise ValueError(
                f"{where}: attn_mask of shape {mask.shape} does not broadcast to the scores' "
                f"shape {scores.shape}"
            ) from None
        if mask.dtype == np.bool_:
            scores = ag.where(mask, scores, -np.inf)
        else:
            scores = scores + mask.astype(scores.dtype)
    weights = scores.softmax(axis=-1)
    weights = _dropout(weights, dropout_p, rng)
    return weights @ v


class MultiheadAttention(Module):
    """Multi-head attention, as torch.nn.MultiheadAttention (its parameters and their names).

    y = concat(head_1..head_h) W_o^T + b_o with head_i = softmax(Q_i K_i^T / sqrt(d) + mask) V_i,
    Q = query W_q^T + b_q, K = key W_k^T + b_k, V = value W_v^T + b_v, d = embed_dim / num_heads.

    Parameters: `in_proj_weight` (3E, E) = [W_q; W_k; W_v] (xavier uniform); or, when the keys
    or values have other sizes (`kdim`, `vdim` != E), `q_proj_weight` (E, E), `k_proj_weight`
    (E, kdim) and `v_proj_weight` (E, vdim) (each xavier uniform); `in_proj_bias` (3E,)
    (zeros), `out_proj.weight` (E, E) and `out_proj.bias` (zeros). `add_bias_kv` learns one
    more key and value, `bias_k`, `bias_v` (1, 1, E) (xavier normal), appended to every
    sequence; `add_zero_attn` appends a key and a value of zeros (per head). Inputs are
    query (L, N, E), key (S, N, kdim), value (S, N, vdim), or batch first (N, L, E) with
    `batch_first`, or unbatched (L, E).

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (output, weights or None). Masks use
    PyTorch's convention here (not SDPA's): a boolean True means "do not attend";
    `key_padding_mask` is (N, S), `attn_mask` (L, S) or (N * num_heads, L, S); float masks
    are added. The weights (after dropout, as torch's) are (N, L, S) averaged over heads,
    or (N, num_heads, L, S).
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        rng: Rng = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        where = "MultiheadAttention"
        sizes = {"embed_dim": embed_dim, "num_heads": num_heads, "kdim": kdim, "vdim": vdim}
        for name, v in sizes.items():
            if v is None and name in ("kdim", "vdim"):
                continue
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{where}: {name} must be a positive int, got {v!r}")
        if embed_dim % num_heads:
            raise ValueError(
                f"{where}: embed_dim ({embed_dim}) must be a positive multiple of num_heads ({num_heads})"
            )
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{where}: dropout must be a number in [0, 1], got {dropout!r}")
        self.embed_dim, self.num_heads = int(embed_dim), int(num_heads)
        self.kdim = self.embed_dim if kdim is None else int(kdim)
        self.vdim = self.embed_dim if vdim is None else int(vdim)
        self.head_dim = self.embed_dim // self.num_heads
        self.dropout = float(dropout)
        self.batch_first = bool(batch_first)
        self.add_zero_attn = bool(add_zero_attn)
        gen = resolve(rng)
        self.rng = None if rng is None else gen
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        E = self.embed_dim  # noqa: N806 - the shapes' usual letters

        def xavier(shape: tuple[int, ...]) -> Parameter:
            return init.xavier_uniform_(Parameter(np.zeros(shape, dtype=dt)), rng=gen)

        # Assigned in torch's order, so the state_dict lists the same keys in the same order.
        self.in_proj_weight: Parameter | None = None
        if self.kdim == E and self.vdim == E:
            self.in_proj_weight = xavier((3 * E, E))
        else:
            self.q_proj_weight = xavier((E, E))
            self.k_proj_weight = xavier((E, self.kdim))
            self.v_proj_weight = xavier((E, self.vdim))
        self.in_proj_bias: Parameter | None = Parameter(np.zeros(3 * E, dtype=dt)) if bias else None
        self.bias_k: Parameter | None = None
        self.bias_v: Parameter | None = None
        if add_bias_kv:
            self.bias_k = init.xavier_normal_(Parameter(np.zeros((1, 1, E), dtype=dt)), rng=gen)
            self.bias_v = init.xavier_normal_(Parameter(np.zeros((1, 1, E), dtype=dt)), rng=gen)
        # Imported here: nn.functional imports this module for scaled_dot_product_attention,
        # and nn.layers needs nn.functional complete.
        from .layers import Linear

        self.out_proj = Linear(E, E, bias=bias, rng=gen, dtype=dt)
        if self.out_proj.bias is not None:
            self.out_proj.bias.data[...] = 0.0

    def _project(self, q: Tensor, k: Tensor, v: Tensor, same: bool) -> tuple[Tensor, Tensor, Tensor]:
        """Q, K, V = query W_q^T + b_q, key W_k^T + b_k, value W_v^T + b_v, each (N, ., E)."""
        E, w, b = self.embed_dim, self.in_proj_weight, self.in_proj_bias  # noqa: N806
        bs = [None if b is None else b[i * E : (i + 1) * E] for i in range(3)]
        ws: list[Tensor]
        if w is None:
            ws = [self.q_proj_weight, self.k_proj_weight, self.v_proj_weight]
        elif same:  # self-attention: one matmul for Q, K and V
            qkv = ag.linear(q, w, b)
            return qkv[..., :E], qkv[..., E : 2 * E], qkv[..., 2 * E :]
        else:
            ws = [w[i * E : (i + 1) * E] for i in range(3)]
        qp, kp, vp = (ag.linear(t, wi, bi) for t, wi, bi in zip((q, k, v), ws, bs, strict=True))
        return qp, kp, vp

    def forward(
        self,
        query: Any,
        key: Any,
        value: Any,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        where = f"MultiheadAttention {self._name!r}" if self._name else "MultiheadAttention"
        q, k, v = _tensor(query), _tensor(key), _tensor(value)
        E, H, D = self.embed_dim, self.num_heads, self.head_dim  # noqa: N806 - the shapes' usual letters
        unbatched = q.ndim == 2
        if (
            any(t.ndim != q.ndim for t in (k, v))
            or q.ndim not in (2, 3)
            or (q.shape[-1], k.shape[-1], v.shape[-1]) != (E, self.kdim, self.vdim)
        ):
            layout = "(N, {}, {})" if self.batch_first else "({}, N, {})"
            raise ValueError(
                f"{where}: expected query {layout.format('L', E)}, key {layout.format('S', self.kdim)} "
                f"and value {layout.format('S', self.vdim)} (or unbatched, without N), got "
                f"{q.shape}, {k.shape}, {v.shape}"
            )
        same = query is key and key is value
        if unbatched:
            q, k, v = (t.reshape((1, *t.shape)) for t in (q, k, v))
        elif not self.batch_first:
            q, k, v = (t.swapaxes(0, 1) for t in (q, k, v))
        if k.shape[:2] != v.shape[:2] or k.shape[0] != q.shape[0]:
            raise ValueError(
                f"{where}: key and value must have the same batch and length, and the "
                f"batch must match the query's: got {query.shape}, {key.shape}, {value.shape}"
            )
        N, L, S = q.shape[0], q.shape[1], k.shape[1]  # noqa: N806 - the shapes' usual letters
        qp, kp, vp = self._project(q, k, v, same)
        mask = self._mask(where, attn_mask, key_padding_mask, is_causal, N, L, S, unbatched, q.dtype)
        if self.bias_k is not None and self.bias_v is not None:  # one more key and value: S + 1
            kp = ag.concatenate([kp, self.bias_k + ag.zeros(N, 1, E, dtype=kp.dtype)], axis=1)
            vp = ag.concatenate([vp, self.bias_v + ag.zeros(N, 1, E, dtype=vp.dtype)], axis=1)

        def heads(t: Tensor) -> Tensor:  # (N, n, E) -> (N, H, n, D)
            return t.reshape((N, t.shape[1], H, D)).transpose((0, 2, 1, 3))

        kh, vh = heads(kp), heads(vp)
        if self.add_zero_attn:  # and one key and value of zeros per head
            zeros = ag.zeros(N, H, 1, D, dtype=kh.dtype)
            kh, vh = ag.concatenate([kh, zeros], axis=2), ag.concatenate([vh, zeros], axis=2)
        if mask is not None and kh.shape[2] > S:  # the added keys are never masked
            mask = np.pad(mask, [(0, 0)] * 3 + [(0, kh.shape[2] - S)])
        scores = (heads(qp) @ kh.swapaxes(-1, -2)) * (1.0 / math.sqrt(D))
        if mask is not None:
            scores = scores + mask
        weights = scores.softmax(axis=-1)
        if self.training:
            weights = _dropout(weights, self.dropout, self.rng)
        out = (weights @ vh).transpose((0, 2, 1, 3)).reshape((N, L, E))
        out = self.out_proj(out)
        if unbatched:
            out = out.reshape((L, E))
        elif not self.batch_first:
            out = out.swapaxes(0, 1)
        if not need_weights:
            return out, None
        attn = weights.mean(axis=1) if average_attn_weights else weights
        return out, (attn.reshape(attn.shape[1:]) if unbatched else attn)

    def _mask(
        self,
        where: str,
        attn_mask: Any,
        key_padding_mask: Any,
        is_causal: bool,
        N: int,  # noqa: N803 - the shapes' usual letters
        L: int,  # noqa: N803
        S: int,  # noqa: N803
        unbatched: bool,
        dtype: Any,
    ) -> np.ndarray | None:
        """One additive mask (N or 1, H or 1, L, S): 0 where attending, -inf where not."""

        def additive(m: Any, name: str) -> np.ndarray:
            arr = m.data if isinstance(m, Tensor) else np.asarray(m)
            if arr.dtype == np.bool_:
                return np.where(arr, -np.inf, 0.0).astype(dtype)
            if arr.dtype.kind != "f":
                raise TypeError(f"{where}: {name} must be boolean or float, got dtype {arr.dtype}")
            return arr.astype(dtype)

        total: np.ndarray | None = None
        if attn_mask is None and is_causal:
            attn_mask = ~np.tril(np.ones((L, S), dtype=bool))
        if attn_mask is not None:
            m = additive(attn_mask, "attn_mask")
            if m.shape == (L, S):
                total = m.reshape((1, 1, L, S))
            elif m.shape == (N * self.num_heads, L, S) or (unbatched and m.shape == (self.num_heads, L, S)):
                total = m.reshape((N, self.num_heads, L, S))
            else:
                raise ValueError(
                    f"{where}: attn_mask must have shape {(L, S)} or {(N * self.num_heads, L, S)}, "
                    f"got {m.shape}"
                )
        if key_padding_mask is not None:
            m = additive(key_padding_mask, "key_padding_mask")
            want = (S,) if unbatched else (N, S)
            if m.shape != want:
                raise ValueError(f"{where}: key_padding_mask must have shape {want}, got {m.shape}")
            m = m.reshape((N, 1, 1, S))
            total = m if total is None else total + m
        return total

    def extra_repr(self) -> str:
        s = f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"
        if (self.kdim, self.vdim) != (self.embed_dim, self.embed_dim):
            s += f", kdim={self.kdim}, vdim={self.vdim}"
        if self.bias_k is not None:
            s += ", add_bias_kv=True"
        return s + (", add_zero_attn=True" if self.add_zero_attn else "")
