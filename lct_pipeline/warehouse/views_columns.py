"""The SELECT list of an analysts' view, written from the column registry."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

from lct_pipeline.columns import VIEWS

# The views were first written by hand at this width; wrapping them the same way keeps
# their text, so schema.py's views_hash holds and no warehouse recreates its views.
_WIDTH = 89


def select(view: str, *, alias: str = "", joined: Mapping[str, str] | None = None) -> str:
    """``SELECT`` and the view's columns in the SPEC's order, each taken from ``alias``
    (none: the only table) unless ``joined`` names the alias of the table it comes from."""
    joined = joined or {}

    def qualified(column: str) -> str:
        table = joined.get(column, alias)
        return f"{table}.{column}" if table else column

    return textwrap.fill(
        ", ".join(qualified(c) for c in VIEWS[view]),
        width=_WIDTH,
        initial_indent="SELECT ",
        subsequent_indent=" " * len("SELECT "),
        break_long_words=False,
        break_on_hyphens=False,
    )
