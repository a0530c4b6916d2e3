"""Files rejected whole (SPEC §5): personal data, empty, missing columns, unknown layout.

Each is a CSO's first attempt, sent a few days before its proper file, so the
quarter's accepted data do not depend on it; the manifest records it with an
empty row number.
"""

from __future__ import annotations

from lct_pipeline import periods
from lct_pipeline.generator.formats import Row, Table, period_text
from lct_pipeline.generator.mistakes import Entry, Spot
from lct_pipeline.generator.tables import V
from lct_pipeline.generator.words import ACTIVITIES, COMMENTS, FIRST_NAMES, SURNAMES, in_script


def _problem(spot: Spot, reason: str, t: Table | None, column: str | None) -> None:
    """A whole-file rejection; ``t`` gives the XLSX sheet the reader reports it on."""
    spot.entries.append(Entry("rejection", reason, t, None, column))


def personal_data(spot: Spot, values: Table) -> Table:
    """A list of the people behind a count, names and all: it must not be loaded."""
    rng, script = spot.rng, spot.profile.script
    name = in_script("Ime i prezime", script)
    born = in_script("Datum rođenja", script) if rng.random() < 0.4 else None
    columns = [name, "org_code", "period", "data_element", "sex", "age_group", "value"]
    columns += [born] if born else []
    rows = []
    for _ in range(rng.randint(3, 8)):
        cells = [None] * len(V)
        cells[V["org_code"]] = spot.profile.org.code
        cells[V["period"]] = period_text(spot.period, spot.profile.period_style)
        cells[V["data_element"]] = "VOT_ASSISTED"
        cells[V["sex"]], cells[V["age_group"]] = rng.choice(("F", "M")), "ADULT"
        cells[V["value"]] = 1
        extra = {name: in_script(f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}", script)}
        if born:
            extra[born] = (
                f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(1975, 2004)}"
            )
        rows.append(Row(cells, extra=extra))
    t = Table("values", "Spisak" if values.sheet else "", columns, columns, rows)
    _problem(spot, "PERSONAL_DATA", t, name)
    return t


def empty_file(spot: Spot, values: Table) -> Table:
    """The template sent back without a single row filled in."""
    t = Table("values", values.sheet, values.columns, values.header, [])
    _problem(spot, "EMPTY_FILE", t, None)
    return t


def missing_columns(spot: Spot, values: Table) -> Table:
    """The period left out (it is in the file name), or the value column named in Serbian."""
    rows = [Row(list(r.cells), r.key) for r in values.rows if not r.reason]
    columns, header = list(values.columns), list(values.header)
    if spot.rng.random() < 0.5:
        i, missing = columns.index("period"), "period"
        del columns[i], header[i]
    else:
        i, missing = columns.index("value"), "value"
        columns[i] = header[i] = in_script(
            spot.rng.choice(("Vrednost", "Broj", "Ukupno")), spot.profile.script
        )
        for row in rows:
            row.extra[columns[i]] = row.cells[V["value"]]
    t = Table("values", values.sheet, columns, header, rows)
    _problem(spot, "MISSING_COLUMNS", t, missing)
    return t


def unknown_layout(spot: Spot) -> list[Table]:
    """The CSO's own activity log instead of the template (two such sheets in a workbook)."""
    rng, script = spot.rng, spot.profile.script
    columns = [in_script(c, script) for c in ("Datum", "Aktivnost", "Broj učesnika", "Napomena")]
    first = periods.quarter_start(spot.period)
    tables = []
    for sheet in ("Aktivnosti", "Izveštaj") if spot.fmt.encoding is None else ("",):
        rows = []
        for _ in range(rng.randint(3, 6)):
            day = f"{rng.randint(1, 28):02d}.{first.month + rng.randint(0, 2):02d}.{first.year}"
            texts = (day, rng.choice(ACTIVITIES), rng.randint(5, 40), rng.choice(COMMENTS))
            extra = {
                c: in_script(v, script) if isinstance(v, str) else v
                for c, v in zip(columns, texts, strict=True)
            }
            rows.append(Row([], extra=extra))
        tables.append(Table(None, sheet, columns, columns, rows))
    _problem(spot, "UNKNOWN_LAYOUT", None, None)
    return tables
