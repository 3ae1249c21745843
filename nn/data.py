"""Toy datasets and a minibatch iterator, in plain NumPy.

Nothing here imports the autograd package: every function takes and returns NumPy
arrays, and users wrap the batches in ``Tensor`` themselves. An object with a ``.data``
attribute holding an ndarray (an autograd ``Tensor``) is accepted wherever an array is.

Minibatches:

- :func:`batches` walks once over aligned arrays in minibatches;
- :class:`DataLoader` does the same every time it is iterated (one epoch per ``for``
  loop), reshuffling each epoch with a permutation fixed by ``(seed, epoch)``.

Two-dimensional classification sets, all returning ``X`` ``(n_samples, 2)`` in the default
float dtype (``ag.get_default_dtype()``: float64 unless changed)
and ``y`` int64 ``(n_samples,)`` with classes ``0 .. K-1`` whose sizes differ by at
most one, in a shuffled order fixed by ``seed``:

- :func:`make_moons`: two interleaving half circles (scikit-learn's geometry);
- :func:`make_circles`: a small circle inside a large one;
- :func:`make_spirals`: the CS231n spiral with ``n_classes`` arms;
- :func:`make_blobs`: Gaussian clusters (``n_features`` may be more than 2);
- :func:`make_separable`: points in the unit square split by the line ``x1 + x2 = 1``
  with an empty band of width ``margin`` between the classes.

``noise`` is always the standard deviation of a Gaussian perturbation (of the position,
or of the angle for spirals); ``noise=0`` gives the exact geometry. ``seed`` may be an
int, a ``np.random.Generator`` (drawn from, so it advances) or ``None`` (the library's
generator, which ``ag.manual_seed(n)`` resets).

Real data: :func:`load_digits` reads the 8x8 UCI handwritten digits (1,797 images)
stored in ``demos/data/digits.npz``; see ``demos/data/README.md`` for its provenance.

Example:
    >>> X, y = make_moons(200, noise=0.1, seed=0)
    >>> loader = DataLoader(X, y, batch_size=64, shuffle=True, seed=0)
    >>> len(loader)
    4
    >>> [xb.shape for xb, yb in loader]
    [(64, 2), (64, 2), (64, 2), (8, 2)]
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, TypeGuard

import numpy as np
from numpy.typing import ArrayLike, NDArray

from autograd.dtypes import get_default_dtype
from autograd.random import default_generator, resolve

from ._checks import check_nonnegative, is_real

__all__ = [
    "DataLoader",
    "Dataset",
    "TensorDataset",
    "batches",
    "load_digits",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_separable",
    "make_spirals",
]


class HasData(Protocol):
    """Anything keeping its values in an ndarray ``.data``, like an autograd Tensor."""

    @property
    def data(self) -> NDArray[Any]: ...


Seed = int | np.random.Generator | None
Arrays = tuple[NDArray[np.float64], NDArray[np.int64]]  # what the make_* functions return

DIGITS_PATH = Path(__file__).resolve().parent.parent / "demos" / "data" / "digits.npz"


# ---------------------------------------------------------------------------
# Argument checks shared by everything below
# ---------------------------------------------------------------------------


def _is_int(value: object) -> TypeGuard[numbers.Integral]:
    # bool is an int subclass, but batch_size=True is a bug, not a request for 1.
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_int(name: str, value: object, minimum: int, where: str) -> int:
    if not _is_int(value):
        raise TypeError(
            f"{where}: {name} must be an int, got {type(value).__name__} {value!r}"
        )
    n = int(value)
    if n < minimum:
        raise ValueError(f"{where}: {name} must be >= {minimum}, got {n}")
    return n


def _nonnegative(name: str, value: object, where: str) -> float:
    """`value` as a float: a TypeError unless it is a real number, a ValueError unless it is
    finite and >= 0."""
    if not is_real(value):
        raise TypeError(f"{where}: {name} must be a real number, got {type(value).__name__}")
    check_nonnegative(where, **{name: value})
    return float(value)


def _class_sizes(n_samples: int, n_classes: int) -> list[int]:
    """Split ``n_samples`` into ``n_classes`` sizes differing by at most one."""
    base, extra = divmod(n_samples, n_classes)
    return [base + (1 if k < extra else 0) for k in range(n_classes)]


def _finish(
    points: NDArray[np.float64], y: NDArray[np.int64], rng: np.random.Generator
) -> Arrays:
    """Shuffle rows of (points, y) together so classes interleave, deterministically."""
    order = rng.permutation(len(y))
    return (
        # In the default float dtype, so a float32 model (ag.set_default_dtype) stays float32.
        np.ascontiguousarray(points[order], dtype=get_default_dtype()),
        y[order].astype(np.int64),
    )


# ---------------------------------------------------------------------------
# Minibatches
# ---------------------------------------------------------------------------


def _as_arrays(arrays: tuple[Any, ...], where: str) -> tuple[NDArray[Any], ...]:
    """Turn arrays / Tensors / sequences into ndarrays with one common length."""
    if not arrays:
        raise ValueError(f"{where}: need at least one array")
    out = []
    for i, a in enumerate(arrays):
        # Check ndarray first: ndarray itself has a .data attribute (a memoryview).
        if isinstance(a, np.ndarray):
            arr = a
        elif isinstance(getattr(a, "data", None), np.ndarray):
            arr = a.data  # an autograd Tensor: batch its values, not its graph
        else:
            arr = np.asarray(a)
        if arr.ndim == 0:
            raise ValueError(
                f"{where}: array {i} is 0-dimensional; need a first (sample) axis"
            )
        out.append(arr)
    lengths = [len(a) for a in out]
    if len(set(lengths)) > 1:
        raise ValueError(
            f"{where}: all arrays must have the same length along axis 0, "
            f"got lengths {lengths}"
        )
    return tuple(out)


def _iterate(
    arrays: tuple[NDArray[Any], ...],
    order: NDArray[np.intp],
    batch_size: int,
    drop_last: bool,
) -> Iterator[tuple[NDArray[Any], ...]]:
    n = len(order)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        idx = order[start : start + batch_size]
        # Fancy indexing copies, so a training step that edits a batch in place
        # cannot corrupt the dataset.
        yield tuple(a[idx] for a in arrays)


def _num_batches(n: int, batch_size: int, drop_last: bool) -> int:
    return n // batch_size if drop_last else -(-n // batch_size)


def batches(
    *arrays: ArrayLike | HasData,
    batch_size: int | np.integer[Any],
    shuffle: bool = False,
    seed: Seed = None,
    drop_last: bool = False,
) -> Iterator[tuple[NDArray[Any], ...]]:
    """Iterate once over aligned arrays in minibatches of rows.

    Row ``i`` of every array belongs to sample ``i``; each batch takes the same rows
    from all arrays. With ``N`` samples and batch size ``B`` there are ``ceil(N / B)``
    batches, the last of size ``N mod B`` when that is not zero, or ``floor(N / B)``
    batches of exactly ``B`` rows with ``drop_last=True``.

    Args:
        *arrays: arrays ``(N, ...)`` with equal first dimension; an object whose
            ``.data`` is an ndarray (an autograd ``Tensor``) is batched through it.
        batch_size: rows per batch, a positive int.
        shuffle: visit samples in a random order drawn from ``seed``.
        seed: int, ``np.random.Generator`` or ``None``; used only when ``shuffle``.
        drop_last: skip the last batch if it is smaller than ``batch_size``.

    Returns:
        An iterator of tuples (one entry per input array, even for a single array) of
        fresh ndarrays ``(B, ...)``; wrap them in ``Tensor`` to train on them.

    Raises:
        ValueError: no arrays, a 0-d array, differing lengths, ``batch_size < 1``.
        TypeError: ``batch_size`` or ``seed`` of the wrong type.

    Arguments are checked when ``batches`` is called, not at the first ``next``.

    Example:
        >>> X, y = np.arange(10).reshape(5, 2), np.arange(5)
        >>> [yb.tolist() for xb, yb in batches(X, y, batch_size=2)]
        [[0, 1], [2, 3], [4]]
    """
    where = "batches"
    arrs = _as_arrays(arrays, where)
    bs = _check_int("batch_size", batch_size, 1, where)
    n = len(arrs[0])
    order = resolve(seed, where).permutation(n) if shuffle else np.arange(n)
    return _iterate(arrs, order, bs, bool(drop_last))


class Dataset:
    """A map-style dataset, as PyTorch's: subclass it with ``__len__`` and ``__getitem__``.

    ``__getitem__(i)`` returns sample ``i`` (an array, a number, or a tuple / dict of
    them). A :class:`DataLoader` given one dataset batches its samples (stacked field by
    field). Any object with ``__len__`` and ``__getitem__`` works the same way."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__}: a Dataset must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__}: a Dataset must define __len__")


