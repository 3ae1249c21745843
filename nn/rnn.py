"""Recurrent layers: RNNCell, GRUCell, LSTMCell, and RNN, GRU, LSTM over a sequence.

Parameter names, shapes, gate order and initialization are PyTorch's, so weights move between
the two by key: a cell has `weight_ih` (G*H, I), `weight_hh` (G*H, H), `bias_ih`, `bias_hh`
(G*H,), with G = 1 (RNN), 3 (GRU: r, z, n) or 4 (LSTM: i, f, g, o); layer k of a sequence
model has `weight_ih_l{k}` and so on, its reverse direction (`bidirectional=True`)
`weight_ih_l{k}_reverse` and so on, and an LSTM with `proj_size` P also `weight_hr_l{k}`
(P, H). Everything is drawn from U(-1/sqrt(H), 1/sqrt(H)).

Each kind's time step (its equations) is written once, in `_ElmanStep`, `_GRUStep` and
`_LSTMStep`; the cell and the sequence model of a kind share it. The sequence models loop over
time in Python (one step per position, each a handful of ops); the input projections of a
whole layer and direction are one matmul before the loop. They also take a `PackedSequence`
(`nn.utils.rnn`, sequences of different lengths): step t then runs on the batch_sizes[t]
sequences that long only, and h_n holds each sequence's state at its own last step.

>>> import autograd as ag, nn
>>> lstm = nn.LSTM(4, 8, num_layers=2, batch_first=True, bidirectional=True)
>>> out, (h, c) = lstm(ag.randn(3, 5, 4))
>>> out.shape, h.shape, c.shape
((3, 5, 16), (4, 3, 8), (4, 3, 8))
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor
from autograd.dtypes import get_default_dtype
from autograd.random import resolve

from . import init
from .module import Module, Parameter
from .utils.rnn import PackedSequence

Rng = np.random.Generator | int | None
State = tuple[Tensor, ...]  # (h,) or, for the LSTM, (h, c)


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else ag.tensor(x)


def _uniform(shape: tuple[int, ...], bound: float, gen: np.random.Generator, dt: Any) -> Parameter:
    return init.uniform_(Parameter(np.zeros(shape, dtype=dt)), -bound, bound, rng=gen)


def _positive(where: str, **sizes: Any) -> None:
    for name, v in sizes.items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{where}: {name} must be a positive int, got {v!r}")


def _states(where: str, hx: Any, names: tuple[str, ...]) -> tuple[Any, ...]:
    """hx as one entry per state (None: zeros): an LSTM's (h, c), the others' h."""
    if hx is None:
        return (None,) * len(names)
    if len(names) == 1:
        return (hx,)
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        got = f"a {type(hx).__name__}" if not isinstance(hx, (tuple, list)) else f"{len(hx)} tensors"
        raise ValueError(f"{where}: hx must be a pair ({', '.join(names)}), got {got}")
    return tuple(hx)


def _check_nonlinearity(where: str, nonlinearity: str) -> None:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{where}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")


# -- the time steps: one per kind, shared by the cell and the sequence model ------------------------
# `xp` is the input's projection x W_ih^T + b_ih (N, G*H), computed outside the step (for a
# sequence, for all positions at once); the step adds the recurrent part h W_hh^T + b_hh.
class _ElmanStep:
    _kind, _gates = "RNN", 1
    nonlinearity = "tanh"

    def _step(self, xp: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None, w_hr: Any = None) -> State:
        """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu."""
        (h,) = state
        pre = xp + ag.linear(h, w_hh, b_hh)
        return (pre.tanh() if self.nonlinearity == "tanh" else pre.relu(),)


class _GRUStep:
    _kind, _gates = "GRU", 3

    def _step(self, xp: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None, w_hr: Any = None) -> State:
        """r = s(x W_ir^T + b_ir + h W_hr^T + b_hr), z = s(x W_iz^T + b_iz + h W_hz^T + b_hz),
        n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)), h' = (1 - z) n + z h."""
        (h,) = state
        hp = ag.linear(h, w_hh, b_hh)
        H = h.shape[-1]  # noqa: N806 - the shapes' usual letters
        r = (xp[..., :H] + hp[..., :H]).sigmoid()
        z = (xp[..., H : 2 * H] + hp[..., H : 2 * H]).sigmoid()
        n = (xp[..., 2 * H :] + r * hp[..., 2 * H :]).tanh()
        return (n + z * (h - n),)  # = (1 - z) n + z h, one op fewer


