"""Every user string that reaches DOT, HTML or SVG is escaped here, and only here.

Tensor names, module names (scope paths), op labels and constants come from user code and can
hold anything: ``<``, ``&``, quotes, backslashes, newlines, NUL. Each output format has its own
special characters, so each gets one function:

- `clean`: control characters (NUL, ESC, ...) shown as ``\\x00`` escapes; Graphviz stops
  reading a label at a NUL, and SVG/XML forbids most control characters altogether;
- `dot_html`: text inside a Graphviz HTML-like label ``<...>`` (``&``, ``<``, ``>``, quotes);
  the DOT emitter writes every label, cluster title and note this way, so a name such as
  ``<lambda>`` is never mistaken for HTML markup and never breaks the render;
- `html`: text in an HTML or SVG document (element text or attribute value);
- `json_script`: JSON embedded in an HTML ``<script>`` element: ``<``, ``>``, ``&`` and the
  line separators become ``\\u003c``-style escapes, so no string can close the element or open
  a comment (``</script>``, ``<!--``).
"""

from __future__ import annotations

import json
import re
from html import escape as _escape
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean(text: Any) -> str:
    """`text` as a string, with control characters other than tab and newline made visible
    (``\\x00``): they cannot be drawn, and NUL ends a C string inside Graphviz."""
    s = text if isinstance(text, str) else str(text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", s)


def dot_html(text: Any) -> str:
    """Text for a Graphviz HTML-like label; a newline becomes a line break."""
    s = _escape(clean(text), quote=True)
    return s.replace("\t", " ").replace("\n", '<BR ALIGN="CENTER"/>')


def html(text: Any) -> str:
    """Text for an HTML or SVG document (safe in element text and in quoted attributes)."""
    return _escape(clean(text).replace("\t", " "), quote=True)


def json_script(data: Any) -> str:
    """`data` as JSON that is safe inside an HTML ``<script>`` element."""
    text = json.dumps(data, ensure_ascii=False)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def dot_text(text: Any) -> str:
    """A whole label as a Graphviz HTML-like label string: ``<escaped text>``."""
    return f"<{dot_html(text)}>"