class TensorDataset(Dataset):
    """Aligned arrays (or Tensors) as a dataset: sample ``i`` is the tuple of their rows
    ``i``, as PyTorch's. A DataLoader batches it as fast as the arrays themselves."""

    def __init__(self, *arrays: ArrayLike | HasData) -> None:
        self.arrays = _as_arrays(arrays, "TensorDataset")

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        return tuple(a[index] for a in self.arrays)

    def __len__(self) -> int:
        return len(self.arrays[0])


def _is_dataset(a: Any) -> bool:
    """A map-style dataset (len and indexing) that is not itself an array to batch."""
    if isinstance(a, (np.ndarray, list, tuple, str, bytes)):
        return False
    if isinstance(getattr(a, "data", None), np.ndarray):  # a Tensor
        return False
    return isinstance(a, Dataset) or (hasattr(a, "__getitem__") and hasattr(a, "__len__"))


def _collate(samples: list[Any], where: str) -> Any:
    """Stack a list of samples field by field, as PyTorch's default collate: tuples and
    lists give tuples, dicts give dicts, anything else one stacked array."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return tuple(_collate([s[k] for s in samples], where) for k in range(len(first)))
    if isinstance(first, dict):
        return {k: _collate([s[k] for s in samples], where) for k in first}
    arrs = [x.data if isinstance(getattr(x, "data", None), np.ndarray) else np.asarray(x) for x in samples]
    try:
        return np.stack(arrs)
    except ValueError:
        shapes = sorted({a.shape for a in arrs})
        raise ValueError(
            f"{where}: the samples of a batch must have equal shapes to be stacked, got {shapes}"
        ) from None


class DataLoader:
    """Reusable minibatch iterator: each ``for`` loop over it is one epoch.

    With ``shuffle=True``, epoch ``k`` visits samples in the permutation drawn from
    ``np.random.SeedSequence(seed, spawn_key=(k,))``, so it depends only on ``seed`` and
    ``k``: two loaders with the same seed give the same sequence of epochs, and a run
    can be resumed by setting ``epoch``. With ``seed=None`` a seed is drawn once from the
    library's generator (so ``ag.manual_seed`` fixes it) and stored in ``seed``.

    Attributes:
        arrays: the data as ndarrays, each ``(N, ...)``.
        batch_size, shuffle, drop_last: as given.
        seed: the int the per-epoch permutations derive from.
        epoch: number of epochs started; the next iteration uses permutation ``epoch``.

    Args:
        *arrays: as in :func:`batches`.
        batch_size: rows per batch, a positive int.
        shuffle: reshuffle every epoch.
        seed: int, ``None``, or a ``np.random.Generator`` from which one int is drawn.
        drop_last: skip each epoch's last batch if it is smaller than ``batch_size``.

    Given one map-style dataset instead of arrays (a :class:`Dataset`, or any object with
    ``__len__`` and ``__getitem__``, as in PyTorch's ``DataLoader(dataset, ...)``), it
    yields its samples batched: sample ``i`` is ``dataset[i]`` and a batch stacks the
    samples field by field (a tuple of arrays for tuple samples, one array for array
    samples, a dict for dicts). A :class:`TensorDataset` is batched as its arrays.

    Example:
        >>> loader = DataLoader(np.arange(6), batch_size=4, shuffle=True, seed=1)
        >>> len(loader), [len(b) for (b,) in loader]
        (2, [4, 2])
    """

    def __init__(
        self,
        *arrays: ArrayLike | HasData,
        batch_size: int | np.integer[Any] = 32,
        shuffle: bool = False,
        seed: Seed = None,
        drop_last: bool = False,
    ) -> None:
        where = "DataLoader"
        self.dataset: Any = None
        if len(arrays) == 1 and isinstance(arrays[0], TensorDataset):
            arrays = arrays[0].arrays
        elif len(arrays) == 1 and _is_dataset(arrays[0]):
            self.dataset = arrays[0]
            arrays = (np.arange(len(self.dataset)),)  # the sample indices, batched as rows
        self.arrays = _as_arrays(arrays, where)
        self.batch_size = _check_int("batch_size", batch_size, 1, where)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        if isinstance(seed, np.random.Generator):
            # Reduce to an int so every epoch can be re-derived from (seed, epoch).
            seed = int(seed.integers(2**63))
        elif seed is None:
            # Drawn from the library's generator, so `ag.manual_seed(n)` fixes it.
            seed = int(default_generator().integers(2**63))
        else:
            resolve(seed, where)  # only to validate the type and sign
        self.seed: int = int(seed)
        self.epoch = 0

    @property
    def num_samples(self) -> int:
        """Number of samples ``N`` (rows of each array)."""
        return len(self.arrays[0])

    def __len__(self) -> int:
        """Batches per epoch: ``ceil(N / B)``, ``floor(N / B)`` with ``drop_last``."""
        return _num_batches(self.num_samples, self.batch_size, self.drop_last)

    def __iter__(self) -> Iterator[Any]:
        """Start the next epoch: yield tuples of ``(B, ...)`` arrays as ``batches`` (or a
        dataset's collated samples)."""
        n = self.num_samples
        if self.shuffle:
            seq = np.random.SeedSequence(self.seed, spawn_key=(self.epoch,))
            order = np.random.default_rng(seq).permutation(n)
        else:
            order = np.arange(n)
        self.epoch += 1
        batches = _iterate(self.arrays, order, self.batch_size, self.drop_last)
        if self.dataset is None:
            return batches
        ds = self.dataset
        return (_collate([ds[int(i)] for i in idx], "DataLoader") for (idx,) in batches)

    def __repr__(self) -> str:
        shapes = ", ".join(str(a.shape) for a in self.arrays)
        if self.dataset is not None:
            shapes = f"{type(self.dataset).__name__} of {len(self.dataset)}"
        return (
            f"DataLoader({shapes}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, seed={self.seed}, drop_last={self.drop_last}, "
            f"epoch={self.epoch})"
        )


# ---------------------------------------------------------------------------
# Synthetic two-dimensional datasets
# ---------------------------------------------------------------------------


def make_moons(n_samples: int = 100, noise: float = 0.1, seed: Seed = None) -> Arrays:
    """Two interleaving half circles, as scikit-learn's ``make_moons``.

    With ``t`` evenly spaced in ``[0, pi]`` (endpoints included):

    - class 0, the upper moon: ``(cos t, sin t)``, on the unit circle centred at
      ``(0, 0)``;
    - class 1, the lower moon: ``(1 - cos t, 1 - sin t - 0.5)``, on the unit circle
      centred at ``(1, 0.5)``;

    then Gaussian noise of standard deviation ``noise`` is added to both coordinates.
    Class 0 gets ``n_samples // 2`` points and class 1 the rest.

    Args:
        n_samples: total number of points, at least 2.
        noise: standard deviation of the Gaussian noise, ``>= 0``.
        seed: int, ``np.random.Generator`` or ``None``.

    Returns:
        ``X`` (default float dtype) ``(n_samples, 2)`` and ``y`` int64 ``(n_samples,)`` in ``{0, 1}``.

    Example:
        >>> X, y = make_moons(101, noise=0.0, seed=0)
        >>> X.shape, np.bincount(y).tolist()
        ((101, 2), [50, 51])
    """
    where = "make_moons"
    n = _check_int("n_samples", n_samples, 2, where)
    sigma = _nonnegative("noise", noise, where)
    rng = resolve(seed, where)
    n_out, n_in = n // 2, n - n // 2
    t_out = np.linspace(0.0, np.pi, n_out)
    t_in = np.linspace(0.0, np.pi, n_in)
    points = np.concatenate(
        [
            np.stack([np.cos(t_out), np.sin(t_out)], axis=1),
            np.stack([1.0 - np.cos(t_in), 1.0 - np.sin(t_in) - 0.5], axis=1),
        ]
    )
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_out, n_in])
    points = points + rng.normal(scale=sigma, size=points.shape)
    return _finish(points, y, rng)


