"""Recurrent layers: RNNCell, GRUCell, LSTMCell, and RNN, GRU, LSTM over a sequence.

Parameter names, shapes, gate order and initialization are PyTorch's, so weights move between
the two by key: a cell has `weight_ih` (G*H, I), `weight_hh` (G*H, H), `bias_ih`, `bias_hh`
(G*H,), with G = 1 (RNN), 3 (GRU: r, z, n) or 4 (LSTM: i, f, g, o); layer k of a sequence
model has `weight_ih_l{k}` and so on. Everything is drawn from U(-1/sqrt(H), 1/sqrt(H)).

The sequence models loop over time in Python (one step per position, each a handful of ops);
the input projections of a whole layer are one matmul before the loop.

>>> import autograd as ag, nn
>>> lstm = nn.LSTM(4, 8, num_layers=2, batch_first=True)
>>> out, (h, c) = lstm(ag.randn(3, 5, 4))
>>> out.shape, h.shape, c.shape
((3, 5, 8), (2, 3, 8), (2, 3, 8))
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
_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else ag.tensor(x)


def _uniform(shape: tuple[int, ...], bound: float, gen: np.random.Generator, dt: Any) -> Parameter:
    return init.uniform_(Parameter(np.zeros(shape, dtype=dt)), -bound, bound, rng=gen)


def _rnn_step(
    kind: str, xp: Tensor, h: Tensor, c: Tensor | None, w_hh: Tensor, b_hh: Tensor | None, nonlinearity: str
) -> tuple[Tensor, Tensor | None]:
    """One time step, given the input's projection xp = x W_ih^T + b_ih (N, G*H)."""
    hp = ag.linear(h, w_hh, b_hh)
    if kind == "RNN":
        pre = xp + hp
        return (pre.tanh() if nonlinearity == "tanh" else pre.relu()), None
    H = h.shape[-1]  # noqa: N806 - the shapes' usual letters
    if kind == "GRU":
        r = (xp[..., :H] + hp[..., :H]).sigmoid()
        z = (xp[..., H : 2 * H] + hp[..., H : 2 * H]).sigmoid()
        n = (xp[..., 2 * H :] + r * hp[..., 2 * H :]).tanh()
        return n + z * (h - n), None  # = (1 - z) n + z h
    gates = xp + hp
    i = gates[..., :H].sigmoid()
    f = gates[..., H : 2 * H].sigmoid()
    g = gates[..., 2 * H : 3 * H].tanh()
    o = gates[..., 3 * H :].sigmoid()
    assert c is not None
    c_new = f * c + i * g
    return o * c_new.tanh(), c_new


class _Cell(Module):
    _kind = "RNN"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        rng: Rng = None,
        dtype: Any = None,
        nonlinearity: str = "tanh",
    ) -> None:
        super().__init__()
        name = f"{self._kind}Cell"
        if input_size < 1 or hidden_size < 1:
            raise ValueError(
                f"{name}: input_size and hidden_size must be positive, got {input_size}, {hidden_size}"
            )
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"{name}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.nonlinearity = nonlinearity
        G = _GATES[self._kind] * self.hidden_size  # noqa: N806 - the shapes' usual letters
        gen, bound = resolve(rng), 1.0 / math.sqrt(self.hidden_size)
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        self.weight_ih = _uniform((G, self.input_size), bound, gen, dt)
        self.weight_hh = _uniform((G, self.hidden_size), bound, gen, dt)
        self.bias_ih: Parameter | None = _uniform((G,), bound, gen, dt) if bias else None
        self.bias_hh: Parameter | None = _uniform((G,), bound, gen, dt) if bias else None

    def _input(self, x: Any) -> tuple[Tensor, bool]:
        x = _tensor(x)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(
                f"{type(self).__name__}: expected an input of shape (N, {self.input_size}) or "
                f"({self.input_size},), got {x.shape}"
            )
        return (x.reshape((1, -1)), True) if x.ndim == 1 else (x, False)

    def _state(self, h: Any, n: int, unbatched: bool, what: str) -> Tensor:
        if h is None:
            return ag.zeros(n, self.hidden_size, dtype=self.weight_hh.dtype)
        h = _tensor(h)
        want = (self.hidden_size,) if unbatched else (n, self.hidden_size)
        if h.shape != want:
            raise ValueError(f"{type(self).__name__}: {what} must have shape {want}, got {h.shape}")
        return h.reshape((1, -1)) if unbatched else h

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias_ih is not None else ", bias=False")


