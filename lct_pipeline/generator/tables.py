"""An organisation's rows as it writes them: its spellings, comments and column order."""

from __future__ import annotations

import random
import re

from lct_pipeline import periods
from lct_pipeline.contract import COLUMNS, MEASURES, VALUES
from lct_pipeline.generator.data import Plan, Profile, Value
from lct_pipeline.generator.formats import (
    Format,
    Row,
    Table,
    header_text,
    member_text,
    period_text,
)
from lct_pipeline.generator.words import COMMENTS, in_script
from lct_pipeline.reference import Reference

V = {c: i for i, c in enumerate(COLUMNS[VALUES])}
M = {c: i for i, c in enumerate(COLUMNS[MEASURES])}
# A word of three letters or more with a non-ASCII one: what encoding detection relies on.
_LOCAL_WORD = re.compile(r"(?=[^\W\d_]{3})[^\W\d_]*[^\x00-\x7f][^\W\d_]*")
_LOCAL_COMMENTS = tuple(c for c in COMMENTS if not c.isascii())


def table(profile: Profile, record_type: str, rows: list[Row], fmt: Format) -> Table:
    columns = profile.columns[record_type]
    sheet = "" if fmt.encoding else profile.sheets[1 if record_type == MEASURES else 0]
    header = [header_text(c, profile.header) for c in columns]
    return Table(record_type, sheet, list(columns), header, rows)


def values_rows(
    profile: Profile,
    catalogue: Reference,
    period: str,
    values: list[Value],
    fmt: Format,
    rng: random.Random,
    comments: dict[tuple, str | None] | None = None,
) -> list[Row]:
    """The org's rows for ``values``; ``comments`` (by row key) repeats those of an earlier file."""
    dims_of = {e.code: e.dimensions for e in catalogue.data_elements.values()}
    org, marker = profile.org.code, profile.total_marker
    when = period_text(period, profile.period_style)
    rows = []
    for element, members, n in values:
        cells = [org, when, element, marker, marker, marker, marker, marker, n, None]
        for dim, member in zip(dims_of[element], members, strict=False):
            cells[V[dim]] = member_text(dim, member, profile.dim_style)
        if comments is not None:
            cells[V["comment"]] = comments.get((element, members))
        elif profile.comment_rate and rng.random() < profile.comment_rate:
            cells[V["comment"]] = comment(profile, fmt, rng)
        rows.append(Row(cells, (element, members)))
    return rows


def comment(profile: Profile, fmt: Format, rng: random.Random) -> str:
    text = in_script(rng.choice(COMMENTS), profile.script)
    if fmt.name == "kobo" and rng.random() < 0.2:  # a Kobo text field keeps the typed line break
        text += "\n" + in_script(rng.choice(COMMENTS), profile.script)
    return text


def measures_rows(profile: Profile, period: str, plan: Plan) -> list[Row]:
    qi = periods.index(period)
    when = period_text(period, profile.period_style)
    rows = []
    for m in plan.measures:
        status, spent = m.state(qi)
        due = period_text(periods.from_index(m.due), profile.period_style)
        cells = [
            profile.org.code,
            when,
            plan.code,
            m.code,
            m.title,
            m.institution or None,
            status,
            m.planned,
            spent,
            due,
        ]
        rows.append(Row(cells))
    return rows


def ensure_script(t: Table, fmt: Format, profile: Profile) -> None:
    """A code-page file needs some local text, or it is plain ASCII (read as UTF-8).

    The phrase depends on the org only, so a corrected file repeats it."""
    if fmt.encoding not in ("cp1250", "cp1251") or not t.rows or "comment" not in t.columns:
        return
    for row in t.rows:
        if any(isinstance(c, str) and _LOCAL_WORD.search(c) for c in row.cells):
            return
    phrases = _LOCAL_COMMENTS if fmt.encoding == "cp1250" else COMMENTS
    phrase = phrases[sum(map(ord, profile.org.code)) % len(phrases)]
    text = in_script(phrase, "cyrillic" if fmt.encoding == "cp1251" else "latin")
    t.rows[0].cells[V["comment"]] = text
