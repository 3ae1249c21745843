"""Tests for nn.data: dataset generators, minibatch iteration and the digits file."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nn.data import (
    DataLoader,
    batches,
    load_digits,
    make_blobs,
    make_circles,
    make_moons,
    make_separable,
    make_spirals,
)

DIGITS_NPZ = Path(__file__).resolve().parent.parent / "demos" / "data" / "digits.npz"
DIGITS_CONTENT_SHA256 = (
    "87ff0c9e40dc7e2c0e34e7257799c2e3f3aec1a016363bb11cad869ec428a826"
)
DIGITS_CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]

# (generator, number of classes at its defaults); every one takes n_samples/noise/seed.
GENERATORS: list[tuple[Callable[..., Any], int]] = [
    (make_moons, 2),
    (make_circles, 2),
    (make_spirals, 3),
    (make_blobs, 3),
    (make_separable, 2),
]
GEN_IDS = [g.__name__ for g, _ in GENERATORS]


# ---------------------------------------------------------------------------
# Generators: common contract
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("make", "n_classes"), GENERATORS, ids=GEN_IDS)
@pytest.mark.parametrize("n_samples", [2 * 3 * 5, 31, 100])
def test_shapes_dtypes_and_balance(
    make: Callable[..., Any], n_classes: int, n_samples: int
) -> None:
    x, y = make(n_samples=n_samples, noise=0.1, seed=0)
    assert x.shape == (n_samples, 2)
    assert x.dtype == np.float64
    assert y.shape == (n_samples,)
    assert y.dtype == np.int64
    assert np.all(np.isfinite(x))
    counts = np.bincount(y, minlength=n_classes)
    assert len(counts) == n_classes  # labels are exactly 0 .. K-1
    assert counts.sum() == n_samples
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize(("make", "n_classes"), GENERATORS, ids=GEN_IDS)
def test_same_seed_same_data_different_seed_different(
    make: Callable[..., Any], n_classes: int
) -> None:
    x1, y1 = make(n_samples=60, noise=0.1, seed=3)
    x2, y2 = make(n_samples=60, noise=0.1, seed=3)
    x3, y3 = make(n_samples=60, noise=0.1, seed=4)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)
    assert not np.array_equal(y1, y3)  # the shuffled order depends on the seed too


@pytest.mark.parametrize(("make", "n_classes"), GENERATORS, ids=GEN_IDS)
def test_generator_as_seed_is_drawn_from(
    make: Callable[..., Any], n_classes: int
) -> None:
    rng = np.random.default_rng(5)
    a, _ = make(n_samples=40, noise=0.1, seed=rng)
    b, _ = make(n_samples=40, noise=0.1, seed=rng)  # the generator has advanced
    c, _ = make(n_samples=40, noise=0.1, seed=np.random.default_rng(5))
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize(("make", "n_classes"), GENERATORS, ids=GEN_IDS)
def test_classes_are_interleaved(make: Callable[..., Any], n_classes: int) -> None:
    _, y = make(n_samples=100, noise=0.0, seed=0)
    # Unshuffled output would be sorted by class.
    assert np.any(np.diff(y) < 0)


@pytest.mark.parametrize(("make", "n_classes"), GENERATORS, ids=GEN_IDS)
def test_noise_is_gaussian_with_given_std(
    make: Callable[..., Any], n_classes: int
) -> None:
    # noise=0 still draws the same normals (scaled by 0), so with one seed both calls
    # share base points and shuffle order and differ by the noise alone.
    x0, y0 = make(n_samples=20_000, noise=0.0, seed=1)
    x, y = make(n_samples=20_000, noise=0.3, seed=1)
    np.testing.assert_array_equal(y, y0)
    if make is make_spirals:
        # The spiral's noise is on the angle: radii are unchanged.
        np.testing.assert_allclose(np.hypot(*x.T), np.hypot(*x0.T), atol=1e-12)
        keep = np.hypot(*x0.T) > 1e-6  # the angle is undefined at the origin
        diff = np.arctan2(x[keep, 0], x[keep, 1]) - np.arctan2(x0[keep, 0], x0[keep, 1])
        residual = np.angle(np.exp(1j * diff))[:, None]  # wrap to (-pi, pi]
    else:
        residual = x - x0
    np.testing.assert_allclose(residual.std(axis=0), 0.3, rtol=0.03)
    np.testing.assert_allclose(residual.mean(axis=0), 0.0, atol=0.01)


@pytest.mark.parametrize(("make", "n_classes"), GENERATORS, ids=GEN_IDS)
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_samples": -5}, ValueError, "n_samples must be >= "),
        ({"n_samples": 1}, ValueError, "n_samples must be >= "),
        ({"n_samples": 10.0}, TypeError, "n_samples must be an int"),
        ({"n_samples": True}, TypeError, "n_samples must be an int"),
        ({"noise": -0.1}, ValueError, "noise must be a finite number >= 0"),
        ({"noise": float("nan")}, ValueError, "noise must be a finite number >= 0"),
        ({"noise": float("inf")}, ValueError, "noise must be a finite number >= 0"),
        ({"noise": "0.1"}, TypeError, "noise must be a real number"),
        (
            {"seed": 1.5},
            TypeError,
            "seed must be an int, a np.random.Generator or None",
        ),
        ({"seed": -1}, ValueError, "seed must be >= 0"),
    ],
    ids=lambda v: str(v) if isinstance(v, dict) else "",
)
def test_generator_argument_errors(
    make: Callable[..., Any],
    n_classes: int,
    kwargs: dict[str, Any],
    error: type[Exception],
    match: str,
) -> None:
    with pytest.raises(error, match=f"{make.__name__}: {match}"):
        make(**kwargs)


# ---------------------------------------------------------------------------
# Generators: exact geometry with noise = 0
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("n_samples", [100, 7])
def test_moons_geometry(n_samples: int) -> None:
    x, y = make_moons(n_samples=n_samples, noise=0.0, seed=0)
    n_out, n_in = n_samples // 2, n_samples - n_samples // 2
    upper, lower = x[y == 0], x[y == 1]
    assert len(upper) == n_out
    assert len(lower) == n_in
    # Upper moon: (cos t, sin t) on the unit circle at the origin, t evenly in [0, pi].
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-12)
    t = np.sort(np.arctan2(upper[:, 1], upper[:, 0]))
    np.testing.assert_allclose(t, np.linspace(0, np.pi, n_out), atol=1e-12)
    # Lower moon: (1 - cos t, 1 - sin t - 0.5), on the unit circle at (1, 0.5).
    shifted = np.array([1.0, 0.5]) - lower  # = (cos t, sin t)
    np.testing.assert_allclose(np.hypot(*shifted.T), 1.0, atol=1e-12)
    t = np.sort(np.arctan2(shifted[:, 1], shifted[:, 0]))
    np.testing.assert_allclose(t, np.linspace(0, np.pi, n_in), atol=1e-12)


def sorted_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Rows of (label, x1, x2) in a canonical order, to compare point sets."""
    rows = np.column_stack([y, x])
    keys = np.round(rows, 9)
    return rows[np.lexsort(keys.T[::-1])]