class RNNCell(_Cell):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu): x (N, I), h (N, H) -> (N, H)."""

    _kind = "RNN"

    def forward(self, x: Any, hx: Any = None) -> Tensor:
        x, unbatched = self._input(x)
        h = self._state(hx, x.shape[0], unbatched, "hx")
        out, _ = _rnn_step(
            "RNN",
            ag.linear(x, self.weight_ih, self.bias_ih),
            h,
            None,
            self.weight_hh,
            self.bias_hh,
            self.nonlinearity,
        )
        return out.reshape((-1,)) if unbatched else out


class GRUCell(_Cell):
    """r = s(W_ir x + b_ir + W_hr h + b_hr), z = s(W_iz x + b_iz + W_hz h + b_hz),
    n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h: x (N, I) -> (N, H)."""

    _kind = "GRU"

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, rng: Rng = None, dtype: Any = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, rng, dtype)

    def forward(self, x: Any, hx: Any = None) -> Tensor:
        x, unbatched = self._input(x)
        h = self._state(hx, x.shape[0], unbatched, "hx")
        out, _ = _rnn_step(
            "GRU", ag.linear(x, self.weight_ih, self.bias_ih), h, None, self.weight_hh, self.bias_hh, "tanh"
        )
        return out.reshape((-1,)) if unbatched else out


class LSTMCell(_Cell):
    """[i f g o] = x W_ih^T + b_ih + h W_hh^T + b_hh; i, f, o through the sigmoid, g through
    tanh; c' = f c + i g, h' = o tanh(c'). forward(x, (h, c)) -> (h', c'), each (N, H)."""

    _kind = "LSTM"

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, rng: Rng = None, dtype: Any = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, rng, dtype)

    def forward(self, x: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        x, unbatched = self._input(x)
        n = x.shape[0]
        h0, c0 = (None, None) if hx is None else hx
        h = self._state(h0, n, unbatched, "h")
        c = self._state(c0, n, unbatched, "c")
        h, c_new = _rnn_step(
            "LSTM", ag.linear(x, self.weight_ih, self.bias_ih), h, c, self.weight_hh, self.bias_hh, "tanh"
        )
        assert c_new is not None
        if unbatched:
            return h.reshape((-1,)), c_new.reshape((-1,))
        return h, c_new


class _RNNBase(Module):
    _kind = "RNN"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        rng: Rng = None,
        dtype: Any = None,
        nonlinearity: str = "tanh",
    ) -> None:
        super().__init__()
        name = self._kind
        if input_size < 1 or hidden_size < 1 or num_layers < 1:
            raise ValueError(f"{name}: input_size, hidden_size and num_layers must be positive")
        if bidirectional:
            raise NotImplementedError(f"{name}: bidirectional=True is not supported")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout must be in [0, 1], got {dropout}")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"{name}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.input_size, self.hidden_size, self.num_layers = (
            int(input_size),
            int(hidden_size),
            int(num_layers),
        )
        self.batch_first, self.dropout, self.nonlinearity = bool(batch_first), float(dropout), nonlinearity
        self.bias = bool(bias)
        self.rng = None if rng is None else resolve(rng)
        G = _GATES[self._kind] * self.hidden_size  # noqa: N806 - the shapes' usual letters
        gen, bound = resolve(rng), 1.0 / math.sqrt(self.hidden_size)
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        for k in range(self.num_layers):
            n_in = self.input_size if k == 0 else self.hidden_size
            setattr(self, f"weight_ih_l{k}", _uniform((G, n_in), bound, gen, dt))
            setattr(self, f"weight_hh_l{k}", _uniform((G, self.hidden_size), bound, gen, dt))
            if self.bias:
                setattr(self, f"bias_ih_l{k}", _uniform((G,), bound, gen, dt))
                setattr(self, f"bias_hh_l{k}", _uniform((G,), bound, gen, dt))

    def _layer(self, k: int) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        d = self.__dict__
        return d[f"weight_ih_l{k}"], d[f"weight_hh_l{k}"], d.get(f"bias_ih_l{k}"), d.get(f"bias_hh_l{k}")

    def _initial(self, h: Any, n: int, unbatched: bool, what: str, dt: Any) -> list[Tensor]:
        L, H = self.num_layers, self.hidden_size  # noqa: N806 - the shapes' usual letters
        if h is None:
            return [ag.zeros(n, H, dtype=dt) for _ in range(L)]
        h = _tensor(h)
        want = (L, H) if unbatched else (L, n, H)
        if h.shape != want:
            raise ValueError(f"{self._kind}: {what} must have shape {want}, got {h.shape}")
        if unbatched:
            h = h.reshape((L, 1, H))
        return [h[k] for k in range(L)]

    def _run(self, x: Any, hx: Any) -> tuple[Tensor, list[Tensor], list[Tensor] | None]:
        x = _tensor(x)
        name = self._kind
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            layout = "(N, L, I)" if self.batch_first else "(L, N, I)"
            raise ValueError(
                f"{name}: expected an input of shape {layout} or (L, I) with I = {self.input_size}, "
                f"got {x.shape}"
            )
        unbatched = x.ndim == 2
        if unbatched:
            x = x.reshape((x.shape[0], 1, x.shape[1]))
        elif self.batch_first:
            x = x.swapaxes(0, 1)  # time first inside: (T, N, I)
        T, n = x.shape[0], x.shape[1]  # noqa: N806 - the shapes' usual letters
        dt = self._layer(0)[1].dtype
        is_lstm = self._kind == "LSTM"
        h0, c0 = (hx if hx is not None else (None, None)) if is_lstm else (hx, None)
        hs = self._initial(h0, n, unbatched, "h_0", dt)
        cs = self._initial(c0, n, unbatched, "c_0", dt) if is_lstm else None
        h_n, c_n = [], []
        seq = x
        for k in range(self.num_layers):
            w_ih, w_hh, b_ih, b_hh = self._layer(k)
            proj = ag.linear(seq, w_ih, b_ih)  # (T, N, G*H): the whole layer's input in one matmul
            h, c = hs[k], (cs[k] if cs is not None else None)
            outs = []
            for t in range(T):
                h, c_new = _rnn_step(self._kind, proj[t], h, c, w_hh, b_hh, self.nonlinearity)
                c = c_new if is_lstm else c
                outs.append(h)
            seq = ag.stack(outs, axis=0)
            h_n.append(h)
            if c is not None:
                c_n.append(c)
            if self.training and self.dropout > 0 and k < self.num_layers - 1:
                keep = resolve(self.rng).random(seq.shape) >= self.dropout
                seq = seq * (keep * (1.0 / (1.0 - self.dropout))).astype(seq.dtype)
        out = seq
        if unbatched:
            out = out.reshape((T, self.hidden_size))
        elif self.batch_first:
            out = out.swapaxes(0, 1)
        return out, h_n, (c_n if is_lstm else None)

    def _stack_state(self, hs: list[Tensor], unbatched: bool) -> Tensor:
        s = ag.stack(hs, axis=0)
        return s.reshape((self.num_layers, self.hidden_size)) if unbatched else s

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.batch_first:
            s += ", batch_first=True"
        return s


