"""A quarter's validation, what the ``validated_submissions`` asset runs: its raw rows read,
judged and stored, or left as they are when nothing they were judged from has changed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from lct_pipeline import freshness
from lct_pipeline.datadocs import MissingAssets
from lct_pipeline.reference import Reference
from lct_pipeline.rules import split
from lct_pipeline.rules.checker import Checker
from lct_pipeline.validation.accounting import account_for_rows
from lct_pipeline.validation.judging import Validation, concat, judge_rows
from lct_pipeline.validation.reads import history_maxima, read_raw_rows, rejected_files
from lct_pipeline.validation.store import mark_complete, store, stored_validation
from lct_pipeline.warehouse.tables_raw import rows_of_quarter


def validate_quarter(
    engine: sa.Engine,
    reference: Reference,
    period: str,
    current: str,
    data_docs_dir: Path | None = None,
    run_name: str | None = None,
) -> Validation:
    """Validate quarter ``period``'s rows and store the outcome; Data Docs when a folder is given.

    Running it again, or after a crash, leaves exactly what one clean run leaves. A
    quarter judged before from the same rows, history, reference and code is not judged
    again: what it stored then is what judging would store.
    """
    docs = data_docs_dir / period if data_docs_dir else None
    with engine.connect() as conn:
        # Read first: a history quarter that changes meanwhile leaves this one stale.
        built_from = freshness.input_version(conn, freshness.VALIDATION, period)
        raw = read_raw_rows(conn, rows_of_quarter(period, current))
        maxima = history_maxima(conn, period)
        file_slices, file_issues = rejected_files(conn, period)
        digest = freshness.fingerprint_rows(
            pd.DataFrame(
                {
                    "settings": [
                        freshness.code_digest(),
                        current,
                        freshness.reference_digest(reference),
                    ]
                }
            ),
            raw,
            maxima if maxima is not None else pd.DataFrame(),
            file_slices,
            file_issues,
        )
        kept = stored_validation(conn, period, digest, docs)
    # Rows stored otherwise than one judging stores them (written by hand, a database
    # restored in part) are judged and stored again.
    if kept is not None and account_for_rows(engine, period, current).ok:
        with engine.begin() as conn:  # the same result from this history's version
            freshness.record_built(conn, freshness.VALIDATION, period, built_from)
        return kept
    checker = Checker(docs, run_name or period)
    found = judge_rows(raw, reference, current, checker, maxima)
    validation = Validation(
        slices=split.supersede(concat([found.slices, file_slices])),
        issues=concat([found.issues, file_issues]),
        outcomes=found.outcomes,
        staged_values=found.staged_values,
        staged_measures=found.staged_measures,
    )
    store(engine, period, validation, built_from, digest)
    try:
        validation = replace(validation, data_docs=checker.build_data_docs())
    except MissingAssets as problem:
        # The quarter's data is stored and its figures must follow; pages that would load
        # from CDNs are not kept (build_data_docs removed them).
        return replace(validation, data_docs_problem=str(problem))
    # Complete once the Data Docs are there too: a run cut short before is judged again.
    mark_complete(engine, period, digest, validation.outcomes)
    return validation
