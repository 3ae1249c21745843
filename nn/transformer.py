"""Transformer layers, as torch.nn's: TransformerEncoderLayer, TransformerEncoder,
TransformerDecoderLayer, TransformerDecoder, and the encoder-decoder Transformer.

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

import autograd as ag
from autograd import Tensor
from autograd.dtypes import get_default_dtype
from autograd.random import resolve

from . import functional as F  # noqa: N812 - PyTorch's usual alias
from . import init
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
        # Without a seed the weights come from the library's generator now and the dropout masks
        # from it at call time (so `ag.manual_seed` after construction still decides them); with
        # one, both come from `gen`. The stacks' copies draw from the same (`_rng`).
        self._rng = None if rng is None else gen

        def attention() -> MultiheadAttention:
            return MultiheadAttention(
                d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, rng=self._rng,
                dtype=dtype,
            )

        def norm() -> LayerNorm:
            return LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)

        # Assigned in torch's order, so the state_dicts list the same keys in the same order.
        self.self_attn = attention()
        if self._cross:
            self.multihead_attn = attention()
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, rng=self._rng, dtype=dtype)
        self.dropout = Dropout(dropout, rng=self._rng)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, rng=self._rng, dtype=dtype)
        self.norm_first, self.batch_first = bool(norm_first), bool(batch_first)
        self.norm1, self.norm2 = norm(), norm()
        if self._cross:
            self.norm3 = norm()
        self.dropout1, self.dropout2 = Dropout(dropout, rng=self._rng), Dropout(dropout, rng=self._rng)
        if self._cross:
            self.dropout3 = Dropout(dropout, rng=self._rng)
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
            c = self._layer_type(**layer._config, activation=layer.activation, rng=layer._rng, dtype=dtype)
            c.load_state_dict(state)
            copies.append(c)
        self.layers = ModuleList(copies)
        self.num_layers = int(num_layers)
        self.norm = norm


class TransformerEncoder(_Stack):
    """num_layers copies of `encoder_layer` (each starting from its weights) applied in turn,
    then `norm` if given. forward(src, mask=None, src_key_padding_mask=None, is_causal=None).

    `enable_nested_tensor` and `mask_check` are accepted and kept, as torch's, but change
    nothing: they choose torch's inference fast path (eval mode, no grad), which also returns
    zeros at the padded positions of `src_key_padding_mask`; here those positions always hold
    the layers' outputs, as in torch's reference path. `is_causal` is a hint that `mask` is the
    causal mask (None or False: `mask` is used as given, and torch's detection of a causal
    mask changes only its speed); True without a mask applies the causal mask.
    """

    _layer_type = TransformerEncoderLayer

    def __init__(
        self,
        encoder_layer: TransformerEncoderLayer,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__(encoder_layer, num_layers, norm)
        self.enable_nested_tensor, self.mask_check = bool(enable_nested_tensor), bool(mask_check)

    def forward(
        self, src: Any, mask: Any = None, src_key_padding_mask: Any = None, is_causal: bool | None = None
    ) -> Tensor:
        x = F._as_tensor(src)
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=is_causal)
        return x if self.norm is None else self.norm(x)


class TransformerDecoder(_Stack):
    """num_layers copies of `decoder_layer` applied in turn (each attending to `memory`), then
    `norm` if given. forward(tgt, memory, tgt_mask=None, memory_mask=None,
    tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=None,
    memory_is_causal=False); the `is_causal` flags as TransformerEncoder's."""

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
        tgt_is_causal: bool | None = None,
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


