"""Submission templates (SPEC §11): the XLSX workbook a CSO fills in for one quarter.

A template has the ``values`` and ``measures`` sheets of SPEC §3 with the org and
the period filled in: one ``values`` row per data element and combination of its
dimensions' members (catalogue order), each with the element's meaning beside it,
and the CSO's action plan as last reported in ``measures``, where only the status
and the budget spent are left to type. Every code column has an Excel drop-down
list (from a hidden ``lists`` sheet); counts take whole numbers from 0 to the
element's ``max``. An ``instructions`` sheet says how to fill it.

The workbook carries a custom document property, ``lct_template``, that the reader
looks for (``lct_pipeline.reading``): in a file with it, a pre-filled row left empty
is missing data, **not reported**, and not a data row at all (``left_empty``): never
stored, never a zero, never ``MISSING_VALUE``, and listed in the submission's
feedback. The template's ``meaning`` column is known to the reader as information
for people: not stored and, in a template, not warned about (``INFO_COLUMNS``).
The same property survives LibreOffice opening and saving the file.

Nothing here imports Dagster: ``lct template`` and the ``submission_templates``
asset both call ``write_templates``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import product
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from lct_pipeline import periods
from lct_pipeline.contract import COLUMNS, DIMENSION_COLUMNS, MEASURES, VALUES
from lct_pipeline.i18n import DEFAULT_LANGUAGE, N_, Msg
from lct_pipeline.reference import DataElement, Reference

# --------------------------------------------------------------- what the reader knows

MARKER = "lct_template"  # the custom document property that makes a workbook a template
# Columns a template shows for people only: never stored and, in a template, not
# reported as COLUMN_NOT_STORED (every returned template would warn about them).
INFO_COLUMNS = ("meaning",)
# Per record type: the column a pre-filled row always has, and the columns the CSO
# types. A template row with the first and none of the others is left empty.
LEFT_EMPTY: dict[str, tuple[str, tuple[str, ...]]] = {
    VALUES: ("data_element", ("value",)),
    MEASURES: ("measure_code", ("status", "spent_budget_eur")),
}


def left_empty(record_type: str | None, cells: Mapping[str, object]) -> bool:
    """Whether a row of a template (its cells by column, None when blank) was left empty:
    a pre-filled row whose figures the CSO did not type. Such a row is not reported."""
    if record_type not in LEFT_EMPTY:
        return False
    given, typed = LEFT_EMPTY[record_type]
    return cells.get(given) is not None and all(cells.get(c) is None for c in typed)


# --------------------------------------------------------------- texts

FOLDER = "templates"  # under the extracts folder: templates/<period>/
SPARE_MEASURE_ROWS = 30  # rows below the plan with drop-down lists, for new measures
QUARTERS_AHEAD = 20  # due periods offered up to five years after the template's quarter

# Every text of the workbook, in English; written in the CSO's language (SPEC §11).
TEXT: dict[str, str] = {
    "title": N_("LCT quarterly monitoring submission: {org} {org_name}, {period}"),
    "how": N_("How to fill in this template"),
    "values": N_(
        "Sheet 'values': one row per data element and breakdown. Type the count in the"
        " column 'value' (a whole number). Type 0 where there were none. A row left empty"
        " is missing data: it is not counted as 0 and your feedback lists it as not"
        " reported."
    ),
    "codes": N_(
        "Do not change org_code, period, data_element or the breakdown columns (sex,"
        " age_group, vulnerable_group, service, institution); grey cells stay empty. The"
        " column 'meaning' is there to help you and is not read."
    ),
    "measures": N_(
        "Sheet 'measures': the measures of your local action plan as last reported. For"
        " each measure choose its status and type the budget spent so far in EUR. Add new"
        " measures in the empty rows below. A measure whose status and spent budget are"
        " both left empty is listed in your feedback as not reported."
    ),
    "measures_empty": N_(
        "Sheet 'measures' is empty because no action plan of yours is in the warehouse yet:"
        " type every measure of your local action plan, one per row."
    ),
    "comments": N_(
        "Column 'comment': free text, at most 500 characters. Never write names, birth"
        " dates, addresses, phone numbers or ID numbers of the persons you helped: counts"
        " only."
    ),
    "send": N_(
        "Keep the sheet names 'values' and 'measures' and the header in row 1. Save the"
        " file as .xlsx and send it to the network's data officer; `lct validate FILE`"
        " checks it first if you have the tool."
    ),
    "elements": N_("Data elements"),
    "statuses": N_("Measure statuses"),
    "code": N_("code"),
    "meaning": N_("meaning"),
    "breakdown": N_("broken down by"),
    "max": N_("largest value of one row"),
    "none": N_("(a single total)"),
    "count_title": N_("Count"),
    "count_input": N_(
        "Whole number from 0 to {max}. Type 0 if there were none; a row left empty is"
        " reported back as not reported."
    ),
    "count_error": N_("A count is a whole number from 0 to {max}."),
    "code_title": N_("Choose from the list"),
    "code_error": N_("Choose {column} from the drop-down list."),
    "unused_title": N_("Leave empty"),
    "unused_error": N_("{element} is not broken down by {column}: leave this cell empty."),
    "status_input": N_("The measure's status at the end of {period}."),
    "spent_input": N_("EUR spent on the measure up to the end of {period}; 0 if nothing yet."),
    "money_error": N_("An amount in EUR, 0 or more."),
    "due_input": N_("The quarter the measure is due, e.g. {period}."),
}
STATUS_MEANINGS = {
    "NOT_STARTED": N_("not started"),
    "IN_PROGRESS": N_("in progress"),
    "COMPLETED": N_("completed"),
    "DELAYED": N_("delayed"),
    "CANCELLED": N_("cancelled"),
}
# The template's help column follows the data element it explains.
_MEANING_AT = COLUMNS[VALUES].index("data_element") + 1
VALUES_HEADER = (*COLUMNS[VALUES][:_MEANING_AT], "meaning", *COLUMNS[VALUES][_MEANING_AT:])
MEASURES_HEADER = COLUMNS[MEASURES]

# A values row as written: (data element, its members in the element's dimension order).
RowKey = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class Written:
    org: str
    period: str
    path: Path
    values_rows: int
    measures_rows: int  # pre-filled from the latest plan snapshot (0: none known)


def file_name(org: str, period: str) -> str:
    return f"lct_template_{org}_{period}.xlsx"


def value_keys(reference: Reference) -> list[tuple[DataElement, tuple[str, ...]]]:
    """Every data element with every combination of its dimensions' members, in catalogue
    order: the rows of a template's values sheet."""
    keys = []
    for element in reference.data_elements.values():
        members = [reference.dimensions[d].members for d in element.dimensions]
        keys += [(element, combo) for combo in product(*members)]
    return keys