def make_circles(
    n_samples: int = 100, noise: float = 0.05, factor: float = 0.5, seed: Seed = None
) -> Arrays:
    """A small circle inside a large one, as scikit-learn's ``make_circles``.

    With ``t`` evenly spaced in ``[0, 2 pi)`` (``2 pi`` excluded so no point repeats):
    class 0 is ``(cos t, sin t)`` on the unit circle, class 1 is
    ``factor * (cos t, sin t)``; then Gaussian noise of standard deviation ``noise`` is
    added. Class 0 gets ``n_samples // 2`` points and class 1 the rest.

    Args:
        n_samples: total number of points, at least 2.
        noise: standard deviation of the Gaussian noise, ``>= 0``.
        factor: radius of the inner circle, ``0 <= factor < 1``.
        seed: int, ``np.random.Generator`` or ``None``.

    Returns:
        ``X`` (default float dtype) ``(n_samples, 2)`` and ``y`` int64 ``(n_samples,)`` in ``{0, 1}``.

    Example:
        >>> X, y = make_circles(10, noise=0.0, factor=0.5, seed=0)
        >>> np.hypot(X[:, 0], X[:, 1])[y == 1].round(6).tolist()
        [0.5, 0.5, 0.5, 0.5, 0.5]
    """
    where = "make_circles"
    n = _check_int("n_samples", n_samples, 2, where)
    sigma = _nonnegative("noise", noise, where)
    r_in = _nonnegative("factor", factor, where)
    if r_in >= 1.0:
        raise ValueError(f"{where}: factor must be in [0, 1), got {r_in}")
    rng = resolve(seed, where)
    n_out, n_in = n // 2, n - n // 2
    t_out = np.linspace(0.0, 2.0 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0.0, 2.0 * np.pi, n_in, endpoint=False)
    points = np.concatenate(
        [
            np.stack([np.cos(t_out), np.sin(t_out)], axis=1),
            r_in * np.stack([np.cos(t_in), np.sin(t_in)], axis=1),
        ]
    )
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_out, n_in])
    points = points + rng.normal(scale=sigma, size=points.shape)
    return _finish(points, y, rng)


