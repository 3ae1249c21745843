"""Module buffers, train/eval, ModuleList/ModuleDict, Dropout2d, all-or-nothing loading and
deep models (naming is iterative and linear)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
import nn.module as module_mod


class WithStats(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 2, rng=0)
        self.register_buffer("mean", ag.zeros(2))
        self.register_buffer("scratch", np.ones(3), persistent=False)
        self.register_buffer("later", None)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return self.lin(x) - self.mean


def test_buffers_are_state_but_not_parameters() -> None:
    m = WithStats()
    outer = nn.Sequential(m)
    assert [n for n, _ in outer.named_parameters()] == ["0.lin.weight", "0.lin.bias"]
    assert [n for n, _ in outer.named_buffers()] == ["0.mean", "0.scratch"]
    assert len(outer.buffers()) == 2
    assert not m.mean.requires_grad
    # PyTorch's order: a module's own parameters and buffers, then its children; not the non-persistent
    assert list(outer.state_dict()) == ["0.mean", "0.lin.weight", "0.lin.bias"]
    state = outer.state_dict()
    state["0.mean"] = np.array([1.0, 2.0])
    outer.load_state_dict(state)
    np.testing.assert_array_equal(m.mean.data, [1.0, 2.0])
    m.mean = ag.tensor([5.0, 6.0])  # replacing the value keeps it a buffer
    assert outer.state_dict()["0.mean"].tolist() == [5.0, 6.0]
    with pytest.raises(KeyError, match="attribute 'lin' already exists and is not a buffer"):
        m.register_buffer("lin", np.zeros(1))
    with pytest.raises(KeyError, match=r"without '\.'"):
        m.register_buffer("a.b", np.zeros(1))
    with pytest.raises(TypeError, match="is a Parameter"):
        m.register_buffer("p", nn.Parameter([1.0]))
    # Another instance of the class has its own buffer registry.
    assert [n for n, _ in nn.Linear(1, 1).named_buffers()] == []


def test_train_and_eval_reach_every_child() -> None:
    inner = nn.ModuleList([nn.Dropout(0.5), nn.ModuleDict({"d": nn.Dropout2d()})])
    model = nn.Sequential(nn.Linear(2, 2), inner)
    model.eval()
    assert [m.training for m in model.modules()] == [False] * 6
    model.train()
    assert all(m.training for m in model.modules())


def test_module_list_and_dict_are_named_like_torch() -> None:
    blocks = nn.ModuleList([nn.Linear(2, 2, rng=0)])
    blocks.append(nn.Linear(2, 1, rng=1))
    blocks.insert(0, nn.Identity())
    heads = nn.ModuleDict({"x": nn.Linear(1, 1, rng=0)})
    heads["y"] = nn.Linear(1, 2, rng=0)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blocks = blocks
            self.heads = heads

    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == [
        "blocks.1.weight",
        "blocks.1.bias",
        "blocks.2.weight",
        "blocks.2.bias",
        "heads.x.weight",
        "heads.x.bias",
        "heads.y.weight",
        "heads.y.bias",
    ]
    assert blocks[2].weight.name == "blocks.2.weight"
    assert len(blocks) == 3
    assert len(blocks[1:]) == 2
    assert list(heads) == ["x", "y"]
    assert "x" in heads
    assert heads.keys() == ["x", "y"]
    with pytest.raises(TypeError, match=r"ModuleList\.append: the item is a int, not a Module"):
        blocks.append(3)  # type: ignore[arg-type]
    with pytest.raises(KeyError, match=r"without '\.'"):
        heads["a.b"] = nn.Identity()
    with pytest.raises(NotImplementedError, match="ModuleList has no forward"):
        blocks(1.0)


def test_dropout2d_drops_whole_channels() -> None:
    d = nn.Dropout2d(0.5, rng=0)
    x = ag.ones(8, 6, 3, 3)
    y = d(x).data
    per_channel = y.reshape(8, 6, 9)
    assert np.all((per_channel == 0).all(axis=2) | (per_channel == 2.0).all(axis=2))
    assert 0 < (per_channel[:, :, 0] == 0).sum() < 48
    d.eval()
    assert d(x) is x
    with pytest.raises(ValueError, match=r"Dropout2d: expected an input of shape \(N, C, H, W\)"):
        d(ag.ones(2, 3))


# -- all-or-nothing loading (checked before anything is copied) ---------------------------------
def _model() -> nn.Module:
    return nn.Sequential(nn.Linear(2, 2, rng=0), nn.Linear(2, 1, rng=1))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "1.weight",
            np.zeros((1, 2), dtype=np.complex128),
            r"dtype mismatch for '1.weight': cannot load complex128",
        ),
        ("1.weight", np.array([["a", "b"]]), r"dtype mismatch for '1.weight'"),
        ("1.bias", np.array([1e300]), r"'1.bias' has values too large for float32"),
        ("1.bias", np.array([np.nan]), r"'1.bias' has values that are not finite"),
        ("1.weight", np.zeros((2, 1)), r"shape mismatch for '1.weight'"),
    ],
)
def test_a_bad_later_entry_leaves_every_value_untouched(key: str, value: np.ndarray, message: str) -> None:
    ag.set_default_dtype(np.float32)
    model = _model()
    before = model.state_dict()
    state = {k: v + 1.0 for k, v in before.items()}  # every earlier entry would change
    state[key] = value
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(state)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_loading_casts_to_the_model_dtype_and_moves_integer_buffers() -> None:
    ag.set_default_dtype(np.float32)
    model = _model()
    state = {k: v.astype(np.float64) + 1.0 for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    assert model[0].weight.dtype == np.float32
    np.testing.assert_allclose(model[0].weight.data, state["0.weight"], rtol=1e-6)

    m = WithStats()
    m.register_buffer("count", np.array(0, dtype=np.int64))
    state = m.state_dict()
    state["count"] = np.array(7)
    m.load_state_dict(state)
    assert m.count.item() == 7
    assert m.count.dtype == np.int64
    state["count"] = np.array(2.5)
    with pytest.raises(ValueError, match="dtype mismatch for 'count': cannot load float64 values into int64"):
        m.load_state_dict(state)


# -- deep models ---------------------------------------------------------------------------------
class Wrap(nn.Module):
    def __init__(self, inner: nn.Module | None) -> None:
        super().__init__()
        self.inner = inner
        self.p = nn.Parameter([1.0])


def test_a_model_nested_1000_deep_builds_in_linear_time(monkeypatch: pytest.MonkeyPatch) -> None:
    links = []
    real = module_mod._link
    monkeypatch.setattr(module_mod, "_link", lambda *a: links.append(1) or real(*a))
    m = Wrap(None)
    for _ in range(1000):
        m = Wrap(m)  # one link per member: no renaming of the subtree below
    assert len(links) <= 2 * 1001
    names = [n for n, _ in m.named_parameters()]
    assert names[-1] == "p"
    assert names[0] == "inner." * 1000 + "p"
    inner = m
    for _ in range(500):
        inner = inner.inner
    assert inner.p.name == "inner." * 500 + "p"  # full names, after wrapping, without a walk
    assert m._name is None
    assert inner._name == ".".join(["inner"] * 500)
    assert repr(m).count("Wrap(") == 1001
    assert len(m.state_dict()) == 1001
    assert len(list(m.modules())) == 1001


def test_a_name_given_by_hand_wins_and_a_dead_parent_leaves_no_prefix() -> None:
    p = nn.Parameter([1.0])
    w = Wrap(None)
    w.p = p
    outer = Wrap(w)
    assert p.name == "inner.p"
    p.name = "mine"
    assert p.name == "mine"
    lin = nn.Linear(1, 1)
    holder = nn.Sequential(lin)
    assert lin.weight.name == "0.weight"
    del holder
    import gc

    gc.collect()
    assert lin.weight.name == "weight"
    assert outer.inner is w
