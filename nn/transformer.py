"""Transformer layers, as torch.nn's: TransformerEncoderLayer, TransformerEncoder,
TransformerDecoderLayer, TransformerDecoder.

Compositions of MultiheadAttention, Linear, LayerNorm and Dropout with torch.nn's arguments
and submodule names, so their state_dicts have the same keys (`self_attn.in_proj_weight`,
`linear1.weight`, `norm1.bias`, `layers.0....`) and weights move between the two by key.

>>> import autograd as ag, nn
>>> layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True)
>>> nn.TransformerEncoder(layer, num_layers=2)(ag.randn(3, 5, 16)).shape
(3, 5, 16)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import Tensor
from autograd.random import resolve

from . import functional as F  # noqa: N812 - PyTorch's usual alias
from .attention import MultiheadAttention
from .containers import ModuleList
from .layers import Dropout, Linear
from .module import Module
from .norm import LayerNorm

Rng = np.random.Generator | int | None


def _activation(where: str, activation: Any) -> Callable[[Tensor], Tensor]:
    if callable(activation):
        return activation
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise ValueError(f"{where}: activation must be 'relu', 'gelu' or a callable, got {activation!r}")


class _Layer(Module):
    """What the encoder and decoder layers share: torch's arguments, the attention blocks, the
    feed-forward block. A decoder layer (`_cross`) also attends to the encoder's output."""

    _cross = False

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Any = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        rng: Rng = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        where = type(self).__name__
        for name, v in (("d_model", d_model), ("nhead", nhead), ("dim_feedforward", dim_feedforward)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{where}: {name} must be a positive int, got {v!r}")
        if d_model % nhead:
            raise ValueError(f"{where}: d_model ({d_model}) must be a multiple of nhead ({nhead})")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{where}: dropout must be a number in [0, 1], got {dropout!r}")
        act = _activation(where, activation)
        # The arguments again, for TransformerEncoder/Decoder's copies (the activation is kept
        # apart: a Module there is a submodule, as in torch).
        self._config: dict[str, Any] = {
            "d_model": d_model,
            "nhead": nhead,
            "dim_feedforward": dim_feedforward,
            "dropout": dropout,
            "layer_norm_eps": layer_norm_eps,
            "batch_first": batch_first,
            "norm_first": norm_first,
            "bias": bias,
        }
        gen = resolve(rng)

        def attention() -> MultiheadAttention:
            return MultiheadAttention(
                d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, rng=gen, dtype=dtype
            )

        def norm() -> LayerNorm:
            return LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)

        # Assigned in torch's order, so the state_dicts list the same keys in the same order.
        self.self_attn = attention()
        if self._cross:
            self.multihead_attn = attention()
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, rng=gen, dtype=dtype)
        self.dropout = Dropout(dropout, rng=gen)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, rng=gen, dtype=dtype)
        self.norm_first, self.batch_first = bool(norm_first), bool(batch_first)
        self.norm1, self.norm2 = norm(), norm()
        if self._cross:
            self.norm3 = norm()
        self.dropout1, self.dropout2 = Dropout(dropout, rng=gen), Dropout(dropout, rng=gen)
        if self._cross:
            self.dropout3 = Dropout(dropout, rng=gen)
        self.activation = act

    def _ff_block(self, x: Tensor, dropout: Dropout) -> Tensor:
        """FF(x) = linear2(dropout(act(linear1(x)))), then dropout."""
        return dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    @staticmethod
    def _attend(
        attn: MultiheadAttention, q: Tensor, kv: Tensor, mask: Any, pad: Any, causal: bool, dropout: Dropout
    ) -> Tensor:
        out, _ = attn(q, kv, kv, attn_mask=mask, key_padding_mask=pad, need_weights=False, is_causal=causal)
        return dropout(out)


class TransformerEncoderLayer(_Layer):
    """Self-attention and a feed-forward block, each with a residual connection and LayerNorm:
    x = norm1(x + SA(x)), x = norm2(x + FF(x)) (post-norm), or with `norm_first`
    x = x + SA(norm1(x)), x = x + FF(norm2(x)). SA(x) = self_attn(x, x, x) (then dropout),
    FF(x) = linear2(dropout(activation(linear1(x)))) (then dropout). x is (L, N, E), or
    (N, L, E) with `batch_first`, or (L, E). forward(src, src_mask=None,
    src_key_padding_mask=None, is_causal=False), masks as MultiheadAttention's."""

    def forward(
        self, src: Any, src_mask: Any = None, src_key_padding_mask: Any = None, is_causal: bool = False
    ) -> Tensor:
        x = F._as_tensor(src)

        def sa(y: Tensor) -> Tensor:
            return self._attend(
                self.self_attn, y, y, src_mask, src_key_padding_mask, is_causal, self.dropout1
            )

        if self.norm_first:
            x = x + sa(self.norm1(x))
            return x + self._ff_block(self.norm2(x), self.dropout2)
        x = self.norm1(x + sa(x))
        return self.norm2(x + self._ff_block(x, self.dropout2))


