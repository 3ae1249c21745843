"""docs/tutorial.ipynb: generated from docs/tutorial.md (they cannot drift), and it runs.

The execution test starts a real Jupyter kernel with nbclient, runs every cell in order and
fails on any error; it also checks that the pictures show inline (`ag.draw` as a cell's last
expression gives an SVG output) and that a tensor shows as its HTML card.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from demos import gen_notebook

NOTEBOOK = gen_notebook.TARGET


def test_notebook_is_generated_from_the_markdown() -> None:
    assert NOTEBOOK.read_text(encoding="utf-8") == gen_notebook.generate(), (
        "docs/tutorial.ipynb is out of date: run `python -m demos.gen_notebook`"
    )


def test_every_code_block_is_a_cell_and_pictures_are_not_doubled() -> None:
    from demos.doc_blocks import python_blocks

    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert [c.strip() for c in code] == [b.code.strip() for b in python_blocks(gen_notebook.SOURCE)]
    markdown = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "images/combine_graph.svg" not in markdown  # drawn live by its ag.draw cell instead
    assert "images/moons_boundary.png" in markdown  # the demos' pictures stay
    assert gen_notebook.OMIT not in markdown


def test_generator_rules(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# T\n\nintro\n\n```python\na = 1\n```\n\n<!-- skip -->\n```python\nraise SystemExit\n```\n\n"
        "```text\nout\n```\n\n<!-- notebook: omit -->\n![pic](p.png)\n\nend\n",
        encoding="utf-8",
    )
    nb = json.loads(gen_notebook.generate(page))
    kinds = [c["cell_type"] for c in nb["cells"]]
    assert kinds == ["markdown", "code", "markdown"]
    assert nb["cells"][1]["source"] == ["a = 1"]
    tail = "".join(nb["cells"][2]["source"])
    assert "raise SystemExit" in tail
    assert "out" in tail
    assert "p.png" not in tail
    assert tail.endswith("end")


@pytest.mark.slow
def test_notebook_executes_without_error(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    nbformat.validate(nb)
    # Run in a scratch folder (as the docs tests run the page), pictures relative to docs/.
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = {
        "".join(c.source).strip(): c.outputs for c in nb.cells if c.cell_type == "code"
    }
    for source in ("ag.draw(p)", 'ag.draw(E, highlight=W["W11"])'):
        data = [o.get("data", {}) for o in outputs[source]]
        assert any("image/svg+xml" in d for d in data), (source, outputs[source])
        svg = next(d["image/svg+xml"] for d in data if "image/svg+xml" in d)
        assert "<svg" in svg
    explorer = [o.get("data", {}) for o in outputs["ag.explore(E)"]]
    assert any("text/html" in d for d in explorer), outputs["ag.explore(E)"]
    card = [o.get("data", {}) for o in outputs["x"]]
    assert any("text/html" in d and "requires_grad" in d["text/html"] for d in card)
