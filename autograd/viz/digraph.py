"""`Picture`: the `graphviz.Digraph` that `ag.draw` returns, rendered by our renderer lookup.

It is a real `graphviz.Digraph` (DOT text in `.source`, all the usual methods), with three
changes:

- `render`, `pipe` and the Jupyter hooks run the renderer found by `viz.render` (system `dot`,
  or graphviz-pure from `pip install "seegrad[viz]"`), with a timeout;
- big pictures are rendered with `-Gnslimit=2 -Gnslimit1=2`;
- in a notebook, a missing renderer shows the text tree instead of raising.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import graphviz

from .render import BIG_GRAPH, DEFAULT_TIMEOUT, RenderError, find_renderer, run_dot

FORMATS = ("svg", "png", "pdf", "jpg", "jpeg", "json", "dot", "xdot", "plain")
# Pictures are laid out with DejaVu Sans metrics; where it is missing, Verdana (macOS,
# Windows) is its near twin, and a generic sans-serif is narrower still: labels keep fitting.
FONT_FALLBACK = "'DejaVu Sans', Verdana, 'Bitstream Vera Sans', sans-serif"


def with_font_fallback(svg: bytes) -> bytes:
    """Give the SVG's DejaVu Sans text a fallback list of similar fonts."""
    return svg.replace(b'font-family="DejaVu Sans"', f'font-family="{FONT_FALLBACK}"'.encode())


class Picture(graphviz.Digraph):
    """A graph picture (a `graphviz.Digraph`). Render with `.render(path, format=...)`.

    Attributes set by `draw`: `timeout` (seconds allowed to the renderer), `node_count`
    (nodes drawn) and `text` (the same graph as a text tree, shown when nothing can render).
    """

    timeout: float | None = DEFAULT_TIMEOUT
    node_count: int = 0
    text: str = ""

    def copy(self) -> Picture:
        new: Picture = super().copy()
        new.timeout, new.node_count, new.text = self.timeout, self.node_count, self.text
        return new

    def _default_format(self) -> str:
        """The format when none is given: `.format` (graphviz's default is pdf), unless the
        renderer found cannot write it (graphviz-pure has no pdf): then svg."""
        fmt = self.format or "svg"
        r = find_renderer(self.timeout if self.timeout is not None else 5.0)
        if r is not None and not r.supports(fmt):
            return "svg"
        return fmt

    def pipe(
        self,
        format: str | None = None,  # graphviz's name
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: Any = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
        timeout: float | None = None,
    ) -> bytes | str:
        """The rendered picture as bytes (or text, given an `encoding`)."""
        fmt = format or self._default_format()
        data = run_dot(
            self.source,
            fmt,
            timeout=self.timeout if timeout is None else timeout,
            big=self.node_count > BIG_GRAPH,
        )
        if fmt == "svg":
            data = with_font_fallback(data)
        return data.decode(encoding) if encoding else data

    def render(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,  # graphviz's name
        *args: Any,
        outfile: str | os.PathLike[str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> str:
        """Render to a file and return its path.

        - ``render("net.svg")`` or ``render(outfile="net.png")``: that file; the format comes
          from its suffix unless `format` is given.
        - ``render("net", format="png")``: as the graphviz package does, the DOT text is saved
          as ``net`` (unless `cleanup`) and the picture as ``net.png``.

        Formats: svg, png, pdf (Graphviz's dot only: graphviz-pure has no pdf) and others the
        renderer knows. Raises `RendererNotFoundError` (with install instructions) if there is
        no renderer, `RenderError` if it fails or takes longer than `timeout` seconds.
        """
        if args or kwargs:
            raise TypeError(
                "Picture.render takes filename, directory, view, cleanup, format, outfile and "
                f"timeout; got also {list(args) + sorted(kwargs)}"
            )
        source_path: Path | None = None
        if outfile is not None:
            out = Path(outfile)
            fmt = format or out.suffix.lstrip(".").lower() or "svg"
        else:
            name = Path(filename if filename is not None else (self.filename or "graph"))
            suffix = name.suffix.lstrip(".").lower()
            if format is None and suffix in FORMATS:
                fmt, out = suffix, name
            elif format is not None and suffix == format:
                fmt, out = format, name
            else:
                fmt = format or self._default_format()
                out = name.with_name(name.name + "." + fmt)
                source_path = None if cleanup else name
        if directory is not None:
            out = Path(directory) / out
            source_path = Path(directory) / source_path if source_path else None
        data = self.pipe(fmt, timeout=timeout)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data if isinstance(data, bytes) else data.encode())
        if source_path is not None:
            source_path.write_text(self.source, encoding="utf-8")
        if view:
            graphviz.view(str(out))
        return str(out)

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Jupyter display: the SVG, or the text tree when no renderer works here."""
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except (RenderError, graphviz.ExecutableNotFound) as e:
            return {"text/plain": f"{self.text}\n\n[no picture] {e}"}