class _LSTMStep:
    _kind, _gates = "LSTM", 4

    def _step(self, xp: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None, w_hr: Any = None) -> State:
        """[i f g o] = x W_ih^T + b_ih + h W_hh^T + b_hh; i, f, o = s(.), g = tanh(.);
        c' = f c + i g, h' = o tanh(c') (then h' W_hr^T with a projection)."""
        h, c = state
        gates = xp + ag.linear(h, w_hh, b_hh)
        H = c.shape[-1]  # noqa: N806 - the shapes' usual letters
        i = gates[..., :H].sigmoid()
        f = gates[..., H : 2 * H].sigmoid()
        g = gates[..., 2 * H : 3 * H].tanh()
        o = gates[..., 3 * H :].sigmoid()
        c_new = f * c + i * g
        h_new = o * c_new.tanh()
        return (h_new if w_hr is None else ag.linear(h_new, w_hr), c_new)


# -- cells: one time step ---------------------------------------------------------------------------
class _Cell(Module):
    _kind: str
    _gates: int
    _step: Any

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        rng: Rng = None,
        dtype: Any = None,
        *,
        nonlinearity: str = "tanh",
    ) -> None:
        super().__init__()
        name = f"{self._kind}Cell"
        _positive(name, input_size=input_size, hidden_size=hidden_size)
        _check_nonlinearity(name, nonlinearity)
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.nonlinearity = nonlinearity
        G = self._gates * self.hidden_size  # noqa: N806 - the shapes' usual letters
        gen, bound = resolve(rng), 1.0 / math.sqrt(self.hidden_size)
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        self.weight_ih = _uniform((G, self.input_size), bound, gen, dt)
        self.weight_hh = _uniform((G, self.hidden_size), bound, gen, dt)
        self.bias_ih: Parameter | None = _uniform((G,), bound, gen, dt) if bias else None
        self.bias_hh: Parameter | None = _uniform((G,), bound, gen, dt) if bias else None

    def forward(self, x: Any, hx: Any = None) -> Any:
        """x (N, I) or (I,), hx (N, H) or (H,) (None: zeros) -> h' (an LSTMCell: (h', c'))."""
        return self._cell(x, hx)[0]

    def _cell(self, x: Any, hx: Any) -> State:
        """One step from x (N, I) or (I,) and the state(s) hx (None: zeros): the new state."""
        where = type(self).__name__
        x = _tensor(x)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(
                f"{where}: expected an input of shape (N, {self.input_size}) or "
                f"({self.input_size},), got {x.shape}"
            )
        unbatched = x.ndim == 1
        if unbatched:
            x = x.reshape((1, -1))
        n, H = x.shape[0], self.hidden_size  # noqa: N806 - the shapes' usual letters
        names = ("h", "c") if self._kind == "LSTM" else ("hx",)
        given = _states(where, hx, names)
        state = []
        for what, h in zip(names, given, strict=True):
            if h is None:
                state.append(ag.zeros(n, H, dtype=self.weight_hh.dtype))
                continue
            h = _tensor(h)
            want = (H,) if unbatched else (n, H)
            if h.shape != want:
                raise ValueError(f"{where}: {what} must have shape {want}, got {h.shape}")
            state.append(h.reshape((1, H)) if unbatched else h)
        xp = ag.linear(x, self.weight_ih, self.bias_ih)
        new = self._step(xp, tuple(state), self.weight_hh, self.bias_hh)
        return tuple(s.reshape((H,)) for s in new) if unbatched else new

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        s += "" if self.bias_ih is not None else ", bias=False"
        return s + ("" if self.nonlinearity == "tanh" else f", nonlinearity={self.nonlinearity!r}")


class RNNCell(_ElmanStep, _Cell):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu): x (N, I), h (N, H) -> (N, H)
    (or unbatched: x (I,), h (H,) -> (H,)). forward(x, hx=None), hx = zeros by default."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        rng: Rng = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, rng, dtype, nonlinearity=nonlinearity)


