"""Every demo runs in quick mode; its printed and returned numbers are the notebook's.

Graph pictures need a Graphviz renderer (the dev extra installs graphviz-pure, CI installs
Graphviz's dot). Without one these tests fail with the install instructions, unless
SEEGRAD_ALLOW_NO_RENDERER=1, which makes them skip instead.
"""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import demos
from demos import __main__ as cli
from demos import _common

ROOT = Path(__file__).resolve().parent.parent
MAX_PICTURE_BYTES = 200_000


@pytest.fixture
def renderer() -> None:
    """Require a Graphviz renderer: fail with the install hint, or skip if allowed."""
    from autograd.viz import HOW_TO_GET_ONE, RendererNotFoundError, find_renderer

    try:
        found = find_renderer()
    except RendererNotFoundError:  # SEEGRAD_DOT names no program
        found = None
    if found is None:
        if os.environ.get("SEEGRAD_ALLOW_NO_RENDERER") == "1":
            pytest.skip("no Graphviz renderer (SEEGRAD_ALLOW_NO_RENDERER=1)")
        pytest.fail("No Graphviz renderer found; the demos' graph pictures need one.\n" + HOW_TO_GET_ONE)


def run(name: str, out: Path) -> dict[str, Any]:
    return demos.run(name, out=out, quick=True)


def check_picture(path: Path) -> None:
    assert path.is_file(), path
    data = path.read_bytes()
    assert 0 < len(data) < MAX_PICTURE_BYTES, (path, len(data))
    if path.suffix == ".png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    elif path.suffix == ".svg":
        assert b"<svg" in data[:2000]


# -- the command line -------------------------------------------------------------------------
def test_list_names_every_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--list"]) == 0
    out = capsys.readouterr().out
    for name in demos.DEMOS:
        assert name in out
    assert "(the main demo)" in out


def test_unknown_demo_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["no-such-demo"]) == 2
    assert "no demo named 'no-such-demo'" in capsys.readouterr().err