class TransformerDecoderLayer(_Layer):
    """Self-attention over the target, attention to the encoder's output (`memory`), and a
    feed-forward block, each with a residual connection and LayerNorm (post-norm, or
    `norm_first`): x = norm1(x + SA(x)), x = norm2(x + MHA(x, memory)), x = norm3(x + FF(x)).
    forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False)."""

    _cross = True

    def forward(
        self,
        tgt: Any,
        memory: Any,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        x, mem = F._as_tensor(tgt), F._as_tensor(memory)

        def sa(y: Tensor) -> Tensor:
            return self._attend(
                self.self_attn, y, y, tgt_mask, tgt_key_padding_mask, tgt_is_causal, self.dropout1
            )

        def mha(y: Tensor) -> Tensor:
            return self._attend(
                self.multihead_attn,
                y,
                mem,
                memory_mask,
                memory_key_padding_mask,
                memory_is_causal,
                self.dropout2,
            )

        if self.norm_first:
            x = x + sa(self.norm1(x))
            x = x + mha(self.norm2(x))
            return x + self._ff_block(self.norm3(x), self.dropout3)
        x = self.norm1(x + sa(x))
        x = self.norm2(x + mha(x))
        return self.norm3(x + self._ff_block(x, self.dropout3))


class _Stack(Module):
    """num_layers copies of a layer, each starting from its weights (as torch's deepcopy: built
    again from the layer's own arguments, then its state_dict loaded), then `norm` if given."""

    _layer_type: type[_Layer] = _Layer

    def __init__(self, layer: _Layer, num_layers: int, norm: Module | None) -> None:
        super().__init__()
        where, kind = type(self).__name__, self._layer_type.__name__
        if type(layer) is not self._layer_type:
            raise TypeError(f"{where}: the layer must be a {kind}, got {type(layer).__name__}")
        if isinstance(num_layers, bool) or not isinstance(num_layers, (int, np.integer)) or num_layers < 1:
            raise ValueError(f"{where}: num_layers must be a positive int, got {num_layers!r}")
        state, dtype = layer.state_dict(), layer.linear1.weight.dtype
        copies = []
        for _ in range(num_layers):
            c = self._layer_type(**layer._config, activation=layer.activation, dtype=dtype)
            c.load_state_dict(state)
            copies.append(c)
        self.layers = ModuleList(copies)
        self.num_layers = int(num_layers)
        self.norm = norm


class TransformerEncoder(_Stack):
    """num_layers copies of `encoder_layer` (each starting from its weights) applied in turn,
    then `norm` if given. forward(src, mask=None, src_key_padding_mask=None, is_causal=False)."""

    _layer_type = TransformerEncoderLayer

    def __init__(
        self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm: Module | None = None
    ) -> None:
        super().__init__(encoder_layer, num_layers, norm)

    def forward(
        self, src: Any, mask: Any = None, src_key_padding_mask: Any = None, is_causal: bool = False
    ) -> Tensor:
        x = F._as_tensor(src)
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=is_causal)
        return x if self.norm is None else self.norm(x)


class TransformerDecoder(_Stack):
    """num_layers copies of `decoder_layer` applied in turn (each attending to `memory`), then
    `norm` if given. forward(tgt, memory, tgt_mask=None, memory_mask=None,
    tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=False,
    memory_is_causal=False)."""

    _layer_type = TransformerDecoderLayer

    def __init__(
        self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None
    ) -> None:
        super().__init__(decoder_layer, num_layers, norm)

    def forward(
        self,
        tgt: Any,
        memory: Any,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        x = F._as_tensor(tgt)
        for layer in self.layers:
            x = layer(
                x,
                memory,
                tgt_mask,
                memory_mask,
                tgt_key_padding_mask,
                memory_key_padding_mask,
                tgt_is_causal,
                memory_is_causal,
            )
        return x if self.norm is None else self.norm(x)