def make_spirals(
    n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, seed: Seed = None
) -> Arrays:
    """The CS231n spiral: ``n_classes`` arms winding out of the origin.

    Class ``k`` with ``N_k`` points has radii ``r = linspace(0, 1, N_k)`` and angles
    ``theta = linspace(4 k, 4 (k + 1), N_k) + noise * randn(N_k)`` (radians), and
    ``X = r * (sin theta, cos theta)``. The noise perturbs the angle, not the position,
    so points near the centre move little. Every arm starts at the origin, so the first
    point of each class coincides there when ``noise = 0``.

    Args:
        n_samples: total number of points, at least ``n_classes``; class sizes differ by
            at most one.
        n_classes: number of arms, at least 1.
        noise: standard deviation of the angle noise in radians, ``>= 0``.
        seed: int, ``np.random.Generator`` or ``None``.

    Returns:
        ``X`` (default float dtype) ``(n_samples, 2)`` and ``y`` int64 ``(n_samples,)`` in
        ``{0, ..., n_classes - 1}``.

    Example:
        >>> X, y = make_spirals(300, n_classes=3, seed=0)
        >>> X.shape, np.bincount(y).tolist()
        ((300, 2), [100, 100, 100])
    """
    where = "make_spirals"
    k_total = _check_int("n_classes", n_classes, 1, where)
    n = _check_int("n_samples", n_samples, k_total, where)
    sigma = _nonnegative("noise", noise, where)
    rng = resolve(seed, where)
    parts = []
    for k, n_k in enumerate(_class_sizes(n, k_total)):
        r = np.linspace(0.0, 1.0, n_k)
        theta = np.linspace(4.0 * k, 4.0 * (k + 1), n_k)
        theta = theta + rng.normal(scale=sigma, size=n_k)
        parts.append(r[:, None] * np.stack([np.sin(theta), np.cos(theta)], axis=1))
    points = np.concatenate(parts)
    y = np.repeat(np.arange(k_total, dtype=np.int64), _class_sizes(n, k_total))
    return _finish(points, y, rng)


