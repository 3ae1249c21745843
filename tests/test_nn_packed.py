"""Variable-length sequences (nn.utils.rnn) and packed input to nn.RNN/GRU/LSTM, against
torch.nn.utils.rnn and torch.nn with the same weights (float64): packed and padded outputs,
h_n/c_n, and the gradients of the inputs, the initial states and every parameter; plus
finite differences through a packed GRU and the errors' messages."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd as ag
import nn
from nn.utils.rnn import (
    PackedSequence,
    invert_permutation,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
    unpad_sequence,
)

torch = pytest.importorskip("torch")
TR = torch.nn.utils.rnn

RTOL, ATOL = 1e-9, 1e-11


def _close(ours: Any, theirs: Any, what: str = "") -> None:
    a = ours.data if isinstance(ours, ag.Tensor) else np.asarray(ours)
    np.testing.assert_allclose(a, theirs.detach().numpy(), rtol=RTOL, atol=ATOL, err_msg=what)


def _same_ints(ours: ag.Tensor | None, theirs: Any) -> None:
    if theirs is None:
        assert ours is None
    else:
        assert ours is not None
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def _models(kind: str, bidirectional: bool, num_layers: int, batch_first: bool) -> tuple[Any, Any]:
    cls, kw = (kind, {}) if kind in ("GRU", "LSTM") else ("RNN", {"nonlinearity": kind.split("-")[1]})
    ours = getattr(nn, cls)(3, 4, num_layers=num_layers, bidirectional=bidirectional,
                            batch_first=batch_first, rng=0, dtype=np.float64, **kw)
    theirs = getattr(torch.nn, cls)(3, 4, num_layers=num_layers, bidirectional=bidirectional,
                                    batch_first=batch_first, **kw).double()
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})
    return ours, theirs


# -- the recurrent layers on packed input -----------------------------------------------------------
@pytest.mark.parametrize("kind", ["RNN-tanh", "RNN-relu", "GRU", "LSTM"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize(
    ("bidirectional", "num_layers", "lengths", "with_hx"),
    [
        (False, 1, [5, 3, 3, 1], False),  # sorted: enforce_sorted=True, zero initial state
        (True, 2, [2, 5, 1, 3], True),  # unsorted: enforce_sorted=False, hx given (permuted in)
    ],
)
def test_packed_layers_against_torch(
    rng: np.random.Generator, kind: str, batch_first: bool, bidirectional: bool, num_layers: int,
    lengths: list[int], with_hx: bool,
) -> None:
    ours, theirs = _models(kind, bidirectional, num_layers, batch_first)
    T, B = max(lengths), len(lengths)  # noqa: N806 - the shapes' usual letters
    sorted_ = lengths == sorted(lengths, reverse=True)
    x = rng.standard_normal((B, T, 3) if batch_first else (T, B, 3))
    X, TX = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)  # noqa: N806
    LD = num_layers * (1 + bidirectional)  # noqa: N806
    states = [rng.standard_normal((LD, B, 4)) for _ in range(1 + (kind == "LSTM"))]
    hx = [ag.tensor(s, requires_grad=True) for s in states] if with_hx else []
    thx = [torch.tensor(s, requires_grad=True) for s in states] if with_hx else []

    packed = pack_padded_sequence(X, lengths, batch_first=batch_first, enforce_sorted=sorted_)
    tpacked = TR.pack_padded_sequence(TX, lengths, batch_first=batch_first, enforce_sorted=sorted_)
    if kind == "LSTM":
        out, (h_n, c_n) = ours(packed, tuple(hx) if hx else None)
        tout, (th_n, tc_n) = theirs(tpacked, tuple(thx) if thx else None)
        finals, tfinals = [h_n, c_n], [th_n, tc_n]
    else:
        out, h_n = ours(packed, hx[0] if hx else None)
        tout, th_n = theirs(tpacked, thx[0] if thx else None)
        finals, tfinals = [h_n], [th_n]
    assert isinstance(out, PackedSequence)
    _close(out.data, tout.data, "packed output")
    for ours_f, theirs_f in zip(out[1:], tout[1:], strict=True):
        _same_ints(ours_f, theirs_f)
    padded, lens = pad_packed_sequence(out, batch_first=batch_first)
    tpadded, tlens = TR.pad_packed_sequence(tout, batch_first=batch_first)
    _close(padded, tpadded, "padded output")
    _same_ints(lens, tlens)
    for f, tf in zip(finals, tfinals, strict=True):
        _close(f, tf, "h_n / c_n")

    # Random upstream gradients into the padded output (its padding gets none) and h_n, c_n.
    loss: Any = 0.0
    tloss: Any = 0.0
    for o, t in zip([padded, *finals], [tpadded, *tfinals], strict=True):
        g = rng.standard_normal(o.shape)
        loss, tloss = loss + (o * g).sum(), tloss + (t * torch.from_numpy(g)).sum()
    loss.backward()
    tloss.backward()
    _close(X.grad, TX.grad, "input gradient")
    for h, th in zip(hx, thx, strict=True):
        _close(h.grad, th.grad, "initial state gradient")
    tparams = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(tparams)
    for name, p in ours.named_parameters():
        _close(p.grad, tparams[name].grad, name)


def test_packed_final_state_is_each_sequences_own_last_step(rng: np.random.Generator) -> None:
    """h_n of a packed batch = h_n of each sequence run alone (no torch needed for this one)."""
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, rng=0)
    seqs = [rng.standard_normal((n, 3)) for n in (2, 4, 1)]
    out, (h_n, c_n) = lstm(pack_sequence(seqs, enforce_sorted=False))
    for b, s in enumerate(seqs):
        alone, (h, c) = lstm(s)
        np.testing.assert_allclose(h_n.data[:, b], h.data, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(c_n.data[:, b], c.data, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(unpack_sequence(out)[b].data, alone.data, rtol=1e-12, atol=1e-13)


def test_packed_gru_against_finite_differences(rng: np.random.Generator) -> None:
    gru = nn.GRU(2, 3, bidirectional=True, rng=0, dtype=np.float64)
    x = ag.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)  # (T, B, I), lengths 3 and 2
    h0 = ag.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)

    def f(x: ag.Tensor, h0: ag.Tensor, *params: Any) -> tuple[ag.Tensor, ag.Tensor]:
        out, h_n = gru(pack_padded_sequence(x, [2, 3], enforce_sorted=False), h0)
        return out.data, h_n

    assert ag.gradcheck(f, (x, h0, *gru.parameters()))


# -- packing and padding ------------------------------------------------------------------------------
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("trailing", [(), (2, 3)])
@pytest.mark.parametrize("lengths", [[4, 4, 2], [1, 4, 3]])
def test_pack_and_pad_round_trips_against_torch(
    rng: np.random.Generator, batch_first: bool, trailing: tuple[int, ...], lengths: list[int]
) -> None:
    T, B = 5, len(lengths)  # noqa: N806 - T is longer than every sequence: padding is cut
    x = rng.standard_normal(((B, T) if batch_first else (T, B)) + trailing)
    X, TX = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)  # noqa: N806
    sorted_ = lengths == sorted(lengths, reverse=True)
    p = pack_padded_sequence(X, lengths, batch_first=batch_first, enforce_sorted=sorted_)
    tp = TR.pack_padded_sequence(TX, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=sorted_)
    _close(p.data, tp.data)
    for ours_f, theirs_f in zip(p[1:], tp[1:], strict=True):
        _same_ints(ours_f, theirs_f)
    for total_length in (None, 6):
        padded, lens = pad_packed_sequence(p, batch_first, padding_value=-2.5, total_length=total_length)
        tpadded, tlens = TR.pad_packed_sequence(tp, batch_first, -2.5, total_length)
        _close(padded, tpadded)
        _same_ints(lens, tlens)
    g = rng.standard_normal(padded.shape)
    (padded * g).sum().backward()
    (tpadded * torch.from_numpy(g)).sum().backward()
    _close(X.grad, TX.grad)  # the steps past each length get no gradient

    seqs = unpad_sequence(padded, lens, batch_first=batch_first)
    tseqs = TR.unpad_sequence(tpadded, tlens, batch_first=batch_first)
    assert [s.shape for s in seqs] == [tuple(t.shape) for t in tseqs]
    for s, t in zip(seqs, tseqs, strict=True):
        _close(s, t)


def test_pack_sequence_and_unpack_sequence_against_torch(rng: np.random.Generator) -> None:
    arrays = [rng.standard_normal((n, 2)) for n in (2, 4, 1)]
    seqs = [ag.tensor(a, requires_grad=True) for a in arrays]
    tseqs = [torch.tensor(a, requires_grad=True) for a in arrays]
    p, tp = pack_sequence(seqs, enforce_sorted=False), TR.pack_sequence(tseqs, enforce_sorted=False)
    _close(p.data, tp.data)
    _same_ints(p.batch_sizes, tp.batch_sizes)
    _same_ints(p.sorted_indices, tp.sorted_indices)
    back, tback = unpack_sequence(p), TR.unpack_sequence(tp)
    for s, b, t in zip(seqs, back, tback, strict=True):
        _close(b, t)
        np.testing.assert_array_equal(b.data, s.data)
    g = rng.standard_normal(p.data.shape)
    (p.data * g).sum().backward()
    (tp.data * torch.from_numpy(g)).sum().backward()
    for s, t in zip(seqs, tseqs, strict=True):
        _close(s.grad, t.grad)
    sorted_seqs = [seqs[1], seqs[0], seqs[2]]
    assert pack_sequence(sorted_seqs).sorted_indices is None
    assert repr(pack_sequence([ag.tensor([1, 2, 3]), ag.tensor([4, 5]), ag.tensor([6])])) == (
        "PackedSequence(data=tensor([1, 4, 6, 2, 5, 3]), batch_sizes=tensor([3, 2, 1]), "
        "sorted_indices=None, unsorted_indices=None)"
    )


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_against_torch(rng: np.random.Generator, batch_first: bool, padding_side: str) -> None:
    arrays = [rng.standard_normal((n, 2, 3)) for n in (2, 4, 1)]
    seqs = [ag.tensor(a, requires_grad=True) for a in arrays]
    tseqs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = pad_sequence(seqs, batch_first=batch_first, padding_value=7.0, padding_side=padding_side)
    tout = TR.pad_sequence(tseqs, batch_first=batch_first, padding_value=7.0, padding_side=padding_side)
    _close(out, tout)
    g = rng.standard_normal(out.shape)
    (out * g).sum().backward()
    (tout * torch.from_numpy(g)).sum().backward()
    for s, t in zip(seqs, tseqs, strict=True):
        _close(s.grad, t.grad)
    # A tensor is a list of its rows (as torch), plain arrays are taken too.
    _close(pad_sequence(ag.tensor(arrays[0])), TR.pad_sequence(torch.tensor(arrays[0])))
    _close(pad_sequence(arrays, True), TR.pad_sequence([torch.tensor(a) for a in arrays], True))


def test_packed_sequence_fields_and_helpers() -> None:
    p = PackedSequence(ag.ones(6, 2), [3, 2, 1], sorted_indices=[2, 0, 1])
    assert p.unsorted_indices is not None
    assert p.unsorted_indices.tolist() == [1, 2, 0]  # the inverse of sorted_indices
    assert p.batch_sizes.dtype == np.int64
    data, batch_sizes, sorted_indices, unsorted_indices = p  # a named tuple, as torch's
    assert data is p.data
    assert (batch_sizes, sorted_indices, unsorted_indices) == (p[1], p[2], p[3])
    assert PackedSequence((ag.ones(3, 1), [2, 1])).batch_sizes.tolist() == [2, 1]
    assert p.float().data.dtype == np.float32
    assert p.double() is p  # already float64
    assert invert_permutation(ag.tensor([2, 0, 1])).tolist() == [1, 2, 0]  # type: ignore[union-attr]
    assert invert_permutation(None) is None
    # The torch-style paths keep working, and the old nn.utils names too.
    assert nn.utils.rnn.pad_sequence is pad_sequence
    assert callable(nn.utils.clip_grad_norm_)
    assert callable(nn.utils.clip_grad_value_)


# -- errors --------------------------------------------------------------------------------------------
def test_errors_name_the_function_the_shapes_and_the_fix() -> None:
    x = ag.ones(4, 3, 2)  # (T, B, I)
    with pytest.raises(ValueError, match=r"pack_padded_sequence: lengths \[2, 4, 1\] must be sorted in "
                       r"decreasing order with enforce_sorted=True; pass enforce_sorted=False"):
        pack_padded_sequence(x, [2, 4, 1])
    with pytest.raises(ValueError, match=r"pack_padded_sequence: a length of 6 is longer than the padded "
                       r"input's 4 steps \(input of shape \(4, 3, 2\)"):
        pack_padded_sequence(x, [6, 2, 1])
    with pytest.raises(ValueError, match=r"pack_padded_sequence: every length must be > 0, got lengths "
                       r"\[3, 0, 1\]"):
        pack_padded_sequence(x, [3, 0, 1], enforce_sorted=False)
    with pytest.raises(ValueError, match=r"pack_padded_sequence: got 2 lengths for a batch of 3 sequences "
                       r"\(input of shape \(4, 3, 2\), batch_first=False\); give one length per sequence, "
                       r"or pass batch_first=True"):
        pack_padded_sequence(x, [3, 1])
    with pytest.raises(ValueError, match=r"pack_padded_sequence: the batch is empty \(input of shape "
                       r"\(4, 0, 2\)"):
        pack_padded_sequence(ag.ones(4, 0, 2), [])
    with pytest.raises(ValueError, match=r"pack_sequence: lengths \[1, 3\] must be sorted"):
        pack_sequence([ag.ones(1, 2), ag.ones(3, 2)])
    with pytest.raises(ValueError, match=r"pack_sequence: every length must be > 0"):
        pack_sequence([ag.ones(1, 2), ag.ones(0, 2)])
    with pytest.raises(ValueError, match=r"pad_sequence: every sequence must be \(L_i, \*\) with the same "
                       r"trailing shape \*, got shapes \[\(2, 3\), \(1, 2\)\]"):
        pad_sequence([ag.ones(2, 3), ag.ones(1, 2)])
    with pytest.raises(ValueError, match=r"pad_sequence: got no sequences"):
        pad_sequence([])
    with pytest.raises(ValueError, match=r"pad_sequence: padding_side must be 'left' or 'right'"):
        pad_sequence([ag.ones(2)], padding_side="top")
    p = pack_padded_sequence(x, [4, 2, 1])
    with pytest.raises(ValueError, match=r"pad_packed_sequence: total_length=3 is shorter than the longest "
                       r"sequence \(4 steps\)"):
        pad_packed_sequence(p, total_length=3)
    with pytest.raises(TypeError, match=r"pad_packed_sequence: expected a PackedSequence"):
        pad_packed_sequence(x)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"unpad_sequence: lengths \[5, 1, 1\] must be 3 lengths in 0\.\.4"):
        unpad_sequence(x, [5, 1, 1])
    with pytest.raises(ValueError, match=r"PackedSequence: batch_sizes \[2, 3\] must be positive and "
                       r"non-increasing and add up to the 5 rows of data"):
        PackedSequence(ag.ones(5, 2), [2, 3])
    with pytest.raises(ValueError, match=r"PackedSequence: sorted_indices must be a permutation of 0\.\.1"):
        PackedSequence(ag.ones(3, 2), [2, 1], sorted_indices=[0, 0])
    # The layers check the packed data and the initial state's batch (batch_sizes[0] sequences).
    with pytest.raises(ValueError, match=r"GRU: a packed input's data must have shape \(sum of lengths, "
                       r"input_size\) = \(7, 5\), got \(7, 2\)"):
        nn.GRU(5, 4)(p)
    with pytest.raises(ValueError, match=r"LSTM: h_0 must have shape \(1, 3, 4\) = .*, got \(1, 2, 4\)"):
        nn.LSTM(2, 4)(p, (ag.zeros(1, 2, 4), ag.zeros(1, 3, 4)))