# Output of scikit-learn 1.9.1 with n_samples=7, noise=None, shuffle=False (factor=0.5
# for circles), copied here so the tests do not need scikit-learn.
SKLEARN_MOONS_7 = (
    [
        [1.0, 0.0],
        [6.123233995736766e-17, 1.0],
        [-1.0, 1.2246467991473532e-16],
        [0.0, 0.5],
        [0.4999999999999999, -0.3660254037844386],
        [1.4999999999999998, -0.3660254037844387],
        [2.0, 0.4999999999999999],
    ],
    [0, 0, 0, 1, 1, 1, 1],
)
SKLEARN_CIRCLES_7 = (
    [
        [1.0, 0.0],
        [-0.4999999999999998, 0.8660254037844387],
        [-0.5000000000000004, -0.8660254037844384],
        [0.5, 0.0],
        [3.061616997868383e-17, 0.5],
        [-0.5, 6.123233995736766e-17],
        [-9.184850993605148e-17, -0.5],
    ],
    [0, 0, 0, 1, 1, 1, 1],
)


@pytest.mark.parametrize(
    ("make", "reference"),
    [(make_moons, SKLEARN_MOONS_7), (make_circles, SKLEARN_CIRCLES_7)],
    ids=["moons", "circles"],
)
def test_matches_scikit_learn_points(
    make: Callable[..., Any], reference: tuple[list[list[float]], list[int]]
) -> None:
    x, y = make(n_samples=7, noise=0.0, seed=0)
    expected = sorted_rows(np.array(reference[0]), np.array(reference[1]))
    np.testing.assert_allclose(sorted_rows(x, y), expected, atol=1e-12)