def make_blobs(
    n_samples: int = 100,
    centers: int | ArrayLike = 3,
    n_features: int = 2,
    noise: float = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    seed: Seed = None,
) -> Arrays:
    """Isotropic Gaussian clusters, as scikit-learn's ``make_blobs``.

    Class ``k`` is ``c_k + noise * randn(N_k, n_features)``: ``noise`` plays the part
    of scikit-learn's ``cluster_std``. If ``centers`` is an int ``K`` the centres
    ``c_k`` are drawn uniformly from ``center_box`` in every coordinate; otherwise
    ``centers`` is a ``(K, n_features)`` array of centres and ``n_features`` must
    match it.

    Args:
        n_samples: total number of points, at least ``K``; class sizes differ by at
            most one.
        centers: number of clusters ``K >= 1``, or the ``(K, n_features)`` centres.
        n_features: dimension of each point, at least 1.
        noise: standard deviation of each cluster, ``>= 0``.
        center_box: ``(low, high)`` bounds for random centres, ``low < high``.
        seed: int, ``np.random.Generator`` or ``None``.

    Returns:
        ``X`` (default float dtype) ``(n_samples, n_features)`` and ``y`` int64 ``(n_samples,)`` in
        ``{0, ..., K - 1}``.

    Example:
        >>> X, y = make_blobs(7, centers=[[0.0, 0.0], [5.0, 5.0]], noise=0.0, seed=0)
        >>> bool(np.all(X == np.array([[0.0, 0.0], [5.0, 5.0]])[y]))
        True
    """
    where = "make_blobs"
    d = _check_int("n_features", n_features, 1, where)
    sigma = _nonnegative("noise", noise, where)
    low, high = (float(v) for v in center_box)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(
            f"{where}: center_box must be finite (low, high) with low < high, "
            f"got {center_box}"
        )
    rng = resolve(seed, where)
    if _is_int(centers):
        k_total = _check_int("centers", centers, 1, where)
        c = rng.uniform(low, high, size=(k_total, d))
    else:
        c = np.asarray(centers, dtype=np.float64)
        if c.ndim != 2 or c.shape[0] < 1 or c.shape[1] != d:
            raise ValueError(
                f"{where}: centers must be an int or an array (K, n_features) = "
                f"(K, {d}) with K >= 1, got shape {c.shape}"
            )
        if not np.all(np.isfinite(c)):
            raise ValueError(f"{where}: centers must be finite")
        k_total = c.shape[0]
    n = _check_int("n_samples", n_samples, k_total, where)
    sizes = _class_sizes(n, k_total)
    y = np.repeat(np.arange(k_total, dtype=np.int64), sizes)
    points = c[y] + rng.normal(scale=sigma, size=(n, d))
    return _finish(points, y, rng)


