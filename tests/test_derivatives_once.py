"""Each op's local derivative is written once: in the first paragraph of its docstring.

`Function.formulas` (what graph pictures, `ag.explain`, traces and docs/reference.md print) is
read from the ``d<out>/d<input> = <formula>`` clauses of the op class's docstring. These tests
keep it that way: no library class assigns `formulas` itself (a second copy that can drift from
the docstring), every registered op's `formulas` is exactly what its docstring says, and the
clauses name the op's inputs (or a prefix of their names) in the order its `forward` takes them
(the parser reads them by position, so a swapped pair would silently label the wrong input).
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

import autograd as ag
import nn  # noqa: F401  (registers the ops defined in nn/)
from autograd.function import _DERIVATIVE, derivatives

ROOT = Path(__file__).resolve().parent.parent
# Classes still carrying an explicit `formulas`, each with why. Keep this empty where possible.
NOT_YET_FOLDED = {
    ("nn/norm.py", "Standardize"),  # its docstring says `dx = ...`: to fold into `dy/dx = ...`
}

CLASSES = sorted({op.function for op in ag.OPS.values() if op.function is not None},
                 key=lambda c: f"{c.__module__}.{c.__qualname__}")
IDS = [c.__qualname__ for c in CLASSES]


def explicit_formulas(path: Path) -> list[str]:
    """The classes in a source file whose body assigns `formulas` (the second copy)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else (
                    [stmt.target] if isinstance(stmt, ast.AnnAssign) else [])
                if any(isinstance(t, ast.Name) and t.id == "formulas" for t in targets):
                    found.append(node.name)
    return found


def test_no_library_class_assigns_formulas() -> None:
    files = sorted([*(ROOT / "autograd").rglob("*.py"), *(ROOT / "nn").rglob("*.py")])
    assert len(files) > 30
    twice = [(str(f.relative_to(ROOT)), cls) for f in files for cls in explicit_formulas(f)]
    twice = [t for t in twice if t not in NOT_YET_FOLDED and t != ("autograd/function.py", "Function")]
    assert twice == [], (
        f"these classes write their derivative a second time in `formulas`: {twice}; write it "
        "once, as `d<out>/d<input> = ...` in the first paragraph of the class's docstring"
    )


def test_the_source_scan_finds_an_explicit_formulas(tmp_path: Path) -> None:
    src = tmp_path / "op.py"
    src.write_text('class Cube:\n    """y = x^3.  dy/dx = 3*x^2."""\n\n    formulas = ("3*x^2",)\n')
    assert explicit_formulas(src) == ["Cube"]
    src.write_text('class Cube:\n    """y = x^3.  dy/dx = 3*x^2."""\n\n    is_view = False\n')
    assert explicit_formulas(src) == []


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_formulas_are_the_docstring(cls: type[ag.Function]) -> None:
    if (str(Path(inspect.getfile(cls)).relative_to(ROOT)), cls.__qualname__) in NOT_YET_FOLDED:
        pytest.skip("explicit formulas, not folded yet")
    from_doc = derivatives(cls.__doc__)
    assert from_doc, f"{cls.__qualname__}: no `d<out>/d<input> = ...` in its docstring's first paragraph"
    assert cls.formulas == from_doc, f"{cls.__qualname__}: formulas {cls.formulas} != docstring {from_doc}"
    assert all(f.strip() for f in from_doc), f"{cls.__qualname__}: an empty formula in {from_doc}"


def _wrt_names(doc: str | None) -> list[str]:
    """The <input> of each ``d<out>/d<input> =`` clause, without an index (`x_j` -> `x`)."""
    first = (doc or "").strip().split("\n\n", 1)[0]
    line = " ".join(part.strip() for part in first.splitlines())
    names = []
    for m in _DERIVATIVE.finditer(line):
        wrt = re.match(r"d\w+/d(\w+)", m.group(0))
        assert wrt is not None
        names.append(wrt.group(1).split("_")[0].lower())
    return names


def _in_order(wrt: list[str], names: list[str]) -> bool:
    """Each clause names its input by the forward's parameter name or a prefix of it (dy/dw for
    `weight`), in the forward's order."""
    return len(wrt) <= len(names) and all(n.startswith(w) for w, n in zip(wrt, names, strict=False))


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_derivatives_name_the_inputs_in_order(cls: type) -> None:
    wrt = _wrt_names(cls.__doc__)
    if not wrt:
        pytest.skip("explicit formulas, not folded yet")
    params = list(inspect.signature(cls.forward).parameters.values())[1:]  # type: ignore[attr-defined]
    variadic = [p.name for p in params if p.kind is inspect.Parameter.VAR_POSITIONAL]
    if variadic:  # concatenate(*xs): one formula for every x
        assert [w + "s" for w in wrt] == variadic, (cls.__qualname__, wrt, variadic)
        return
    positional = [p for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    required = [p.name for p in positional if p.default is inspect.Parameter.empty]
    names = [p.name.lower() for p in positional]
    assert _in_order(wrt, names), f"{cls.__qualname__}: derivatives for {wrt}, forward takes {names}"
    assert len(wrt) >= len(required), f"{cls.__qualname__}: no derivative for some of {required}"


def test_the_order_check_catches_a_swapped_pair() -> None:
    assert _wrt_names("z = x * y.  dz/dy = x, dz/dx = y.") == ["y", "x"]
    assert not _in_order(["y", "x"], ["x", "y"])
    assert _in_order(["x", "w", "b"], ["x", "weight", "bias", "eps"])
    assert not _in_order(["x", "w", "b"], ["x", "w"])
    assert _wrt_names("s_i = softmax.  ds_i/dx_j = s_i*(δ_ij - s_j).\n\nMore.") == ["x"]