class GRUCell(_GRUStep, _Cell):
    """r = s(W_ir x + b_ir + W_hr h + b_hr), z = s(W_iz x + b_iz + W_hz h + b_hz),
    n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h: x (N, I) -> (N, H);
    s is the sigmoid, the gates' rows of weight_ih/weight_hh are in the order r, z, n."""


class LSTMCell(_LSTMStep, _Cell):
    """[i f g o] = x W_ih^T + b_ih + h W_hh^T + b_hh; i, f, o through the sigmoid, g through
    tanh; c' = f c + i g, h' = o tanh(c'). forward(x, (h, c)) -> (h', c'), each (N, H)."""

    def forward(self, x: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        h, c = self._cell(x, hx)
        return h, c


# -- sequence models: layers of cells over time, one or two directions --------------------------------
class _RNNBase(Module):
    _kind: str
    _gates: int
    _step: Any

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        rng: Rng = None,
        dtype: Any = None,
        *,
        nonlinearity: str = "tanh",
    ) -> None:
        super().__init__()
        name = self._kind
        _positive(name, input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
        _check_nonlinearity(name, nonlinearity)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout must be a number in [0, 1], got {dropout!r}")
        if isinstance(proj_size, bool) or not isinstance(proj_size, (int, np.integer)) or proj_size < 0:
            raise ValueError(f"{name}: proj_size must be an int >= 0, got {proj_size!r}")
        if proj_size and self._kind != "LSTM":
            raise ValueError(f"{name}: proj_size is only supported by LSTM, got proj_size={proj_size}")
        if proj_size >= hidden_size:
            raise ValueError(
                f"{name}: proj_size ({proj_size}) must be smaller than hidden_size ({hidden_size})"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                f"{name}: dropout={dropout} acts between layers, so it does nothing with num_layers=1",
                stacklevel=2,
            )
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.num_layers = int(num_layers)
        self.nonlinearity, self.bias, self.batch_first = nonlinearity, bool(bias), bool(batch_first)
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bool(bidirectional), int(proj_size)
        self.rng = None if rng is None else resolve(rng)
        D, H = self._directions, self.hidden_size  # noqa: N806 - the shapes' usual letters
        out = self.proj_size or H  # the size of h (the output), H without a projection
        gen, bound = resolve(rng), 1.0 / math.sqrt(H)
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        # Assigned in torch's order (layer, direction, then w_ih, w_hh, b_ih, b_hh, w_hr), so the
        # state_dict lists the same keys in the same order.
        for k in range(self.num_layers):
            n_in = self.input_size if k == 0 else out * D
            for suffix in ("", "_reverse")[:D]:
                setattr(self, f"weight_ih_l{k}{suffix}", _uniform((self._gates * H, n_in), bound, gen, dt))
                setattr(self, f"weight_hh_l{k}{suffix}", _uniform((self._gates * H, out), bound, gen, dt))
                if self.bias:
                    setattr(self, f"bias_ih_l{k}{suffix}", _uniform((self._gates * H,), bound, gen, dt))
                    setattr(self, f"bias_hh_l{k}{suffix}", _uniform((self._gates * H,), bound, gen, dt))
                if self.proj_size:
                    setattr(self, f"weight_hr_l{k}{suffix}", _uniform((out, H), bound, gen, dt))

    @property
    def _directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _weights(self, k: int, suffix: str) -> tuple[Any, ...]:
        """(w_ih, w_hh, b_ih, b_hh, w_hr) of layer k, direction suffix "" or "_reverse" (None if absent)."""
        d = self.__dict__
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
        return tuple(d.get(f"{w}_l{k}{suffix}") for w in names)

    def _initial(self, hx: Any, n: int, unbatched: bool, dt: Any, perm: Any = None) -> list[State]:
        """The initial state of every (layer, direction), in h_0's order k * D + d; a given
        hx's batch rows taken in the order `perm` (a packed batch's sorted_indices) if given."""
        LD = self.num_layers * self._directions  # noqa: N806 - the shapes' usual letters
        names = ("h_0", "c_0") if self._kind == "LSTM" else ("h_0",)
        sizes = (self.proj_size or self.hidden_size, self.hidden_size)
        given = _states(self._kind, hx, names)
        per_state = []
        for what, size, h in zip(names, sizes, given, strict=False):
            if h is None:
                per_state.append([ag.zeros(n, size, dtype=dt)] * LD)
                continue
            h = _tensor(h)
            want = (LD, size) if unbatched else (LD, n, size)
            if h.shape != want:
                layout = "(num_layers * num_directions, " + ("" if unbatched else "N, ") + (
                    "proj_size)" if size != self.hidden_size else "hidden_size)"
                )
                raise ValueError(f"{self._kind}: {what} must have shape {want} = {layout}, got {h.shape}")
            if perm is not None:
                h = h[:, perm]
            per_state.append([h[j].reshape((1, size)) if unbatched else h[j] for j in range(LD)])
        return list(zip(*per_state, strict=True))

    def forward(self, x: Any, hx: Any = None) -> Any:
        """-> (output, h_n); an LSTM: (output, (h_n, c_n)). x may be a PackedSequence: then
        so is the output, and h_n holds each sequence's state at its own last step."""
        out, (h_n,) = self._run(x, hx)
        return out, h_n

    def _run(self, x: Any, hx: Any) -> tuple[Any, list[Tensor]]:
        """output and the final states stacked as h_n (and c_n): [(L*D, N, size), ...]."""
        if isinstance(x, PackedSequence):
            return self._run_packed(x, hx)
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
        if T == 0:
            raise ValueError(f"{name}: the sequence is empty (length L = 0)")
        states = self._initial(hx, n, unbatched, self._weights(0, "")[1].dtype)

        def direction(proj: Tensor, state: State, reverse: bool, w: tuple[Any, ...]) -> tuple[Tensor, State]:
            hs: list[Any] = [None] * T  # h at every position, filled in reading order
            for t in range(T - 1, -1, -1) if reverse else range(T):  # the reverse reads backwards
                state = self._step(proj[t], state, *w)
                hs[t] = state[0]
            return ag.stack(hs, axis=0), state

        out, finals = self._layers(x, states, direction)
        if unbatched:
            out = out.reshape((T, out.shape[-1]))
        elif self.batch_first:
            out = out.swapaxes(0, 1)
        stacked = [ag.stack([s[i] for s in finals], axis=0) for i in range(len(finals[0]))]
        if unbatched:
            stacked = [s.reshape((s.shape[0], s.shape[-1])) for s in stacked]
        return out, stacked

    def _run_packed(self, x: PackedSequence, hx: Any) -> tuple[PackedSequence, list[Tensor]]:
        """A packed batch, as torch's packed kernels: step t runs on the first batch_sizes[t]
        rows of the (sorted) batch only - the batch shrinks as sequences end - so the final
        state of each sequence is the one at its own last step. hx and h_n are in the batch's
        original order (rows permuted by sorted_indices in, by unsorted_indices out)."""
        data = x.data
        if data.ndim != 2 or data.shape[-1] != self.input_size:
            raise ValueError(
                f"{self._kind}: a packed input's data must have shape (sum of lengths, input_size) = "
                f"({data.shape[0] if data.ndim else '?'}, {self.input_size}), got {data.shape}"
            )
        bs = [int(b) for b in x.batch_sizes.data]
        starts = np.concatenate([[0], np.cumsum(bs)[:-1]]).tolist()  # each step's first row in data
        B = bs[0]  # noqa: N806 - the shapes' usual letters
        perm = None if x.sorted_indices is None else x.sorted_indices.data
        states = self._initial(hx, B, False, self._weights(0, "")[1].dtype, perm)

        def direction(proj: Tensor, state: State, reverse: bool, w: tuple[Any, ...]) -> tuple[Tensor, State]:
            hs: list[Any] = [None] * len(bs)
            if reverse:  # from the last step back: the batch grows as sequences begin (from their end)
                first, n = state, bs[-1]
                state = tuple(s[:n] for s in first) if n < B else first
                for t in range(len(bs) - 1, -1, -1):
                    if bs[t] > n:  # sequences n..bs[t]-1 start here, from their initial state
                        state = tuple(
                            ag.concatenate([s, s0[n : bs[t]]]) for s, s0 in zip(state, first, strict=True)
                        )
                        n = bs[t]
                    state = self._step(proj[starts[t] : starts[t] + n], state, *w)
                    hs[t] = state[0]
                return ag.concatenate(hs), state
            ended: list[State] = []  # the final states of rows that stopped, latest-ending (lowest) last
            n = B
            for t in range(len(bs)):
                if bs[t] < n:  # sequences bs[t]..n-1 ended at step t-1: their state is final
                    ended.append(tuple(s[bs[t] : n] for s in state))
                    state, n = tuple(s[: bs[t]] for s in state), bs[t]
                state = self._step(proj[starts[t] : starts[t] + n], state, *w)
                hs[t] = state[0]
            if ended:  # rows in batch order: those still running at the end, then the earlier stops
                pieces = [state, *ended[::-1]]
                state = tuple(ag.concatenate([p[i] for p in pieces]) for i in range(len(state)))
            return ag.concatenate(hs), state

        out, finals = self._layers(data, states, direction)
        stacked = [ag.stack([s[i] for s in finals], axis=0) for i in range(len(finals[0]))]
        if x.unsorted_indices is not None:
            back = x.unsorted_indices.data
            stacked = [s[:, back] for s in stacked]
        return PackedSequence(out, x.batch_sizes, x.sorted_indices, x.unsorted_indices), stacked

    def _layers(self, seq: Tensor, states: list[State], direction: Any) -> tuple[Tensor, list[State]]:
        """Run every layer and direction on seq ((T, N, I) or packed data (sum of lengths, I)):
        the last layer's output and every (layer, direction)'s final state, in h_n's order.
        `direction(proj, state, reverse, (w_hh, b_hh, w_hr))` runs one direction's time loop."""
        finals: list[State] = []
        for k in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(("", "_reverse")[: self._directions]):
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(k, suffix)
                proj = ag.linear(seq, w_ih, b_ih)  # the whole input's projection in one matmul
                out, final = direction(proj, states[k * self._directions + d], d == 1, (w_hh, b_hh, w_hr))
                finals.append(final)
                outputs.append(out)
            seq = outputs[0] if len(outputs) == 1 else ag.concatenate(outputs, axis=-1)  # [forward, reverse]
            if self.training and self.dropout > 0 and k < self.num_layers - 1:
                keep = resolve(self.rng).random(seq.shape) >= self.dropout
                scale = 0.0 if self.dropout == 1.0 else 1.0 / (1.0 - self.dropout)  # p = 1: all dropped
                seq = seq * (keep * scale).astype(seq.dtype)
        return seq, finals

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.nonlinearity != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(_ElmanStep, _RNNBase):
    """An Elman RNN over a sequence: layer k runs RNNCell's step over time on layer k-1's
    outputs. forward(x, h_0=None) -> (output, h_n): x (L, N, I) (or (N, L, I) with
    `batch_first`, or (L, I)), output (L, N, D*H) (the last layer's h at every step; D = 2 with
    `bidirectional`, the forward and the reverse direction's h side by side), h_n and h_0
    (num_layers*D, N, H), row k*D + d for layer k, direction d. With `bidirectional` the
    reverse direction reads the sequence from the end, and layer k+1 reads both directions.
    `dropout` applies to every layer's output but the last, in training. x may also be a
    `PackedSequence` (`nn.utils.rnn`: sequences of different lengths; `batch_first` does not
    apply to it): then the output is one too, and h_n holds each sequence's state at its own
    last step (the reverse direction's at its first), in the batch's original order."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        rng: Rng = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0, rng, dtype,
            nonlinearity=nonlinearity,
        )


class GRU(_GRUStep, _RNNBase):
    """A GRU over a sequence (GRUCell's step), layered and bidirectional as `RNN`.
    forward(x, h_0=None) -> (output, h_n). (`proj_size` is an LSTM's only.)"""


class LSTM(_LSTMStep, _RNNBase):
    """An LSTM over a sequence (LSTMCell's step), layered and bidirectional as `RNN`.
    forward(x, (h_0, c_0)=None) -> (output, (h_n, c_n)), h_n and c_n (num_layers*D, N, H).
    With `proj_size` P > 0 each step's h is projected, h' = (o tanh(c')) W_hr^T
    (`weight_hr_l{k}` (P, H)): then h, h_0, h_n and the output have P features, not H, and
    `weight_hh_l{k}` is (4H, P); c stays (.., H)."""

    def forward(self, x: Any, hx: Any = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        out, (h_n, c_n) = self._run(x, hx)
        return out, (h_n, c_n)
