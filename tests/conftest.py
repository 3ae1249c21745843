"""Shared fixtures: a seeded generator, and global state restored after every test.

The library has three pieces of global state a test may change: the default float dtype
(`ag.set_default_dtype`), grad mode (`no_grad`, `set_grad_enabled`; thread-local) and anomaly
detection; plus the default random generator (`ag.manual_seed`). Each test gets them back as they
were, so a failing test cannot leak float32 or no_grad into the tests after it.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import autograd as ag
import nn  # noqa: F401 - registers nn's fused ops (the binary cross-entropies) in ag.OPS
from autograd import random as ag_random
from autograd.grad_mode import STATE

# Not a test module: PyTorch's side of the comparisons, imported by test_against_torch.py only
# once torch is known to be installed (--doctest-modules would import it without torch).
collect_ignore = ["torch_everyday.py"]


@pytest.fixture
def rng() -> np.random.Generator:
    """A generator with a fixed seed: every test draws the same numbers on every run."""
    return np.random.default_rng(20240601)


@pytest.fixture(autouse=True)
def _restore_global_state() -> Iterator[None]:
    dtype = ag.get_default_dtype()
    enabled, anomaly, scope = STATE.enabled, STATE.anomaly, STATE.scope
    generator = ag_random._generator
    yield
    ag.set_default_dtype(dtype)
    STATE.enabled, STATE.anomaly, STATE.scope = enabled, anomaly, scope
    ag_random._generator = generator