# --------------------------------------------------------------- the plan snapshot


def latest_measures(engine: sa.Engine, org: str, period: str) -> pd.DataFrame:
    """The CSO's latest current plan snapshot with period <= ``period``, as a template's
    measures rows: the period set to ``period``, status and spent budget left empty."""
    from lct_pipeline.warehouse.tables_star import fact_measures

    m = fact_measures.c
    latest = (
        sa.select(sa.func.max(m.period))
        .where(m.org_code == org, m.period <= period)
        .scalar_subquery()
    )
    query = (
        sa.select(*(m[c] for c in MEASURES_HEADER if c not in ("status", "spent_budget_eur")))
        .where(m.org_code == org, m.period == latest)
        .order_by(m.submission_id, m.sheet, m.row_number)
    )
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).mappings().all())
    if frame.empty:
        return pd.DataFrame(columns=list(MEASURES_HEADER))
    return frame.assign(period=period, status=None, spent_budget_eur=None)[list(MEASURES_HEADER)]


# --------------------------------------------------------------- the workbook


class _Book:
    """The XlsxWriter workbook of one template, with its formats and its lists sheet."""

    def __init__(self, buffer: io.BytesIO, language: str):
        import xlsxwriter

        self.language = language
        # Text stays text: a title beginning with '=' is no formula, a URL no link.
        self.wb = xlsxwriter.Workbook(
            buffer,
            {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
        )
        add = self.wb.add_format
        self.header = add({"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "text_wrap": True})
        self.given = add({"bg_color": "#F2F2F2", "font_color": "#404040"})
        self.unused = add({"bg_color": "#BFBFBF"})
        self.meaning = add({"bg_color": "#F2F2F2", "font_color": "#404040", "italic": True})
        self.count = add({"bg_color": "#FFF2CC", "border": 1, "num_format": "0"})
        self.money = add({"bg_color": "#FFF2CC", "border": 1, "num_format": "#,##0.00"})
        self.money_given = add({"bg_color": "#F2F2F2", "num_format": "#,##0.00"})
        self.typed = add({"bg_color": "#FFF2CC", "border": 1})
        self.title = add({"bold": True, "font_size": 14})
        self.bold = add({"bold": True})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.lists: dict[str, list[str]] = {}  # the hidden lists sheet's columns
        self.sources: dict[str, str] = {}  # the range of each list, for drop-down lists

    def t(self, message_id: str, **args: object) -> str:
        """A text of the workbook in the CSO's language."""
        return Msg(message_id, args).render(self.language)

    def set_lists(self, lists: Mapping[str, Sequence[str]]) -> None:
        """The columns of the hidden ``lists`` sheet (written last, so it is the last tab;
        a drop-down list may refer to a sheet not yet written)."""
        self.lists = {name: [str(i) for i in items] for name, items in lists.items() if items}
        for i, (name, items) in enumerate(self.lists.items()):
            letter = _letter(i)
            self.sources[name] = f"=lists!${letter}$2:${letter}${len(items) + 1}"

    def write_lists(self) -> None:
        ws = self.wb.add_worksheet("lists")
        for i, (name, items) in enumerate(self.lists.items()):
            ws.write_string(0, i, name)
            ws.write_column(1, i, items)
        ws.hide()


def _letter(column: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(column)


def _code_list(book: _Book, ws, rows: tuple[int, int], column: int, name: str, style="stop"):
    source = book.sources.get(name)
    if source is None or rows[1] < rows[0]:
        return
    ws.data_validation(
        rows[0], column, rows[1], column,
        {
            "validate": "list",
            "source": source,
            "error_type": style,
            "error_title": book.t(TEXT["code_title"]),
            "error_message": book.t(TEXT["code_error"], column=name),
        },
    )  # fmt: skip


def _write(ws, row: int, column: int, value: object, style) -> None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        ws.write_blank(row, column, None, style)
    elif isinstance(value, bool):
        ws.write_string(row, column, str(value), style)
    elif isinstance(value, int | float):
        ws.write_number(row, column, value, style)
    else:
        ws.write_string(row, column, str(value), style)


def _values_sheet(
    book: _Book,
    reference: Reference,
    org: str,
    period: str,
    filled: Mapping[RowKey, tuple[object, object]],
    extra: Sequence[tuple[RowKey, object, object]],
) -> int:
    ws = book.wb.add_worksheet(VALUES)
    col = {name: i for i, name in enumerate(VALUES_HEADER)}
    ws.write_row(0, 0, VALUES_HEADER, book.header)
    widths = {"org_code": 10, "period": 9, "data_element": 27, "meaning": 48, "value": 10,
              "comment": 40, "vulnerable_group": 18}  # fmt: skip
    for name, i in col.items():
        ws.set_column(i, i, widths.get(name, 14))
    ws.freeze_panes(1, 0)
    keys = value_keys(reference)
    rows = [
        (element, combo, *filled.get((element.code, combo), (None, None)))
        for element, combo in keys
    ]
    by_code = reference.data_elements
    rows += [(by_code[e], combo, value, comment) for (e, combo), value, comment in extra]
    groups: list[tuple[DataElement, int, int]] = []  # element, first and last row
    for r, (element, combo, value, comment) in enumerate(rows, start=1):
        members = dict(zip(element.dimensions, combo, strict=False))  # () in extra: a total
        ws.write_string(r, col["org_code"], org, book.given)
        ws.write_string(r, col["period"], period, book.given)
        ws.write_string(r, col["data_element"], element.code, book.given)
        ws.write_string(r, col["meaning"], element.name, book.meaning)
        for d in DIMENSION_COLUMNS:
            if d in members:
                ws.write_string(r, col[d], members[d], book.given)
            else:
                ws.write_blank(r, col[d], None, book.unused)
        _write(ws, r, col["value"], value, book.count)
        _write(ws, r, col["comment"], comment, book.typed)
        if groups and groups[-1][0] is element and groups[-1][2] == r - 1:
            groups[-1] = (element, groups[-1][1], r)
        else:
            groups.append((element, r, r))
    last = len(rows)
    ws.autofilter(0, 0, last, len(VALUES_HEADER) - 1)
    _code_list(book, ws, (1, last), col["org_code"], "org_code")
    _code_list(book, ws, (1, last), col["period"], "period")
    _code_list(book, ws, (1, last), col["data_element"], "data_element")
    for element, first, end in groups:
        maximum = int(element.max) if float(element.max).is_integer() else element.max
        ws.data_validation(
            first, col["value"], end, col["value"],
            {
                "validate": "integer",
                "criteria": "between",
                "minimum": 0,
                "maximum": maximum,
                "input_title": book.t(TEXT["count_title"]),
                "input_message": book.t(TEXT["count_input"], max=maximum),
                "error_title": book.t(TEXT["count_title"]),
                "error_message": book.t(TEXT["count_error"], max=maximum),
            },
        )  # fmt: skip
        for d in DIMENSION_COLUMNS:
            if d in element.dimensions:
                _code_list(book, ws, (first, end), col[d], d)
            else:
                ws.data_validation(
                    first, col[d], end, col[d],
                    {
                        "validate": "length",
                        "criteria": "==",
                        "value": 0,
                        "error_title": book.t(TEXT["unused_title"]),
                        "error_message": book.t(TEXT["unused_error"],
                            element=element.code, column=d
                        ),
                    },
                )  # fmt: skip
    return last


def _measures_sheet(book: _Book, org: str, period: str, plan: pd.DataFrame) -> None:
    ws = book.wb.add_worksheet(MEASURES)
    col = {name: i for i, name in enumerate(MEASURES_HEADER)}
    ws.write_row(0, 0, MEASURES_HEADER, book.header)
    widths = {"plan_code": 16, "measure_code": 14, "measure_title": 48, "status": 14,
              "responsible_institution": 14, "planned_budget_eur": 14,
              "spent_budget_eur": 14}  # fmt: skip
    for name, i in col.items():
        ws.set_column(i, i, widths.get(name, 10))
    ws.freeze_panes(1, 0)
    typed = {"status": book.typed, "spent_budget_eur": book.money}
    for r, row in enumerate(plan[list(MEASURES_HEADER)].itertuples(index=False), start=1):
        for name, value in zip(MEASURES_HEADER, row, strict=True):
            style = typed.get(
                name, book.money_given if name == "planned_budget_eur" else book.given
            )
            _write(ws, r, col[name], value, style)
    last = len(plan) + SPARE_MEASURE_ROWS
    rows = (1, last)
    _code_list(book, ws, rows, col["org_code"], "org_code")
    _code_list(book, ws, rows, col["period"], "period")
    _code_list(book, ws, rows, col["plan_code"], "plan_code", style="warning")
    _code_list(book, ws, rows, col["responsible_institution"], "institution")
    _code_list(book, ws, rows, col["due_period"], "due_period", style="warning")
    ws.data_validation(
        1, col["status"], last, col["status"],
        {
            "validate": "list",
            "source": book.sources["status"],
            "input_title": "status",
            "input_message": book.t(TEXT["status_input"], period=period),
            "error_title": book.t(TEXT["code_title"]),
            "error_message": book.t(TEXT["code_error"], column="status"),
        },
    )  # fmt: skip
    for name in ("planned_budget_eur", "spent_budget_eur"):
        options = {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "error_title": name,
            "error_message": book.t(TEXT["money_error"]),
        }
        if name == "spent_budget_eur":
            options |= {
                "input_title": name,
                "input_message": book.t(TEXT["spent_input"], period=period),
            }
        ws.data_validation(1, col[name], last, col[name], options)


def _instructions_sheet(
    book: _Book, reference: Reference, org: str, period: str, has_plan: bool
) -> None:
    ws = book.wb.add_worksheet("instructions")
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 70)
    ws.set_column(2, 3, 22)
    name = reference.organisations[org].name if org in reference.organisations else ""
    ws.write_string(0, 0, book.t(TEXT["title"], org=org, org_name=name, period=period), book.title)
    ws.write_string(2, 0, book.t(TEXT["how"]), book.bold)
    steps = ["values", "codes", "measures" if has_plan else "measures_empty", "comments", "send"]
    for i, key in enumerate(steps, start=3):
        ws.merge_range(i, 0, i, 3, f"{i - 2}. {book.t(TEXT[key])}", book.wrap)
        ws.set_row(i, 48)
    r = len(steps) + 4
    ws.write_string(r, 0, book.t(TEXT["elements"]), book.bold)
    headers = [book.t(TEXT[key]) for key in ("code", "meaning", "breakdown", "max")]
    ws.write_row(r + 1, 0, headers, book.header)
    for i, element in enumerate(reference.data_elements.values(), start=r + 2):
        ws.write_string(i, 0, element.code)
        ws.write_string(i, 1, element.name)
        ws.write_string(i, 2, ", ".join(element.dimensions) or book.t(TEXT["none"]))
        ws.write_number(i, 3, element.max)
    r += len(reference.data_elements) + 3
    ws.write_string(r, 0, book.t(TEXT["statuses"]), book.bold)
    for i, status in enumerate(reference.measure_statuses, start=r + 1):
        ws.write_string(i, 0, status)
        ws.write_string(i, 1, book.t(STATUS_MEANINGS[status]) if status in STATUS_MEANINGS else "")
    ws.activate()


def build_template(
    reference: Reference,
    org: str,
    period: str,
    plan: pd.DataFrame | None = None,
    *,
    filled: Mapping[RowKey, tuple[object, object]] | None = None,
    extra: Iterable[tuple[RowKey, object, object]] = (),
    created: datetime | None = None,
) -> bytes:
    """The template of ``org`` for ``period`` as XLSX bytes.

    ``plan``: the measures rows to pre-fill (``latest_measures``; None or empty: the
    header only). ``filled`` (value and comment by row key) and ``extra`` rows are what a
    CSO typed: the bundled sample's template submission is written with them.
    ``created`` fixes the document's time (reproducible bytes).
    """
    plan = plan if plan is not None else pd.DataFrame(columns=list(MEASURES_HEADER))
    buffer = io.BytesIO()
    known = reference.organisations.get(org)
    book = _Book(buffer, known.language if known else DEFAULT_LANGUAGE)
    wb = book.wb
    properties = {
        "title": f"LCT submission template {org} {period}",
        "subject": f"Quarterly monitoring submission of {org} for {period}",
        "author": "LCT network",
        "comments": "Fill in the sheets 'values' and 'measures'; see 'instructions'.",
    }
    if created is not None:
        properties["created"] = created
    wb.set_properties(properties)
    wb.set_custom_property(MARKER, f"{org} {period}")
    book.set_lists(
        {
            "org_code": [org],
            "period": periods.period_range(periods.PROGRAMME_START, period)[::-1],
            "data_element": list(reference.data_elements),
            **{d: reference.dimensions[d].members for d in DIMENSION_COLUMNS},
            "status": reference.measure_statuses,
            "due_period": periods.period_range(
                periods.PROGRAMME_START, periods.shift(period, QUARTERS_AHEAD)
            ),
            "plan_code": sorted({str(p) for p in plan["plan_code"].dropna()}),
        }
    )
    _instructions_sheet(book, reference, org, period, not plan.empty)
    _values_sheet(book, reference, org, period, filled or {}, list(extra))
    _measures_sheet(book, org, period, plan)
    book.write_lists()
    wb.close()
    return buffer.getvalue()


# --------------------------------------------------------------- a quarter's templates


def write_templates(
    reference: Reference,
    period: str,
    orgs: Sequence[str],
    out_dir: Path,
    engine: sa.Engine | None = None,
) -> list[Written]:
    """Write the template of each of ``orgs`` for ``period`` into ``out_dir``; the measures
    sheet is pre-filled from ``engine``'s warehouse when one is given."""
    from lct_pipeline.files import atomic_write_bytes

    written = []
    for org in orgs:
        plan = latest_measures(engine, org, period) if engine is not None else None
        path = out_dir / file_name(org, period)
        atomic_write_bytes(path, build_template(reference, org, period, plan))
        n_plan = 0 if plan is None else len(plan)
        written.append(Written(org, period, path, len(value_keys(reference)), n_plan))
    return written