@pytest.mark.parametrize("factor", [0.0, 0.3, 0.8])
def test_circles_geometry(factor: float) -> None:
    x, y = make_circles(n_samples=41, noise=0.0, factor=factor, seed=0)
    r = np.hypot(*x.T)
    np.testing.assert_allclose(r[y == 0], 1.0, atol=1e-12)
    np.testing.assert_allclose(r[y == 1], factor, atol=1e-12)
    # Outer angles evenly spaced over the full turn with no duplicated endpoint.
    t = np.sort(np.mod(np.arctan2(x[y == 0, 1], x[y == 0, 0]), 2 * np.pi))
    np.testing.assert_allclose(
        t, np.linspace(0, 2 * np.pi, 20, endpoint=False), atol=1e-9
    )


@pytest.mark.parametrize("factor", [-0.1, 1.0, 1.5])
def test_circles_factor_out_of_range(factor: float) -> None:
    with pytest.raises(ValueError, match=r"make_circles: factor must be"):
        make_circles(factor=factor)


@pytest.mark.parametrize(("n_samples", "n_classes"), [(300, 3), (50, 4), (7, 1)])
def test_spirals_geometry(n_samples: int, n_classes: int) -> None:
    x, y = make_spirals(n_samples=n_samples, n_classes=n_classes, noise=0.0, seed=0)
    for k in range(n_classes):
        arm = x[y == k]
        n_k = len(arm)
        r = np.hypot(*arm.T)
        order = np.argsort(r)
        np.testing.assert_allclose(r[order], np.linspace(0, 1, n_k), atol=1e-12)
        theta = np.linspace(4.0 * k, 4.0 * (k + 1), n_k)
        expected = np.linspace(0, 1, n_k)[:, None] * np.stack(
            [np.sin(theta), np.cos(theta)], axis=1
        )
        np.testing.assert_allclose(arm[order], expected, atol=1e-12)


def test_spirals_errors() -> None:
    with pytest.raises(ValueError, match="make_spirals: n_classes must be >= 1"):
        make_spirals(n_classes=0)
    with pytest.raises(ValueError, match="make_spirals: n_samples must be >= 5"):
        make_spirals(n_samples=4, n_classes=5)


def test_blobs_random_centers_and_features() -> None:
    x, y = make_blobs(n_samples=50, centers=4, n_features=3, noise=0.0, seed=0)
    assert x.shape == (50, 3)
    assert np.bincount(y).tolist() == [13, 13, 12, 12]
    centers = np.unique(x, axis=0)
    assert centers.shape == (4, 3)  # noise=0: every point sits on its centre
    assert np.all((centers >= -10) & (centers <= 10))
    for k in range(4):
        assert len(np.unique(x[y == k], axis=0)) == 1


