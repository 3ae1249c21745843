"""Draw the pictures the docs show into docs/images/.

    python -m demos.gen_images

Every picture referenced as `images/NAME` from docs/*.md (or `docs/images/NAME` from README.md)
is made by running code of the project: the demos (full runs, into a temporary folder), then
each page's own ```python blocks (in a temporary working folder, so a page's
`picture.render("viz_forward.svg")` makes `viz_forward.svg`). Only referenced pictures are
copied; pictures in docs/images/ that no page references any more are removed.
"""

from __future__ import annotations

import contextlib
import io
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


def main() -> int:
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
