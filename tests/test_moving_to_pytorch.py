"""docs/moving-to-pytorch.md with PyTorch present: the PyTorch blocks really ran.

tests/test_docs.py runs the page everywhere (blocks marked `<!-- requires: torch -->` only
where torch imports); this test needs torch (skipped without it; the CI runs it with a CPU
build when one is available) and checks that the trained weights reached the torch model and
that both gave the same outputs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from demos.doc_blocks import python_blocks, run_blocks

PAGE = Path(__file__).resolve().parent.parent / "docs" / "moving-to-pytorch.md"


def test_the_page_needs_torch_only_in_marked_blocks() -> None:
    blocks = python_blocks(PAGE)
    marked = [b for b in blocks if "torch" in b.requires]
    assert len(marked) >= 4
    for b in blocks:
        if "torch" not in b.requires:
            assert "torch." not in b.code, f"line {b.line}: uses torch without the marker"


def test_trained_here_loaded_into_torch_same_outputs(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    ns = run_blocks(PAGE, tmp_path)
    model, torch_model = ns["model"], ns["torch_model"]
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(torch_model.state_dict()[k].numpy(), v)
    x = np.random.default_rng(0).normal(size=(7, 2))
    with torch.no_grad():
        theirs = torch_model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(theirs, model(x).data, rtol=1e-12, atol=1e-12)
    assert (tmp_path / "moons.npz").exists()
    safetensors = pytest.importorskip("safetensors.torch")
    saved = safetensors.load_file(str(tmp_path / "moons.safetensors"))
    assert sorted(saved) == sorted(model.state_dict())