class RNN(_RNNBase):
    """An Elman RNN over a sequence: layer k runs RNNCell's step over time on layer k-1's
    outputs. forward(x, h_0=None) -> (output, h_n): x (L, N, I) (or (N, L, I) with
    `batch_first`, or (L, I)), output (L, N, H) (the last layer's h at every step), h_n
    (num_layers, N, H). `dropout` applies to every layer's output but the last, in training."""

    _kind = "RNN"

    def forward(self, x: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        out, h_n, _ = self._run(x, hx)
        return out, self._stack_state(h_n, out.ndim == 2)


class GRU(_RNNBase):
    """A GRU over a sequence (GRUCell's step), layered as `RNN`. forward(x, h_0=None) ->
    (output, h_n)."""

    _kind = "GRU"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        rng: Rng = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, rng, dtype
        )

    def forward(self, x: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        out, h_n, _ = self._run(x, hx)
        return out, self._stack_state(h_n, out.ndim == 2)


class LSTM(_RNNBase):
    """An LSTM over a sequence (LSTMCell's step), layered as `RNN`. forward(x, (h_0, c_0)=None)
    -> (output, (h_n, c_n)), h_n and c_n (num_layers, N, H)."""

    _kind = "LSTM"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        rng: Rng = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, rng, dtype
        )

    def forward(self, x: Any, hx: Any = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        out, h_n, c_n = self._run(x, hx)
        assert c_n is not None
        unbatched = out.ndim == 2
        return out, (self._stack_state(h_n, unbatched), self._stack_state(c_n, unbatched))
