"""ONNX export: run a model once, write the graph it recorded as an `.onnx` file.

>>> import autograd as ag, nn                              # doctest: +SKIP
>>> model = nn.MLP(2, [16, 1], rng=0)                       # doctest: +SKIP
>>> ag.onnx.export(model, ag.randn(8, 2), "mlp.onnx",       # doctest: +SKIP
...                input_names=["x"], output_names=["logit"],
...                dynamic_axes={"x": {0: "batch"}, "logit": {0: "batch"}})

The file runs in ONNX Runtime (and anything else that reads ONNX), and opens in Netron with the
model's parameter names (`layers.0.weight`) on its weights. Each op's translation into ONNX
nodes is one entry of `TRANSLATIONS` (`autograd/onnx/translations.py`), keyed by the op's name
in the registry (`ag.OPS`); `exportable()` lists the ops that have one. The `onnx` package is
needed only to export: `pip install "seegrad[onnx]"`.
"""

from __future__ import annotations

from .export import OPSET, ExportError, export, exportable
from .translations import TRANSLATIONS, UnsupportedError

__all__ = ["OPSET", "TRANSLATIONS", "ExportError", "UnsupportedError", "export", "exportable"]
