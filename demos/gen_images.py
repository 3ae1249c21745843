"""Draw the pictures the docs show into docs/images/.

    python -m demos.gen_images

Every picture referenced as `images/NAME` from docs/*.md (or `docs/images/NAME` from README.md)
is made by running code of the project: the demos (full runs, into a temporary folder), then
each page's own ```python blocks (in a temporary working folder, so a page's
`picture.render("viz_forward.svg")` makes `viz_forward.svg`). Only referenced pictures are
copied; pictures in docs/images/ that no page references any more are removed.

Graphs are rendered with graphviz-pure, the renderer README's install command gives users
(the `viz` extra), not with a system Graphviz that may be found first: the pictures in the
docs are the pictures users get.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from . import DEMOS, run
from .doc_blocks import python_blocks, run_blocks

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
IMAGES = DOCS / "images"
REFERENCE = re.compile(r"\]\((?:docs/)?images/([\w.-]+\.(?:png|svg))\)")


def referenced() -> set[str]:
    """Names of the pictures the pages show."""
    names: set[str] = set()
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        names |= set(REFERENCE.findall(page.read_text(encoding="utf-8")))
    return names


def use_graphviz_pure() -> None:
    """Render with graphviz-pure (see the module doc), or stop with how to install it."""
    from autograd.viz.render import ENV_VAR, _scripts_dirs

    found = shutil.which("graphviz-pure")
    for d in _scripts_dirs():
        cand = d / "graphviz-pure"
        if found is None and cand.is_file():
            found = str(cand)
    if found is None:
        raise SystemExit('gen_images: graphviz-pure is missing: pip install -e ".[viz]"')
    os.environ[ENV_VAR] = found


def main() -> int:
    use_graphviz_pure()
    wanted = referenced()
    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        made: dict[str, Path] = {}
        demo_dir = Path(tmp) / "demos"
        for name in DEMOS:
            print(f"demo {name} ...")
            with contextlib.redirect_stdout(io.StringIO()):
                run(name, out=demo_dir, quick=False)
        made.update({p.name: p for p in demo_dir.iterdir()})
        for page in sorted(DOCS.glob("*.md")):
            if not python_blocks(page):
                continue
            work = Path(tmp) / page.stem
            work.mkdir()
            print(f"code of {page.name} ...")
            run_blocks(page, work)
            made.update({p.name: p for p in work.iterdir() if p.suffix in (".png", ".svg")})
        missing = sorted(wanted - made.keys())
        if missing:
            print(f"nothing draws {', '.join(missing)}", file=sys.stderr)
            return 1
        for name in sorted(wanted):
            shutil.copyfile(made[name], IMAGES / name)
            print(f"  docs/images/{name}  {(IMAGES / name).stat().st_size // 1024} KB")
    for stale in sorted(p for p in IMAGES.iterdir() if p.name not in wanted):
        print(f"  removed docs/images/{stale.name} (no page shows it)")
        stale.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
