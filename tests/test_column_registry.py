"""The column registry (lct_pipeline/columns.py) is the one list of the SPEC's columns
(issue 18): the views show its columns, the tables store them as it types them, the
extracts read them, and no other module writes a run of them out again."""

from __future__ import annotations

import ast
from pathlib import Path

import pg
import pytest
import sqlalchemy as sa

from lct_pipeline import columns
from lct_pipeline.contract import COLUMNS, MEASURES, REQUIRED, VALUES
from lct_pipeline.extracts.inputs import VIEW_COLUMNS
from lct_pipeline.warehouse import tables_star, tables_validated
from lct_pipeline.warehouse.views import all_views

warehouse = pg.warehouse
ROOT = Path(__file__).resolve().parent.parent
# Runs this long of a registry list, written as literals elsewhere, are copies of it.
RUN = 4
# A deliberately malformed submission the generator writes: its header is the file's.
COPIES_ALLOWED = {"lct_pipeline/generator/bad_files.py"}


def test_every_view_shows_the_registry_columns_in_order(warehouse):
    assert list(all_views()) == list(columns.VIEWS)
    with warehouse.connect() as conn:
        for view, names in columns.VIEWS.items():
            shown = conn.execute(sa.text(f"SELECT * FROM {view} WHERE 1 = 0")).keys()
            assert list(shown) == list(names), view


@pytest.mark.parametrize(
    ("table", "names"),
    [
        (tables_validated.staged_values, columns.VALUES_TABLE),
        (tables_validated.staged_measures, columns.MEASURES_TABLE),
        # Facts lead with the period they are replaced by, and keep no comment.
        (tables_star.fact_values, ("period", *columns.VALUE_COLUMNS)),
        (tables_star.fact_measures, ("period", *columns.MEASURES_TABLE)),
        (tables_star.fact_indicator_values, (*columns.INDICATOR_KEY, *columns.INDICATOR_FIGURES)),
        (tables_star.fact_reporting_completeness, columns.COMPLETENESS_COLUMNS),
    ],
    ids=lambda p: p.name if isinstance(p, sa.Table) else "",
)
def test_tables_store_the_registry_columns_as_it_types_them(table, names):
    stored = [c for c in table.columns if c.name in names]
    assert [c.name for c in stored] == list(dict.fromkeys(names))
    for column in stored:
        assert repr(column.type) == repr(columns.TYPES[column.name]), column.name


def test_a_submitted_column_is_required_exactly_when_it_is_stored_not_null():
    for record_type, table in (
        (VALUES, tables_validated.staged_values),
        (MEASURES, tables_validated.staged_measures),
    ):
        not_null = [
            c.name for c in table.columns if not c.nullable and c.name in COLUMNS[record_type]
        ]
        assert not_null == list(REQUIRED[record_type])


def test_extracts_read_each_view_with_the_registry_columns():
    assert VIEW_COLUMNS
    for view, names in VIEW_COLUMNS.items():
        assert names == columns.VIEWS[view]


def _literal_runs(tree: ast.AST):
    """Each tuple or list literal's runs of consecutive string constants, with its line."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List):
            run: list[str] = []
            for element in [*node.elts, None]:
                if isinstance(element, ast.Constant) and isinstance(element.value, str):
                    run.append(element.value)
                    continue
                if len(run) >= RUN:
                    yield node.lineno, run
                run = []


def test_no_module_writes_out_a_run_of_registry_columns_again():
    lists = [
        value
        for value in vars(columns).values()
        if isinstance(value, tuple) and value and all(isinstance(v, str) for v in value)
    ]
    assert columns.VALUES_TABLE in lists and columns.SUBMISSION_COLUMNS in lists
    runs = {tuple(names[i : i + RUN]) for names in lists for i in range(len(names) - RUN + 1)}
    copies = []
    for folder in ("lct_pipeline", "assets"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name == "lct_pipeline/columns.py" or name in COPIES_ALLOWED:
                continue
            for line, run in _literal_runs(ast.parse(path.read_text(encoding="utf-8"))):
                if any(tuple(run[i : i + RUN]) in runs for i in range(len(run) - RUN + 1)):
                    copies.append(f"{name}:{line}: {', '.join(run)}")
    assert not copies, "take these from lct_pipeline.columns:\n" + "\n".join(copies)