def make_separable(
    n_samples: int = 100, noise: float = 0.0, margin: float = 0.1, seed: Seed = None
) -> Arrays:
    """Two classes in the unit square split by the line ``x1 + x2 = 1``.

    Points are uniform in the unit square away from the line: class 1 lies where the
    signed distance ``d = (x1 + x2 - 1) / sqrt(2)`` is at least ``margin / 2``, class 0
    where it is at most ``-margin / 2``. So with ``noise = 0`` the classes are linearly
    separable with an empty band of width ``margin`` between them, and logistic
    regression or a perceptron can reach zero training error. Each region is a right
    triangle; sampling it directly (rather than rejecting points) keeps the cost fixed
    for any margin. Then Gaussian noise of standard deviation ``noise`` is added to the
    features, which may push points across the line and out of ``[0, 1]``.

    Args:
        n_samples: total number of points, at least 2; class 0 gets ``n_samples // 2``.
        noise: standard deviation of the Gaussian noise on the features, ``>= 0``.
        margin: width of the empty band around the line, ``0 <= margin < sqrt(2)``.
        seed: int, ``np.random.Generator`` or ``None``.

    Returns:
        ``X`` (default float dtype) ``(n_samples, 2)`` and ``y`` int64 ``(n_samples,)`` in ``{0, 1}``.

    Example:
        >>> X, y = make_separable(100, margin=0.2, seed=0)
        >>> bool(np.all((X.sum(axis=1) > 1) == (y == 1)))
        True
    """
    where = "make_separable"
    n = _check_int("n_samples", n_samples, 2, where)
    sigma = _nonnegative("noise", noise, where)
    m = _nonnegative("margin", margin, where)
    if m >= math.sqrt(2.0):
        raise ValueError(
            f"{where}: margin must be < sqrt(2) (the square's diagonal), got {m}"
        )
    rng = resolve(seed, where)
    n0, n1 = n // 2, n - n // 2
    # Class 1 region {x1 + x2 >= s, x1 <= 1, x2 <= 1} with s = 1 + margin / sqrt(2) is
    # the triangle (1,1), (s-1,1), (1,s-1) whose legs have length 2 - s. Class 0 is its
    # mirror image through the centre (0.5, 0.5).
    leg = 1.0 - m / math.sqrt(2.0)

    def triangle(count: int) -> NDArray[np.float64]:
        # Uniform points in the triangle (0,0), (leg,0), (0,leg): fold the unit square's
        # upper half onto the lower one.
        u = rng.uniform(size=(count, 2))
        folded = u.sum(axis=1) > 1.0
        u[folded] = 1.0 - u[folded]
        return leg * u

    points = np.concatenate([triangle(n0), 1.0 - triangle(n1)])
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n0, n1])
    points = points + rng.normal(scale=sigma, size=points.shape)
    return _finish(points, y, rng)


