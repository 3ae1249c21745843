"""Utilities, as `torch.nn.utils`: gradient clipping, and sequences of different lengths.

`clip_grad_norm_` and `clip_grad_value_` clip gradients; `nn.utils.rnn` pads and packs batches
of sequences of different lengths for the recurrent layers (`pad_sequence`,
`pack_padded_sequence`, `pad_packed_sequence`, `PackedSequence`, ...).

>>> import autograd as ag, nn
>>> packed = nn.utils.rnn.pack_sequence([ag.ones(3, 2), ag.ones(1, 2)])
>>> packed.batch_sizes
tensor([2, 1, 1])
"""

from __future__ import annotations

from . import rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_", "rnn"]
