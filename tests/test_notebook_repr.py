"""The notebook card of a tensor (`_repr_html_`): what it shows, and that user text is escaped."""

from __future__ import annotations

import html
import re

import numpy as np

import autograd as ag


def _text(card: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", card))


def test_card_shows_name_shape_dtype_values_op_and_grad() -> None:
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
    y = (x * x).sum(axis=0)
    before = _text(x._repr_html_())
    assert "Tensor 'x'" in before
    assert "grad None (call backward() on a result)" in re.sub(r"\s+", " ", before)
    y.backward()
    card = re.sub(r"\s+", " ", _text(x._repr_html_()))
    for part in ("shape (3,)", "dtype float64", "values [1., 2., 3.]", "made by leaf", "grad [2., 4., 6.]"):
        assert part in card, (part, card)
    ycard = re.sub(r"\s+", " ", _text(y._repr_html_()))
    assert "made by sum(axis=0)" in ycard
    assert "only leaves keep .grad" in ycard


def test_big_tensors_show_a_few_values() -> None:
    t = ag.Tensor(np.arange(10_000, dtype=np.float32).reshape(100, 100))
    card = t._repr_html_()
    assert len(card) < 2000
    assert "..." in card
    assert "float32" in card


def test_user_strings_are_escaped() -> None:
    t = ag.tensor([1.0], name="<script>alert(1)</script>")
    card = t._repr_html_()
    assert "<script>" not in card
    assert "&lt;script&gt;" in card