def _positive_int(where: str, name: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{where}: {name} must be a positive int, got {v!r}")
    return int(v)


class Transformer(Module):
    """The encoder-decoder Transformer (Vaswani et al. 2017), as torch.nn.Transformer.

    encoder = TransformerEncoder(num_encoder_layers x TransformerEncoderLayer, norm=LayerNorm),
    decoder = TransformerDecoder(num_decoder_layers x TransformerDecoderLayer, norm=LayerNorm)
    (or `custom_encoder` / `custom_decoder`); forward(src, tgt) = decoder(tgt, encoder(src)).
    Every parameter with more than one axis then starts xavier uniform (as torch's
    `_reset_parameters`, custom parts included), so the layers no longer share their first
    weights. The state_dict keys are torch's (`encoder.layers.0.self_attn.in_proj_weight`, ...,
    `encoder.norm.weight`, `decoder.norm.bias`). `rng` (a Generator or an int seed) draws the
    weights and dropout masks; without it, the library's generator (`ag.manual_seed`).

    Shapes (S source length, T target length, N batch, E = d_model): src (S, N, E), tgt
    (T, N, E) -> (T, N, E); with `batch_first` (N, S, E), (N, T, E) -> (N, T, E); unbatched
    (S, E), (T, E) -> (T, E). Masks as MultiheadAttention's (boolean True = may not attend, or
    float, added): src_mask (S, S) or (N * nhead, S, S), tgt_mask (T, T) or (N * nhead, T, T),
    memory_mask (T, S); key padding masks (N, S), (N, T), (N, S) (or (S,), (T,), (S,)
    unbatched). `generate_square_subsequent_mask(T)` is the usual causal tgt_mask. The
    `*_is_causal` flags are hints that the mask is causal, as in torch (see TransformerEncoder).

    >>> import autograd as ag, nn
    >>> model = nn.Transformer(16, 4, num_encoder_layers=1, num_decoder_layers=1, batch_first=True)
    >>> mask = nn.Transformer.generate_square_subsequent_mask(5)
    >>> model(ag.randn(2, 7, 16), ag.randn(2, 5, 16), tgt_mask=mask).shape
    (2, 5, 16)
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Any = "relu",
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        rng: Rng = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        where = "Transformer"
        for name, part in (("custom_encoder", custom_encoder), ("custom_decoder", custom_decoder)):
            if part is not None and not isinstance(part, Module):
                raise TypeError(f"{where}: {name} must be a Module or None, got {type(part).__name__}")
        d_model = _positive_int(where, "d_model", d_model)
        nhead = _positive_int(where, "nhead", nhead)
        if d_model % nhead:
            raise ValueError(f"{where}: d_model ({d_model}) must be a multiple of nhead ({nhead})")
        if custom_encoder is None:
            _positive_int(where, "num_encoder_layers", num_encoder_layers)
        if custom_decoder is None:
            _positive_int(where, "num_decoder_layers", num_decoder_layers)
        gen = resolve(rng)
        seed = None if rng is None else gen
        layer_kw: dict[str, Any] = {
            "dim_feedforward": dim_feedforward,
            "dropout": dropout,
            "activation": activation,
            "layer_norm_eps": layer_norm_eps,
            "batch_first": batch_first,
            "norm_first": norm_first,
            "bias": bias,
            "rng": seed,
            "dtype": dtype,
        }

        def norm() -> LayerNorm:
            return LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)

        self.encoder: Module
        self.decoder: Module
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            enc_layer = TransformerEncoderLayer(d_model, nhead, **layer_kw)
            self.encoder = TransformerEncoder(enc_layer, num_encoder_layers, norm())
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            dec_layer = TransformerDecoderLayer(d_model, nhead, **layer_kw)
            self.decoder = TransformerDecoder(dec_layer, num_decoder_layers, norm())
        # torch's _reset_parameters: the clones start equal; each matrix gets its own draw.
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p, rng=gen)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, bool(batch_first)

    def forward(
        self,
        src: Any,
        tgt: Any,
        src_mask: Any = None,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        src_key_padding_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        s, t = F._as_tensor(src), F._as_tensor(tgt)
        E = self.d_model  # noqa: N806 - the shapes' usual letters
        layout = "(N, {0}, E)" if self.batch_first else "({0}, N, E)"
        expected = (
            f"expected src {layout.format('S')} and tgt {layout.format('T')}, or unbatched "
            f"(S, E) and (T, E), with E = d_model = {E}"
        )
        if s.ndim not in (2, 3) or t.ndim != s.ndim:
            raise ValueError(f"Transformer: {expected}; got src {s.shape} and tgt {t.shape}")
        b = 0 if self.batch_first else 1
        if s.ndim == 3 and s.shape[b] != t.shape[b]:
            raise ValueError(
                f"Transformer: src and tgt must have the same batch size (axis {b}), got src "
                f"{s.shape} (N = {s.shape[b]}) and tgt {t.shape} (N = {t.shape[b]}); {expected}"
            )
        if s.shape[-1] != E or t.shape[-1] != E:
            raise ValueError(
                f"Transformer: the feature size of src and tgt must be d_model = {E}, got src "
                f"{s.shape} and tgt {t.shape}"
            )
        memory = self.encoder(
            s, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            t,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz: int, dtype: Any = None) -> Tensor:
        """The causal mask (sz, sz): -inf above the diagonal (position i may not attend to j > i),
        0 on and below it, of `dtype` (the default float dtype if None), as torch's."""
        where = "Transformer.generate_square_subsequent_mask"
        if isinstance(sz, bool) or not isinstance(sz, (int, np.integer)) or sz < 0:
            raise ValueError(f"{where}: sz must be an int >= 0, got {sz!r}")
        try:
            dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        except TypeError:
            dt = np.dtype(object)
        if dt.kind != "f":
            raise TypeError(f"{where}: dtype must be a float dtype (the mask holds -inf), got {dtype!r}")
        return ag.tensor(np.triu(np.full((sz, sz), -np.inf, dtype=dt), k=1))

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, nhead={self.nhead}, batch_first={self.batch_first}"
