"""Finding a `dot` program and running it with a timeout.

Lookup order:

1. the environment variable ``SEEGRAD_DOT`` (a path, or a command name on PATH);
2. Graphviz's own ``dot`` on PATH (``apt-get install graphviz``, ``brew install graphviz``);
3. ``graphviz-pure`` (``pip install "seegrad[viz]"``: a static build of the dot command line) on
   PATH or next to the running interpreter - virtual environments are often used without being
   activated, so their scripts folder is not on PATH.

graphviz-pure 0.2.x accepts the usual command line (``-T``, ``-G``/``-N``/``-E``, ``-o``,
``-V``, the DOT text on stdin) and writes svg, png, jpg, json, dot, xdot, plain and canon, but
not pdf.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "SEEGRAD_DOT"
DEFAULT_TIMEOUT = 60.0
BIG_GRAPH = 100  # nodes; above this dot gets -Gnslimit=2 -Gnslimit1=2 (fast network simplex)

HOW_TO_GET_ONE = (
    "To render pictures, install a Graphviz renderer, any one of:\n"
    '  pip install "seegrad[viz]"        (graphviz-pure: no system packages needed)\n'
    "  apt-get install graphviz          (or: brew install graphviz, conda install graphviz)\n"
    f"  or set {ENV_VAR}=/path/to/dot      (any dot-compatible program)\n"
    "The DOT text is available without a renderer: ag.to_dot(output) or picture.source."
)


class RenderError(RuntimeError):
    """The renderer failed (bad exit status, unsupported format, or it ran too long)."""


class RendererNotFoundError(RenderError):
    """No Graphviz renderer was found; the message says how to get one."""


@dataclass(frozen=True)
class Renderer:
    """A dot-compatible program: its path and whether it is graphviz-pure (no pdf)."""

    path: str
    pure: bool

    @property
    def name(self) -> str:
        return "graphviz-pure" if self.pure else "dot"

    def supports(self, fmt: str) -> bool:
        return not (self.pure and fmt == "pdf")


def _scripts_dirs() -> list[Path]:
    dirs = []
    scripts = sysconfig.get_path("scripts")
    if scripts:
        dirs.append(Path(scripts))
    dirs.append(Path(sys.executable).parent)
    return dirs


_PURE: dict[str, bool] = {}  # path -> is it graphviz-pure (only answers that came back)


def _run(cmd: list[str], stdin: bytes | None, timeout: float | None) -> subprocess.CompletedProcess[bytes]:
    """Run `cmd` in a session of its own; on timeout kill its whole process group (a wrapper
    script's children would otherwise keep the pipes open and the wait going) and raise
    `subprocess.TimeoutExpired`."""
    posix = os.name == "posix"
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=posix,
    )
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        if posix:
            with contextlib.suppress(ProcessLookupError):  # it may be gone already
                os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
        proc.communicate()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _is_pure(path: str, timeout: float | None = 5.0) -> bool:
    """graphviz-pure names itself in `-V` (on stderr, like dot). A program that does not
    answer within `timeout` seconds raises `RenderError` (its process group is killed)."""
    if "graphviz-pure" in Path(path).name:
        return True
    if path in _PURE:
        return _PURE[path]
    try:
        r = _run([path, "-V"], None, timeout)
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"{path} did not answer 'dot -V' within {timeout} s: it does not look like a working "
            "Graphviz renderer. " + HOW_TO_GET_ONE.splitlines()[0]
        ) from None
    except (OSError, subprocess.SubprocessError):
        return False
    _PURE[path] = b"graphviz-pure" in r.stdout + r.stderr
    return _PURE[path]


def find_renderer(timeout: float | None = 5.0) -> Renderer | None:
    """The renderer to use (see the module doc for the order), or None if there is none.

    A `SEEGRAD_DOT` that names no program is an error: it was asked for explicitly. Asking a
    program whether it is graphviz-pure (`-V`) may take at most `timeout` seconds.
    """
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        path = shutil.which(env) or (env if os.path.isfile(env) and os.access(env, os.X_OK) else None)
        if path is None:
            raise RendererNotFoundError(
                f"{ENV_VAR}={env!r} does not name an executable program. Point it at Graphviz's "
                "dot or at graphviz-pure, or unset it to search the usual places.\n" + HOW_TO_GET_ONE
            )
        return Renderer(path, _is_pure(path, timeout))
    dot = shutil.which("dot")
    if dot:
        return Renderer(dot, _is_pure(dot, timeout))
    pure = shutil.which("graphviz-pure")
    if pure:
        return Renderer(pure, True)
    exe = "graphviz-pure.exe" if os.name == "nt" else "graphviz-pure"
    for d in _scripts_dirs():
        cand = d / exe
        if cand.is_file() and os.access(cand, os.X_OK):
            return Renderer(str(cand), True)
    return None


def require_renderer(timeout: float | None = 5.0) -> Renderer:
    """`find_renderer()`, or a `RendererNotFoundError` saying exactly how to get one."""
    r = find_renderer(timeout)
    if r is None:
        raise RendererNotFoundError("No Graphviz renderer found.\n" + HOW_TO_GET_ONE)
    return r


def run_dot(
    source: str,
    fmt: str = "svg",
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    big: bool = False,
    renderer: Renderer | None = None,
) -> bytes:
    """Render DOT text to `fmt` (svg, png, pdf, ...) and return the bytes.

    big: pass `-Gnslimit=2 -Gnslimit1=2` to Graphviz's dot, which bounds its network-simplex
    passes (the part that can run for minutes on large graphs) at a small cost in layout
    quality. Not to graphviz-pure: measured on a 243-node picture, the flags make 0.2.2 ten
    times slower (12 s instead of 1 s), while it is fast without them.
    """
    # One timeout for the whole call: finding the renderer (its `-V` probe) and rendering.
    deadline = None if timeout is None else time.monotonic() + timeout
    r = renderer or require_renderer(timeout)
    if not r.supports(fmt):
        raise RenderError(
            f"{r.name} ({r.path}) cannot write {fmt!r} files; render to 'svg' or 'png' "
            "instead, or install Graphviz (apt-get install graphviz) for pdf output."
        )
    cmd = [r.path, f"-T{fmt}"]
    if big and not r.pure:
        cmd += ["-Gnslimit=2", "-Gnslimit1=2"]
    left = None if deadline is None else max(0.0, deadline - time.monotonic())
    try:
        proc = _run(cmd, source.encode("utf-8"), left)
    except OSError as e:
        raise RenderError(f"could not run {r.path}: {e}") from None
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"{r.name} did not finish within {timeout} s. Draw fewer nodes (max_nodes=...), "
            "collapse modules (collapse=True), or allow more time (timeout=...)."
        ) from None
    out, err = proc.stdout, proc.stderr
    if proc.returncode < 0:
        # Seen with dot 2.43 on a 10,000-node unsummarised graph: a segfault after minutes.
        raise RenderError(
            f"{r.name} crashed (signal {-proc.returncode}). Large graphs can do that: draw fewer "
            "nodes (max_nodes=...) or collapse modules (collapse=True)."
        )
    if proc.returncode != 0:
        msg = err.decode("utf-8", "replace").strip()
        raise RenderError(f"{r.name} failed (exit status {proc.returncode}): {msg}")
    return out
