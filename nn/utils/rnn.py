"""Batches of sequences of different lengths, as `torch.nn.utils.rnn`.

A batch of B sequences of lengths L_0, ..., L_{B-1} (each (L_b, *) with the same trailing
shape `*`) is held in one of two ways:

- padded: one tensor (T, B, *) (or (B, T, *) with `batch_first`), T = max L_b, each sequence
  followed by `padding_value`s (`pad_sequence`; `unpad_sequence` takes them apart again);
- packed: a `PackedSequence`, the sequences sorted by decreasing length and interleaved time
  step by time step: `data` (L_0 + ... + L_{B-1}, *) holds step 0 of every sequence, then
  step 1 of every sequence that is that long, and so on; `batch_sizes[t]` (T,) counts the
  sequences at step t (non-increasing). `sorted_indices[j]` is the batch position of the j-th
  longest sequence and `unsorted_indices` its inverse (both None when the batch was given
  sorted, `enforce_sorted=True`).

`nn.RNN`, `nn.GRU` and `nn.LSTM` take a PackedSequence: they run step t on the first
batch_sizes[t] rows only, so no padding is ever computed on, and each sequence's final state
h_n is the one at its own last step. Packing and unpacking are indexing ops (one gather each),
so gradients flow through them to the padded input.

>>> import autograd as ag, nn
>>> from nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
>>> seq = ag.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]])
>>> packed = pack_padded_sequence(seq, [2, 1, 3], batch_first=True, enforce_sorted=False)
>>> packed.data, packed.batch_sizes       # step 0 of the 3 sequences, step 1 of 2, step 2 of 1
(tensor([4, 1, 3, 5, 2, 6]), tensor([3, 2, 1]))
>>> packed.sorted_indices                   # the longest (row 2) first
tensor([2, 0, 1])
>>> padded, lengths = pad_packed_sequence(packed, batch_first=True)
>>> padded
tensor([[1, 2, 0],
        [3, 0, 0],
        [4, 5, 6]])
>>> lengths
tensor([2, 1, 3])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

import autograd as ag
from autograd import Tensor

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpack_sequence",
    "unpad_sequence",
]


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else ag.tensor(x)


def _ints(who: str, name: str, values: Any) -> np.ndarray:
    """A 1-D int64 array from a list, an array or an integer tensor, or a clear error."""
    a = np.asarray(values.data if isinstance(values, Tensor) else values)
    if a.ndim != 1 or (a.size and a.dtype.kind not in "iu"):
        raise ValueError(
            f"{who}: {name} must be a 1-D list or tensor of ints, got {a.dtype} of shape {a.shape}"
        )
    return a.astype(np.int64)


def _index_tensor(a: np.ndarray | None) -> Tensor | None:
    return None if a is None else ag.tensor(np.asarray(a, dtype=np.int64))


class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedFields):
    """A batch of sequences packed step by step, as torch's: data, batch_sizes, sorted_indices
    and unsorted_indices.

    The fields: `data` (sum of lengths, *), `batch_sizes` (T,) int64, `sorted_indices` and
    `unsorted_indices` (B,) int64 or None (see the module's docstring). Made by
    `pack_padded_sequence` and `pack_sequence`, taken and returned by the recurrent layers;
    `pad_packed_sequence` undoes it.

    PackedSequence(data, batch_sizes, sorted_indices=None, unsorted_indices=None) checks the
    fields against each other; `unsorted_indices` defaults to the inverse of `sorted_indices`.
    """

    def __new__(
        cls,
        data: Any,
        batch_sizes: Any = None,
        sorted_indices: Any = None,
        unsorted_indices: Any = None,
    ) -> PackedSequence:
        if batch_sizes is None:  # PackedSequence((data, batch_sizes)), as torch
            if not (isinstance(data, (tuple, list)) and len(data) == 2):
                raise TypeError("PackedSequence: give data and batch_sizes, or one pair (data, batch_sizes)")
            data, batch_sizes = data
        who = "PackedSequence"
        data = _tensor(data)
        bs = _ints(who, "batch_sizes", batch_sizes)
        rows = data.shape[0] if data.ndim else 0
        if bs.size == 0 or (bs < 1).any() or (np.diff(bs) > 0).any() or bs.sum() != rows:
            raise ValueError(
                f"{who}: batch_sizes {bs.tolist()} must be positive and non-increasing and add up to "
                f"the {rows} rows of data (shape {data.shape}); make one "
                "with pack_padded_sequence or pack_sequence"
            )
        perms = []
        for name, p in (("sorted_indices", sorted_indices), ("unsorted_indices", unsorted_indices)):
            a = None if p is None else _ints(who, name, p)
            if a is not None and not np.array_equal(np.sort(a), np.arange(bs[0])):
                raise ValueError(
                    f"{who}: {name} must be a permutation of 0..{bs[0] - 1} (batch_sizes[0] = {bs[0]} "
                    f"sequences), got {a.tolist()}"
                )
            perms.append(a)
        s, u = perms
        if u is None and s is not None:
            u = _invert(s)
        elif s is not None and u is not None and not np.array_equal(u, _invert(s)):
            raise ValueError(
                f"{who}: unsorted_indices {u.tolist()} is not the inverse of sorted_indices {s.tolist()}"
            )
        return super().__new__(cls, data, ag.tensor(bs), _index_tensor(s), _index_tensor(u))

    def to(self, dtype: Any) -> PackedSequence:
        """The same sequences with `data` cast to `dtype` (itself if it already is)."""
        if np.dtype(dtype) == self.data.dtype:
            return self
        return type(self)(self.data.astype(dtype), *self[1:])

    def double(self) -> PackedSequence:
        """`data` as float64."""
        return self.to(np.float64)

    def float(self) -> PackedSequence:
        """`data` as float32."""
        return self.to(np.float32)


def _invert(p: np.ndarray) -> np.ndarray:
    out = np.empty_like(p)
    out[p] = np.arange(p.size, dtype=p.dtype)
    return out


def invert_permutation(permutation: Any) -> Tensor | None:
    """The inverse permutation q of p (q[p[i]] = i); None stays None, as torch's."""
    if permutation is None:
        return None
    return _index_tensor(_invert(_ints("invert_permutation", "permutation", permutation)))


def _pack(who: str, x: Tensor, lengths: Any, batch_first: bool, enforce_sorted: bool) -> PackedSequence:
    """pack_padded_sequence, its errors naming `who` (the function the caller called)."""
    if x.ndim < 2:
        raise ValueError(
            f"{who}: expected a padded input of shape {'(B, T, *)' if batch_first else '(T, B, *)'} "
            f"(at least 2 axes), got {x.shape}"
        )
    lens = _ints(who, "lengths", lengths)
    T, B = (x.shape[1], x.shape[0]) if batch_first else (x.shape[0], x.shape[1])  # noqa: N806
    if lens.size != B:
        raise ValueError(
            f"{who}: got {lens.size} lengths for a batch of {B} sequences (input of shape {x.shape}, "
            f"batch_first={batch_first}); give one length per sequence"
            + ("" if batch_first else ", or pass batch_first=True if the input is (B, T, *)")
        )
    if B == 0:
        raise ValueError(f"{who}: the batch is empty (input of shape {x.shape}, batch_first={batch_first})")
    if (lens <= 0).any():
        raise ValueError(
            f"{who}: every length must be > 0, got lengths {lens.tolist()}; leave empty sequences "
            "out of the batch"
        )
    if lens.max() > T:
        raise ValueError(
            f"{who}: a length of {lens.max()} is longer than the padded input's {T} steps (input of "
            f"shape {x.shape}, batch_first={batch_first}, lengths {lens.tolist()})"
        )
    if enforce_sorted:
        if (np.diff(lens) > 0).any():
            raise ValueError(
                f"{who}: lengths {lens.tolist()} must be sorted in decreasing order with "
                "enforce_sorted=True; pass enforce_sorted=False to have them sorted"
            )
        perm = np.arange(B)
    else:
        perm = np.argsort(-lens, kind="stable")  # the longest first; ties keep their order
    sorted_lens = lens[perm]
    bs = (sorted_lens[None, :] > np.arange(sorted_lens[0])[:, None]).sum(axis=1)  # (T',) counts
    t = np.repeat(np.arange(bs.size), bs)  # each packed row's time step ...
    j = np.arange(t.size) - np.repeat(np.cumsum(bs) - bs, bs)  # ... and rank in the sorted batch
    flat = perm[j] * T + t if batch_first else t * B + perm[j]
    data = x.reshape((T * B, *x.shape[2:]))[flat]  # one gather; its backward scatters back
    s = None if enforce_sorted else perm
    return PackedSequence(data, bs, s, None if s is None else _invert(s))


def pack_padded_sequence(
    input: Any, lengths: Any, batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with `batch_first`) into a PackedSequence.

    Sequence b is the first lengths[b] steps of column b. With `enforce_sorted=True` the
    lengths must be decreasing; with False the batch is sorted here and `sorted_indices`
    records how. Steps past a sequence's length are left out (never read)."""
    return _pack("pack_padded_sequence", _tensor(input), lengths, batch_first, enforce_sorted)


def _check_packed(who: str, sequence: Any) -> PackedSequence:
    if not isinstance(sequence, PackedSequence):
        raise TypeError(
            f"{who}: expected a PackedSequence (from pack_padded_sequence or pack_sequence), got "
            f"{type(sequence).__name__}"
        )
    return sequence


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Undo `pack_padded_sequence`: -> (padded, lengths), in the batch's original order.

    padded is (T, B, *) (or (B, T, *) with `batch_first`) with `padding_value` after each sequence,
    T = the longest length (or `total_length`, which must not be shorter), lengths (B,) int64."""
    who = "pad_packed_sequence"
    sequence = _check_packed(who, sequence)
    data = sequence.data
    bs = sequence.batch_sizes.data.astype(np.int64)
    T, B = int(bs.size), int(bs[0])  # noqa: N806 - the shapes' usual letters
    if total_length is not None:
        if int(total_length) < T:
            raise ValueError(
                f"{who}: total_length={total_length} is shorter than the longest sequence ({T} steps); "
                f"give total_length >= {T} or None"
            )
        T = int(total_length)  # noqa: N806
    s = sequence.sorted_indices
    perm = np.arange(B) if s is None else s.data.astype(np.int64)
    sorted_lens = (bs[None, :] > np.arange(B)[:, None]).sum(axis=1)  # (B,) decreasing
    t = np.repeat(np.arange(bs.size), bs)
    j = np.arange(t.size) - np.repeat(np.cumsum(bs) - bs, bs)
    flat = perm[j] * T + t if batch_first else t * B + perm[j]
    # Every padded position reads one packed row or, past its sequence's end, an extra row of
    # padding_value: a single gather, whose backward sends each row's gradient back.
    src = np.full(T * B, t.size, dtype=np.int64)
    src[flat] = np.arange(t.size)
    pad_row = ag.full((1, *data.shape[1:]), padding_value, dtype=data.dtype)
    padded = ag.concatenate([data, pad_row], axis=0)[src]
    padded = padded.reshape(((B, T) if batch_first else (T, B)) + tuple(data.shape[1:]))
    lengths = np.empty(B, dtype=np.int64)
    lengths[perm] = sorted_lens
    return padded, ag.tensor(lengths)


def _sequence_list(who: str, sequences: Any) -> list[Tensor]:
    if isinstance(sequences, Tensor):
        seqs = [sequences[i] for i in range(sequences.shape[0])] if sequences.ndim else []
    elif isinstance(sequences, Iterable) and not isinstance(sequences, (str, bytes)):
        seqs = [_tensor(s) for s in sequences]
    else:
        raise TypeError(f"{who}: expected a list of tensors (L_i, *), got {type(sequences).__name__}")
    if not seqs:
        raise ValueError(f"{who}: got no sequences; give a list of at least one tensor (L_i, *)")
    trailing = {s.shape[1:] for s in seqs}
    if any(s.ndim == 0 for s in seqs) or len(trailing) > 1:
        raise ValueError(
            f"{who}: every sequence must be (L_i, *) with the same trailing shape *, got shapes "
            f"{[s.shape for s in seqs]}"
        )
    return seqs


def pad_sequence(
    sequences: Sequence[Any] | Tensor,
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences (L_i, *) into one padded tensor (T, B, *), T = max L_i.

    (B, T, *) with `batch_first`. Each sequence's missing steps are filled with `padding_value`
    after it (`padding_side="right"`) or before it ("left")."""
    who = "pad_sequence"
    if padding_side not in ("left", "right"):
        raise ValueError(f"{who}: padding_side must be 'left' or 'right', got {padding_side!r}")
    seqs = _sequence_list(who, sequences)
    T = max(s.shape[0] for s in seqs)  # noqa: N806 - the shapes' usual letters
    padded = []
    for s in seqs:
        gap = T - s.shape[0]
        width = ((0, gap) if padding_side == "right" else (gap, 0),) + ((0, 0),) * (s.ndim - 1)
        padded.append(s.pad(width, padding_value) if gap else s)
    return ag.stack(padded, axis=0 if batch_first else 1)


def unpad_sequence(padded_sequences: Any, lengths: Any, batch_first: bool = False) -> list[Tensor]:
    """Undo `pad_sequence`: the B sequences of a padded (T, B, *) (or (B, T, *)) tensor.

    The b-th is cut to its first lengths[b] steps."""
    who = "unpad_sequence"
    x = _tensor(padded_sequences)
    if x.ndim < 2:
        raise ValueError(f"{who}: expected a padded tensor with at least 2 axes, got {x.shape}")
    lens = _ints(who, "lengths", lengths)
    T, B = (x.shape[1], x.shape[0]) if batch_first else (x.shape[0], x.shape[1])  # noqa: N806
    if lens.size != B or (lens < 0).any() or (lens > T).any():
        raise ValueError(
            f"{who}: lengths {lens.tolist()} must be {B} lengths in 0..{T} for a padded tensor of "
            f"shape {x.shape} (batch_first={batch_first})"
        )
    return [x[b, : int(n)] if batch_first else x[: int(n), b] for b, n in enumerate(lens)]


def pack_sequence(sequences: Sequence[Any], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (L_i, *): `pad_sequence` then `pack_padded_sequence`. With
    `enforce_sorted=True` they must come longest first."""
    who = "pack_sequence"
    seqs = _sequence_list(who, sequences)
    return _pack(who, pad_sequence(seqs), [s.shape[0] for s in seqs], False, enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """Undo `pack_sequence`: the list of sequences (L_i, *), in their original order."""
    packed = _check_packed("unpack_sequence", packed_sequences)
    padded, lengths = pad_packed_sequence(packed, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