def test_blobs_given_centers_and_box() -> None:
    c = np.array([[1.0, 2.0], [-3.0, 4.0], [0.5, -0.5]])
    x, y = make_blobs(n_samples=9, centers=c, noise=0.0, seed=0)
    np.testing.assert_array_equal(x, c[y])
    x, _ = make_blobs(n_samples=30, centers=5, noise=0.0, center_box=(2.0, 3.0), seed=0)
    assert np.all((x >= 2.0) & (x <= 3.0))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"centers": 0}, ValueError, "centers must be >= 1"),
        (
            {"centers": [[0.0, 0.0, 0.0]]},
            ValueError,
            r"centers must be an int or an array",
        ),
        ({"centers": [0.0, 1.0]}, ValueError, r"centers must be .* got shape \(2,\)"),
        ({"centers": [[0.0, np.nan]]}, ValueError, "centers must be finite"),
        ({"n_features": 0}, ValueError, "n_features must be >= 1"),
        ({"center_box": (1.0, 1.0)}, ValueError, "center_box must be finite"),
        ({"n_samples": 2, "centers": 3}, ValueError, "n_samples must be >= 3"),
    ],
)
def test_blobs_errors(
    kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=f"make_blobs: {match}"):
        make_blobs(**kwargs)


@pytest.mark.parametrize("margin", [0.0, 0.1, 0.5, 1.2])
def test_separable_respects_line_and_margin(margin: float) -> None:
    x, y = make_separable(n_samples=500, noise=0.0, margin=margin, seed=0)
    assert np.all((x >= 0.0) & (x <= 1.0))
    d = (x.sum(axis=1) - 1.0) / math.sqrt(2.0)  # signed distance to x1 + x2 = 1
    assert np.all(d[y == 1] >= margin / 2 - 1e-12)
    assert np.all(d[y == 0] <= -margin / 2 + 1e-12)
    # The points fill their regions: some come close to the band's edge.
    assert d[y == 1].min() < margin / 2 + 0.05
    assert d[y == 0].max() > -margin / 2 - 0.05


def test_separable_is_learnt_by_a_perceptron() -> None:
    x, y = make_separable(n_samples=100, noise=0.0, margin=0.1, seed=1)
    xa = np.hstack([x, np.ones((len(x), 1))])
    target = 2 * y - 1
    w = np.zeros(3)
    # Novikoff: at most (R / gamma)^2 updates, R = sqrt(3) and gamma >= 0.05 / sqrt(1.5)
    # for the normalised (1, 1, -1) separator, i.e. under 2000; allow more than that.
    for _ in range(5000):
        wrong = np.flatnonzero(target * (xa @ w) <= 0)
        if len(wrong) == 0:
            break
        w += target[wrong[0]] * xa[wrong[0]]
    assert np.all(target * (xa @ w) > 0)


def test_separable_noise_mixes_the_classes() -> None:
    x, y = make_separable(n_samples=1000, noise=0.2, margin=0.1, seed=0)
    wrong_side = (x.sum(axis=1) > 1.0) != (y == 1)
    assert 0.01 < wrong_side.mean() < 0.5


@pytest.mark.parametrize("margin", [-0.1, math.sqrt(2.0), 2.0])
def test_separable_margin_out_of_range(margin: float) -> None:
    with pytest.raises(ValueError, match="make_separable: margin must be"):
        make_separable(margin=margin)


# ---------------------------------------------------------------------------
# batches and DataLoader
# ---------------------------------------------------------------------------