# ---------------------------------------------------------------------------
# Real data
# ---------------------------------------------------------------------------


def load_digits(path: str | os.PathLike[str] | None = None) -> Arrays:
    """Load the UCI 8x8 handwritten digits: 1,797 images of the digits 0-9.

    Each image has 8 x 8 pixels with integer values ``0..16`` (counts of ink pixels in
    4 x 4 blocks of a 32 x 32 bitmap). They are flattened row by row and divided by 16.

    Args:
        path: the ``.npz`` file with ``images`` uint8 ``(1797, 8, 8)`` and ``labels``
            uint8 ``(1797,)``; defaults to ``demos/data/digits.npz`` in the repository.

    Returns:
        ``X`` (default float dtype) ``(1797, 64)`` in ``[0, 1]`` and ``y`` int64 ``(1797,)`` in
        ``{0, ..., 9}``.

    Raises:
        FileNotFoundError: the file does not exist (the message gives the path tried).
        ValueError: the file lacks the ``images`` or ``labels`` array or they disagree.

    Example:
        >>> X, y = load_digits()
        >>> X.shape, y[:5].tolist()
        ((1797, 64), [0, 1, 2, 3, 4])
    """
    file = DIGITS_PATH if path is None else Path(path)
    if not file.is_file():
        raise FileNotFoundError(
            f"load_digits: no digits file at {file.resolve()}; it ships with the "
            "repository as demos/data/digits.npz (see demos/data/README.md), "
            "or pass path="
        )
    with np.load(file) as data:
        missing = {"images", "labels"} - set(data.files)
        if missing:
            raise ValueError(f"load_digits: {file} lacks arrays {sorted(missing)}")
        images, labels = data["images"], data["labels"]
    if images.ndim != 3 or labels.shape != (len(images),):
        raise ValueError(
            f"load_digits: expected images (N, H, W) and labels (N,), "
            f"got {images.shape} and {labels.shape}"
        )
    points = images.reshape(len(images), -1).astype(get_default_dtype()) / 16
    return points, labels.astype(np.int64)
