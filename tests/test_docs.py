"""The docs cannot rot: every ```python block in README.md and docs/*.md runs, the op table in
docs/reference.md is the one generated from the registry, and every picture and link resolves.

Blocks run in order, one namespace per file, in a fresh temporary working directory. A block
that must not run is fenced as ```text, or preceded by a `<!-- skip -->` line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import autograd as ag
from demos import gen_reference
from demos.doc_blocks import python_blocks, run_blocks

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
MAX_PICTURE_BYTES = 200_000
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("page", [p for p in PAGES if python_blocks(p)], ids=_page_id)
def test_code_blocks_run(page: Path, tmp_path: Path) -> None:
    from autograd.viz import RendererNotFoundError

    try:
        run_blocks(page, tmp_path, quiet=False)
    except RendererNotFoundError:
        if os.environ.get("SEEGRAD_ALLOW_NO_RENDERER") == "1":
            pytest.skip("no Graphviz renderer (SEEGRAD_ALLOW_NO_RENDERER=1)")
        raise


def test_block_extraction_follows_the_markers(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# t\n\n```python\na = 1\n```\n\n<!-- skip -->\n\n```python\nraise SystemExit\n```\n\n"
        "```text\nnot code\n```\n\n- item\n\n  ```python\n  b = a + 1\n  ```\n",
        encoding="utf-8",
    )
    blocks = python_blocks(page)
    assert [b.code for b in blocks] == ["a = 1\n", "b = a + 1\n"]
    assert [b.line for b in blocks] == [4, 20]
    assert run_blocks(page, tmp_path)["b"] == 2


def test_reference_is_generated_from_the_registry() -> None:
    committed = (DOCS / "reference.md").read_text(encoding="utf-8")
    assert committed == gen_reference.generate(), (
        "docs/reference.md is out of date: run `python -m demos.gen_reference`"
    )


def test_reference_lists_every_op_with_its_formulas() -> None:
    text = (DOCS / "reference.md").read_text(encoding="utf-8")
    for name, info in ag.OPS.items():
        row = next((ln for ln in text.splitlines() if ln.startswith(f"| `{name}` |")), None)
        assert row is not None, name
        for formula in getattr(info.function, "formulas", ()):
            assert formula.replace("|", "\\|") in row, (name, formula)


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_links_and_pictures_resolve(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a web address or an anchor on the same page
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.exists(), f"{_page_id(page)} links to {target}, which does not exist"
        if path.suffix in (".png", ".svg"):
            assert path.stat().st_size < MAX_PICTURE_BYTES, f"{target} is too big to commit"