class FakeTensor:
    """Stands in for autograd.Tensor: only the ``.data`` ndarray matters here."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = data


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize(
    ("n", "batch_size"), [(10, 3), (10, 5), (10, 10), (3, 8), (0, 4)]
)
def test_batches_cover_every_sample_once(
    n: int, batch_size: int, shuffle: bool
) -> None:
    x = np.arange(n * 2).reshape(n, 2)
    y = np.arange(n)
    got = list(batches(x, y, batch_size=batch_size, shuffle=shuffle, seed=0))
    assert len(got) == math.ceil(n / batch_size)
    assert all(len(xb) == batch_size for xb, _ in got[:-1])
    ys = np.concatenate([yb for _, yb in got]) if got else np.array([], dtype=int)
    assert sorted(ys.tolist()) == list(range(n))
    for xb, yb in got:  # rows stay aligned across arrays
        np.testing.assert_array_equal(xb, x[yb])
    if not shuffle:
        np.testing.assert_array_equal(ys, y)


@pytest.mark.parametrize(
    ("n", "batch_size", "expected"), [(10, 3, 3), (9, 3, 3), (2, 3, 0)]
)
def test_batches_drop_last(n: int, batch_size: int, expected: int) -> None:
    got = list(batches(np.arange(n), batch_size=batch_size, drop_last=True))
    assert len(got) == expected
    assert all(len(b) == batch_size for (b,) in got)
    loader = DataLoader(np.arange(n), batch_size=batch_size, drop_last=True)
    assert len(loader) == expected == len(list(loader))


def test_batches_shuffle_is_seeded() -> None:
    def order(seed: int) -> list[int]:
        loader = batches(np.arange(50), batch_size=7, shuffle=True, seed=seed)
        return [int(v) for (b,) in loader for v in b]

    assert order(0) == order(0)
    assert order(0) != order(1)
    assert order(0) != list(range(50))


def test_batches_yield_copies_and_accept_tensors_and_lists() -> None:
    x = np.arange(6.0).reshape(3, 2)
    ((xb, yb, zb),) = batches(FakeTensor(x), [1, 2, 3], x, batch_size=3)
    assert isinstance(xb, np.ndarray)
    assert isinstance(yb, np.ndarray)
    np.testing.assert_array_equal(xb, x)
    assert yb.tolist() == [1, 2, 3]
    zb[0, 0] = 99.0  # editing a batch must not touch the data
    assert x[0, 0] == 0.0


@pytest.mark.parametrize("cls_or_fn", ["batches", "DataLoader"])
def test_length_mismatch_names_the_lengths(cls_or_fn: str) -> None:
    fn = batches if cls_or_fn == "batches" else DataLoader
    with pytest.raises(ValueError, match=rf"{cls_or_fn}: .*got lengths \[5, 4\]"):
        fn(np.zeros((5, 2)), np.zeros(4), batch_size=2)


@pytest.mark.parametrize("cls_or_fn", ["batches", "DataLoader"])
@pytest.mark.parametrize(
    ("batch_size", "error", "match"),
    [
        (0, ValueError, "batch_size must be >= 1, got 0"),
        (-3, ValueError, "batch_size must be >= 1, got -3"),
        (2.0, TypeError, "batch_size must be an int"),
        (True, TypeError, "batch_size must be an int"),
        (None, TypeError, "batch_size must be an int"),
    ],
)
def test_batch_size_errors(
    cls_or_fn: str, batch_size: Any, error: type[Exception], match: str
) -> None:
    fn = batches if cls_or_fn == "batches" else DataLoader
    # Raised at the call, not at the first next(): batches is not a lazy generator.
    with pytest.raises(error, match=f"{cls_or_fn}: {match}"):
        fn(np.zeros(4), batch_size=batch_size)


def test_numpy_integer_batch_size_is_accepted() -> None:
    assert len(list(batches(np.zeros(10), batch_size=np.int64(4)))) == 3


def test_no_arrays_and_scalar_arrays_are_rejected() -> None:
    with pytest.raises(ValueError, match="batches: need at least one array"):
        batches(batch_size=2)
    with pytest.raises(ValueError, match="DataLoader: array 1 is 0-dimensional"):
        DataLoader(np.zeros(3), np.float64(1.0))


def test_dataloader_len_and_batch_sizes() -> None:
    loader = DataLoader(np.arange(10), np.arange(10), batch_size=4)
    assert len(loader) == 3
    assert [len(xb) for xb, _ in loader] == [4, 4, 2]
    assert loader.num_samples == 10
    assert "batch_size=4" in repr(loader)


def epoch_orders(loader: DataLoader, epochs: int) -> list[list[int]]:
    return [np.concatenate([b for (b,) in loader]).tolist() for _ in range(epochs)]


def test_dataloader_epochs_reshuffle_deterministically() -> None:
    a = epoch_orders(DataLoader(np.arange(40), batch_size=6, shuffle=True, seed=7), 3)
    b = epoch_orders(DataLoader(np.arange(40), batch_size=6, shuffle=True, seed=7), 3)
    c = epoch_orders(DataLoader(np.arange(40), batch_size=6, shuffle=True, seed=8), 3)
    assert a == b
    assert a != c
    assert len({tuple(o) for o in a}) == 3  # each epoch has its own order
    assert all(sorted(o) == list(range(40)) for o in a)


def test_dataloader_epoch_depends_only_on_seed_and_epoch() -> None:
    full = epoch_orders(
        DataLoader(np.arange(30), batch_size=4, shuffle=True, seed=3), 3
    )
    resumed = DataLoader(np.arange(30), batch_size=4, shuffle=True, seed=3)
    resumed.epoch = 2
    assert epoch_orders(resumed, 1)[0] == full[2]
    assert resumed.epoch == 3


def test_dataloader_without_shuffle_keeps_order_every_epoch() -> None:
    orders = epoch_orders(DataLoader(np.arange(9), batch_size=2), 2)
    assert orders == [list(range(9))] * 2


def test_dataloader_seed_none_and_generator_are_replayable() -> None:
    loader = DataLoader(np.arange(20), batch_size=5, shuffle=True)
    replay = DataLoader(np.arange(20), batch_size=5, shuffle=True, seed=loader.seed)
    assert epoch_orders(loader, 2) == epoch_orders(replay, 2)
    g1 = DataLoader(
        np.arange(20), batch_size=5, shuffle=True, seed=np.random.default_rng(0)
    )
    g2 = DataLoader(
        np.arange(20), batch_size=5, shuffle=True, seed=np.random.default_rng(0)
    )
    assert g1.seed == g2.seed
    assert epoch_orders(g1, 1) == epoch_orders(g2, 1)


def test_dataloader_seed_errors() -> None:
    with pytest.raises(TypeError, match="DataLoader: seed must be an int"):
        DataLoader(np.zeros(3), batch_size=1, seed="0")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="DataLoader: seed must be >= 0"):
        DataLoader(np.zeros(3), batch_size=1, seed=-2)


# ---------------------------------------------------------------------------
# Digits
# ---------------------------------------------------------------------------


def test_digits_file_contents() -> None:
    with np.load(DIGITS_NPZ) as data:
        assert sorted(data.files) == ["images", "labels"]
        images, labels = data["images"], data["labels"]
    assert images.shape == (1797, 8, 8)
    assert images.dtype == np.uint8
    assert labels.shape == (1797,)
    assert labels.dtype == np.uint8
    assert images.min() == 0
    assert images.max() == 16
    digest = hashlib.sha256(
        np.ascontiguousarray(images).tobytes() + np.ascontiguousarray(labels).tobytes()
    ).hexdigest()
    assert digest == DIGITS_CONTENT_SHA256


def test_load_digits() -> None:
    x, y = load_digits()
    assert x.shape == (1797, 64)
    assert x.dtype == np.float64
    assert y.shape == (1797,)
    assert y.dtype == np.int64
    assert x.min() == 0.0
    assert x.max() == 1.0
    # Pixels are multiples of 1/16, i.e. the stored 0..16 counts divided by 16.
    np.testing.assert_array_equal(x * 16, np.round(x * 16))
    assert np.bincount(y).tolist() == DIGITS_CLASS_COUNTS
    # First image of the set is a zero; its top row is 0 0 5 13 9 1 0 0.
    assert y[0] == 0
    np.testing.assert_array_equal(x[0, :8] * 16, [0, 0, 5, 13, 9, 1, 0, 0])


def test_load_digits_explicit_path_and_missing_file(tmp_path: Path) -> None:
    x, _ = load_digits(DIGITS_NPZ)
    assert x.shape == (1797, 64)
    missing = tmp_path / "nope.npz"
    with pytest.raises(FileNotFoundError, match=r"nope\.npz"):
        load_digits(missing)
    bad = tmp_path / "bad.npz"
    np.savez(bad, images=np.zeros((2, 8, 8), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"lacks arrays \['labels'\]"):
        load_digits(bad)
