"""Rendering: renderer lookup, real SVG/PNG/PDF files, timeouts, and the no-renderer paths.

The real-`dot` tests skip only where Graphviz is not installed; CI installs it (.ci/run), so
they run there. The graphviz-pure tests run wherever `pip install "seegrad[viz]"` put it.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import sysconfig
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
from autograd.viz import render
from autograd.viz.render import (
    ENV_VAR,
    RendererNotFoundError,
    RenderError,
    find_renderer,
    require_renderer,
)

DOT = shutil.which("dot")
needs_dot = pytest.mark.skipif(DOT is None, reason="Graphviz's dot is not installed here")


def pure_path() -> str | None:
    """The graphviz-pure program itself (a static binary), for tests that run it with an
    empty PATH: this interpreter's own copy first; a launcher found on PATH, such as a
    version manager's shell-script shim, cannot run without PATH."""
    found = shutil.which("graphviz-pure")
    dirs = [sysconfig.get_path("scripts"), str(Path(sys.executable).parent)]
    if found:
        dirs.append(str(Path(found).parent))
    for d in dirs:
        cand = Path(d) / "graphviz-pure"
        if cand.is_file() and cand.read_bytes()[:4] == b"\x7fELF":
            return str(cand)
    return found


PURE = pure_path()
needs_pure = pytest.mark.skipif(
    PURE is None, reason='graphviz-pure is not installed (pip install "seegrad[viz]")'
)


def net() -> ag.Tensor:
    x = ag.tensor(np.array([[0.5, -1.0]]), name="x")
    w = ag.tensor(np.array([[0.1, 0.2], [0.3, 0.4]]), requires_grad=True, name="W")
    with ag.scope("layer"):
        out = (x @ w).sigmoid().sum()
    out.backward()
    return out


def fake_program(tmp_path: Path, name: str, body: str) -> Path:
    p = tmp_path / name
    p.write_text("#!/bin/sh\n" + body + "\n")
    p.chmod(p.stat().st_mode | stat.S_IEXEC)
    return p