def test_missing_extras_say_how_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now raises ImportError
    assert cli.main(["--quick", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "missing: tqdm" in err
    assert "pip install" in err
    assert not list(tmp_path.iterdir())  # failed before training or writing anything


def test_main_demo_runs_with_no_arguments(tmp_path: Path, renderer: None) -> None:
    """`python -m demos` (here with --quick) writes its three files to ./out and says where."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-m", "demos", "--quick"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    for name in ("moons_boundary.png", "moons_loss.png", "moons_graph.svg"):
        check_picture(tmp_path / "out" / name)
        assert str(Path("out") / name) in proc.stdout
    assert "train accuracy" in proc.stdout


# -- the main demo ------------------------------------------------------------------------------
def test_moons(tmp_path: Path, renderer: None) -> None:
    r = run("moons", tmp_path)
    assert r["train_accuracy"] >= 0.99
    assert r["test_accuracy"] >= 0.95
    assert [p.name for p in r["files"]] == [
        "moons_boundary.png", "moons_loss.png", "moons_graph.svg", "moons_network.svg"
    ]
    for p in r["files"]:
        check_picture(p)
    svg = (tmp_path / "moons_graph.svg").read_text()
    for label in ("layers.0.weight", "loss", "relu"):
        assert label in svg


def test_graph_falls_back_to_dot_text_without_a_renderer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import autograd as ag
    from autograd.viz import HOW_TO_GET_ONE, render

    monkeypatch.setattr(render, "find_renderer", lambda *a, **k: None)
    x = ag.tensor([1.0, 2.0], requires_grad=True, name="x")
    written = _common.save_graph(ag.draw((x * x).sum()), tmp_path / "g.svg")
    assert written == tmp_path / "g.dot"
    assert written.read_text().startswith("digraph")
    assert HOW_TO_GET_ONE in capsys.readouterr().out


# -- the notebook -------------------------------------------------------------------------------
def test_sigmoid_softmax(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = run("sigmoid-softmax", tmp_path)
    assert r["softmax_012_matches_notebook"]
    np.testing.assert_allclose(r["softmax_012"], [0.09003057, 0.24472847, 0.66524096], atol=5e-9)
    assert all(math.isnan(v) for v in r["naive_big"])
    assert any("overflow" in w for w in r["naive_warnings"])
    assert r["ours_big"] == r["softmax_012"]
    assert r["sigmoid_probe"][0] == 0.0
    assert r["sigmoid_probe"][2] == 0.5
    assert r["sigmoid_probe"][-1] == 1.0
    assert r["sigmoid_derivative_error"] < 1e-15
    out = capsys.readouterr().out
    assert "0.09003057" in out
    assert "RuntimeWarning: overflow encountered in exp" in out
    check_picture(tmp_path / "sigmoid_softmax.png")


def test_cross_entropy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = run("cross-entropy", tmp_path)
    for labels, expected in [((1, 1, 0), 0.6851790109107685), ((0, 0, 1), 5.115995809754082)]:
        ex = r["examples"][labels]
        for key in ("ours", "by_hand", "notebook_rerun"):
            assert abs(ex[key] - expected) < 1e-12, (labels, key)
        assert math.isclose(ex["probability_of_labels"], math.exp(-expected))
    assert round(r["examples"][(1, 1, 0)]["ours"], 2) == 0.69
    assert round(r["examples"][(0, 0, 1)]["ours"], 2) == 5.12
    np.testing.assert_allclose(r["examples"][(1, 1, 0)]["grad"], [-1 / 0.8, -1 / 0.7, 1 / 0.9])
    out = capsys.readouterr().out
    assert "0.68517901091076849" in out
    assert "5.1159958097540823" in out
    check_picture(tmp_path / "cross_entropy.png")


def test_logistic_lab_by_hand_and_by_backward_agree(tmp_path: Path) -> None:
    r = run("logistic-lab", tmp_path)
    assert r["max_abs_diff"] < 1e-12
    np.testing.assert_allclose(r["weights_backward"], r["weights_by_hand"], rtol=0, atol=1e-12)
    errors = r["errors"]
    assert all(b < a for a, b in itertools.pairwise(errors))
    assert r["accuracy"] >= 0.8
    check_picture(tmp_path / "logistic_lab.png")


def test_combine_models(tmp_path: Path, renderer: None, capsys: pytest.CaptureFixture[str]) -> None:
    r = run("combine-models", tmp_path)
    assert r["values"][(2, 6, -2)] == pytest.approx(0.9168273035060777, abs=1e-15)
    assert r["values"][(3, 5, -2.2)] == pytest.approx(0.8807970779778823, abs=1e-15)
    assert r["by_neuron"][(2, 6, -2)] == pytest.approx(0.9168273035060777, abs=1e-15)
    p = r["values"][(2, 6, -2)]
    assert r["grads"]["w1"] == pytest.approx(p * (1 - p) * 0.4, rel=1e-12)
    assert r["grads"]["b"] == pytest.approx(p * (1 - p), rel=1e-12)
    assert "0.91682730350607766" in capsys.readouterr().out
    check_picture(tmp_path / "combine_graph.svg")
    check_picture(tmp_path / "combine_models.png")


def test_backprop_explains_dE_dW11(tmp_path: Path, renderer: None) -> None:  # noqa: N802 - the course's name
    r = run("backprop", tmp_path)
    expected = r["by_hand"]["dE/dW11"]
    assert r["explain_matches"]
    assert r["explain_paths"] == 1
    for key in ("explain_total", "grad_w11", "mlp_grad_w11"):
        assert abs(r[key] - expected) < 1e-15, key
    assert r["error"] == pytest.approx(r["by_hand"]["E"], abs=1e-15)
    assert r["mlp_error"] == pytest.approx(r["by_hand"]["E"], abs=1e-15)
    text = (tmp_path / "backprop_explain.txt").read_text()
    assert "ds1/dh1 = d sigmoid(h1)/dh1 = s1*(1-s1)" in text
    assert "matches" in text
    check_picture(tmp_path / "backprop_graph.svg")
    network = (tmp_path / "backprop_network.svg").read_text()
    assert "W11 = 2<" in network
    assert f"dE/dW11 = {expected:.4g}<" in network


def test_spirals(tmp_path: Path) -> None:
    r = run("spirals", tmp_path)
    assert r["accuracy"] >= 0.95
    assert r["accuracy_linear"] < 0.7  # a straight-line classifier cannot follow the arms
    check_picture(tmp_path / "spirals.png")


# -- more demos ---------------------------------------------------------------------------------
def test_digits(tmp_path: Path) -> None:
    r = run("digits", tmp_path)
    assert r["test_accuracy"] >= 0.95
    assert r["dtype"] == "float32"
    confusion = r["confusion"]
    assert confusion.sum() == 359
    assert np.trace(confusion) / confusion.sum() == pytest.approx(r["test_accuracy"])
    assert r["train_seconds"] < 60
    check_picture(tmp_path / "digits.png")


@pytest.mark.slow
def test_cnn_digits_beats_the_mlp(tmp_path: Path) -> None:
    r = run("cnn-digits", tmp_path)
    assert r["test_accuracy"] > r["mlp_test_accuracy"] == 0.964
    assert r["losses"][-1] < 0.5 * r["losses"][0]
    assert r["filters"].shape == (16, 3, 3)
    check_picture(tmp_path / "cnn_digits.png")


def test_names_learns_and_writes_names(tmp_path: Path) -> None:
    from demos import names

    r = run("names", tmp_path)
    assert r["val_loss"] < names.QUICK_VAL_LOSS_TARGET  # the quick run's looser bound
    assert names.VAL_LOSS_TARGET < names.QUICK_VAL_LOSS_TARGET < np.log(27)
    assert np.mean(r["losses"][:20]) > np.mean(r["losses"][-50:]) + 0.8
    samples = r["samples"]
    assert len(samples) == 20
    assert all(s.isalpha() and s.islower() for s in samples if s)
    assert 3 <= np.mean([len(s) for s in samples]) <= 9  # name-like lengths
    assert r["novel"] >= 5  # it makes names up, not only recalls them
    check_picture(tmp_path / "names.png")


def test_gradcheck_names_the_buggy_op_and_line(tmp_path: Path) -> None:
    r = run("gradcheck", tmp_path)
    report = r["report"]
    assert r["culprit"] == "buggyswish"
    assert "The op with the wrong local derivative: buggyswish" in report
    assert "gradcheck_bug.py:" in report
    assert "op.apply(x @ w)" in report
    assert r["fixed_gradcheck"]
    assert r["fixed_gradgradcheck"]
    assert r["check_op_cases"] >= 3
    check_picture(tmp_path / "gradcheck.png")


def test_newton_with_hessian_vector_products(tmp_path: Path) -> None:
    r = run("newton", tmp_path)
    assert r["hvp_max_error"] < 1e-12
    assert r["step_max_error"] < 1e-10
    np.testing.assert_allclose(r["hessian"], r["hessian_closed"], rtol=0, atol=1e-12)
    norms = r["newton_grad_norms"]
    assert norms[-1] < 1e-12
    assert len(norms) <= 7
    # Quadratic convergence: each step at least squares the error (up to a constant).
    assert norms[3] < norms[2] ** 1.5
    assert len(r["gd_grad_norms"]) > 50
    assert r["gd_grad_norms"][20] > 1e3 * norms[3]
    check_picture(tmp_path / "newton.png")


def test_every_demo_is_tested() -> None:
    tested = {"moons", "sigmoid-softmax", "cross-entropy", "logistic-lab", "combine-models",
              "backprop", "spirals", "digits", "cnn-digits", "names", "gradcheck", "newton"}
    assert set(demos.DEMOS) == tested