@pytest.fixture
def no_renderer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A world without dot or graphviz-pure: empty PATH, empty scripts folders, no env var."""
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(render.sysconfig, "get_path", lambda name: str(empty))
    monkeypatch.setattr(render.sys, "executable", str(empty / "python"))
    return empty


def check_svg(path: str | Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    ids = {el.get("id") for el in root.iter()}
    assert {"t0", "t1", "op2", "e_t0_op2_0"} <= ids  # our stable ids reach the SVG
    text = " ".join(el.text or "" for el in root.iter())
    assert "sigmoid" in text
    assert "float64" in text
    return root


def check_png(path: str | Path) -> None:
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 100
    assert height > 50


# -- lookup order ------------------------------------------------------------------------------
def test_env_var_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prog = fake_program(tmp_path, "mydot", "exit 0")
    monkeypatch.setenv(ENV_VAR, str(prog))
    r = require_renderer()
    assert r.path == str(prog)
    assert not r.pure
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing"))
    with pytest.raises(RendererNotFoundError, match=f"{ENV_VAR}=.*does not name an executable"):
        find_renderer()


def test_system_dot_before_graphviz_pure(
    tmp_path: Path, no_renderer: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_program(no_renderer, "graphviz-pure", "exit 0")
    assert find_renderer() == render.Renderer(str(no_renderer / "graphviz-pure"), True)
    fake_program(no_renderer, "dot", "echo 'dot - graphviz version 2.43.0' >&2")
    r = find_renderer()
    assert r is not None
    assert r.path == str(no_renderer / "dot")
    assert not r.pure


def test_graphviz_pure_found_in_the_interpreter_scripts_folder(
    tmp_path: Path, no_renderer: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripts = tmp_path / "venv" / "bin"
    scripts.mkdir(parents=True)
    fake_program(scripts, "graphviz-pure", "exit 0")
    assert find_renderer() is None
    monkeypatch.setattr(render.sys, "executable", str(scripts / "python"))  # an unactivated venv
    r = find_renderer()
    assert r is not None
    assert r.pure
    assert r.path == str(scripts / "graphviz-pure")


def test_a_dot_named_program_that_is_graphviz_pure_is_recognised(tmp_path: Path, no_renderer: Path) -> None:
    fake_program(no_renderer, "dot", "echo 'graphviz-pure - graphviz-pure version 0.2.2' >&2")
    r = find_renderer()
    assert r is not None
    assert r.pure


# -- no renderer -------------------------------------------------------------------------------
def test_missing_renderer_error_says_how_to_get_one(no_renderer: Path) -> None:
    out = net()
    pic = ag.draw(out)
    with pytest.raises(RendererNotFoundError) as info:
        pic.render(no_renderer / "x.svg")
    msg = str(info.value)
    assert 'pip install "seegrad[viz]"' in msg
    assert "apt-get install graphviz" in msg
    assert ENV_VAR in msg
    assert "to_dot" in msg
    assert "digraph" in ag.to_dot(out)  # the DOT text needs no renderer


def test_notebook_display_falls_back_to_text(no_renderer: Path) -> None:
    pic = ag.draw(net())
    bundle = pic._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "sigmoid(" in bundle["text/plain"]
    assert 'pip install "seegrad[viz]"' in bundle["text/plain"]


def test_renderer_failures_and_timeouts_are_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(fake_program(tmp_path, "bad", "echo 'syntax error' >&2; exit 3")))
    with pytest.raises(RenderError, match=r"exit status 3.*syntax error"):
        ag.draw(net()).pipe("svg")
    monkeypatch.setenv(
        ENV_VAR, str(fake_program(tmp_path, "slow", '[ "$1" = -V ] && exit 0; sleep 5 & wait'))
    )
    pic = ag.draw(net(), timeout=0.3)
    start = time.perf_counter()
    with pytest.raises(RenderError, match=r"did not finish within 0.3 s"):
        pic.render(tmp_path / "x.svg")
    assert time.perf_counter() - start < 3  # the renderer and its children were stopped


def test_big_graphs_get_nslimit_but_graphviz_pure_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "args"
    monkeypatch.setenv(ENV_VAR, str(fake_program(tmp_path, "dot", f'echo "$@" > {log}; echo "<svg/>"')))
    x = ag.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(100):
        y = y.sin()
    ag.draw(y, max_nodes=None, roll=False).pipe("svg")
    assert "-Gnslimit=2 -Gnslimit1=2" in log.read_text()
    ag.draw(x.sin()).pipe("svg")
    assert "nslimit" not in log.read_text()
    monkeypatch.setenv(
        ENV_VAR, str(fake_program(tmp_path, "graphviz-pure", f'echo "$@" > {log}; echo "<svg/>"'))
    )
    ag.draw(y, max_nodes=None, roll=False).pipe("svg")
    assert "nslimit" not in log.read_text()


# -- real rendering ----------------------------------------------------------------------------
@needs_dot
def test_real_dot_writes_svg_png_and_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    pic = ag.draw(net())
    check_svg(pic.render(tmp_path / "net.svg"))
    check_png(pic.render(outfile=tmp_path / "net.png"))
    pdf = pic.render(tmp_path / "net", format="pdf")  # graphviz-style: source + net.pdf
    assert pdf == str(tmp_path / "net.pdf")
    assert Path(pdf).read_bytes()[:5] == b"%PDF-"
    assert (tmp_path / "net").read_text().startswith("digraph")
    svg = pic._repr_mimebundle_()["image/svg+xml"]
    assert "<svg" in svg
    back = ag.draw(net(), view="backward")
    assert "SigmoidBackward" in back.pipe("svg", encoding="utf-8")


@needs_pure
def test_graphviz_pure_writes_svg_and_png_but_not_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, str(PURE))
    pic = ag.draw(net())
    check_svg(pic.render(tmp_path / "net.svg"))
    check_png(pic.render(tmp_path / "net.png"))
    with pytest.raises(RenderError, match="cannot write 'pdf'"):
        pic.render(tmp_path / "net.pdf")


@needs_pure
def test_graphviz_pure_alone_is_found_without_system_dot(no_renderer: Path, tmp_path: Path) -> None:
    assert PURE is not None
    os.symlink(PURE, no_renderer / "graphviz-pure")
    r = require_renderer()
    assert r.pure
    check_svg(ag.draw(net()).render(tmp_path / "net.svg"))


@pytest.mark.parametrize("which", ["dot", "graphviz-pure"])
def test_summarised_10000_node_graph_renders(
    which: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prog = DOT if which == "dot" else PURE
    if prog is None:
        pytest.skip(f"{which} is not installed here")
    monkeypatch.setenv(ENV_VAR, prog)
    x = ag.tensor(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(2500):
        y = (y * 0.9).tanh()  # 5,000 ops: 12,501 nodes
    pic = ag.draw(y)
    root = ET.fromstring(pic.pipe("svg"))
    assert "<B>x</B>" in pic.source
    assert sum(1 for el in root.iter() if el.get("class") == "node") == pic.node_count


def test_render_without_a_format_uses_one_graphviz_pure_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "args"
    fake = fake_program(tmp_path, "graphviz-pure", f'echo "$@" > {log}; echo "<svg/>"')
    monkeypatch.setenv(ENV_VAR, str(fake))
    out = ag.draw(net()).render(tmp_path / "graph")  # graphviz's own default would be pdf
    assert out == str(tmp_path / "graph.svg")
    assert "-Tsvg" in log.read_text()


def test_the_renderer_probe_obeys_the_callers_timeout_and_is_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.name != "posix":
        pytest.skip("process groups are a POSIX feature")
    pidfile = tmp_path / "child"
    # A renderer that hangs on `-V`, with a child process holding the pipes.
    fake = fake_program(
        tmp_path, "mydot",
        f'if [ "$1" = "-V" ]; then sleep 60 & echo $! > {pidfile}; wait; fi; echo "<svg/>"',
    )
    monkeypatch.setenv(ENV_VAR, str(fake))
    start = time.perf_counter()
    with pytest.raises(RenderError, match="did not answer"):
        ag.draw(net(), timeout=1.0).pipe("svg")
    assert time.perf_counter() - start < 3.5  # one timeout for the whole call (the probe's was 5 s)
    child = int(pidfile.read_text())
    time.sleep(0.2)
    assert not _running(child)  # the probe's process group was killed, child included


def _running(pid: int) -> bool:
    """True if process `pid` exists and is not a zombie (killed, waiting to be reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        return "\tZ" not in status.read_text()
    return True


@needs_pure
def test_user_strings_with_markup_and_nul_render(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert PURE is not None
    monkeypatch.setenv(ENV_VAR, PURE)
    x = ag.tensor(1.0, requires_grad=True, name="x\x00<!--<script>")
    with ag.scope("<lambda>"), ag.scope('a&b "c"\\'):
        y = (x * 2.0).exp()
    svg = ag.draw(y).pipe("svg", encoding="utf-8")
    assert isinstance(svg, str)
    ET.fromstring(svg[svg.index("<svg"):])  # well-formed
    assert "&lt;lambda&gt;" in svg
    assert "x\\x00&lt;!" in svg  # the NUL shown as \x00, the markup as text
    assert "&lt;script&gt;" in svg
    assert "\x00" not in svg
