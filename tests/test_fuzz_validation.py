"""Fuzzing ingestion and validation together: files of random, mostly wrong rows.

Invariants, whatever the rows hold: no exception; every data row ends in exactly one
place (accepted or rejected) and the slices' counts add up; no free-text personal data
(an e-mail address, a JMBG) reaches any table of the warehouse.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from lct_pipeline.ingestion import ingest_inbox, quarters_with_data
from lct_pipeline.reference import load_reference
from lct_pipeline.settings import DATA_DIR
from lct_pipeline.validation import validate_quarter
from lct_pipeline.warehouse.engine import get_engine
from lct_pipeline.warehouse.schema import ensure_schema
from lct_pipeline.warehouse.stage import load_current_values

TODAY = date(2014, 3, 1)
CURRENT = "2014Q1"
HEADER = ["org_code", "period", "data_element", "sex", "age_group", "vulnerable_group",
          "service", "institution", "value", "comment"]  # fmt: skip
SECRETS = ("ana.petrovic@example.rs", "0101990715123", "064/123-4567")

cells = {
    "org_code": st.sampled_from(
        [
            "CSO01",
            "cso02",
            " CSO03 ",
            "CSO14",
            "CSO99",
            "",
            "=1+1",
            "ＣＳＯ01",
            "СSO01",
            f"popunila Ana {SECRETS[2]}",
        ]
    ),
    "period": st.sampled_from(
        [
            "2013Q1",
            "2013-Q1",
            "Q1 2013",
            "2013Q2",
            "2012Q3",
            "2031Q1",
            "someday",
            "",
            "２０１３Q1",
            "٢٠١٣-Q2",
        ]
    ),
    "data_element": st.sampled_from(
        [
            "VOT_ASSISTED",
            "PERSONS_INFORMED",
            "CONSULTATIONS_HELD",
            "SERVICES_PROVIDED",
            "RECOMMENDATIONS_ADOPTED",
            "X",
            "",
        ]
    ),
    "sex": st.sampled_from(["F", "M", "Ž", "_T", "", "X"]),
    "age_group": st.sampled_from(["CHILD", "ADULT", "", "_T", "ELDER"]),
    "vulnerable_group": st.sampled_from(["POVERTY", "RURAL", "", "NOPE"]),
    "service": st.sampled_from(["SHELTER", "", "SPA"]),
    "institution": st.sampled_from(["", "POLICE", f"Ana {SECRETS[0]}"]),
    "value": st.sampled_from(
        [
            "0",
            "1",
            "2",
            "3",
            "12,5",
            "1.234,50",
            "-1",
            "6000",
            "x",
            "",
            "@SUM(A1)",
            "３",
            "١٢",
            SECRETS[1],
        ]
    ),
    "comment": st.sampled_from(
        ["", "ok", f"pišite na {SECRETS[0]}", f"JMBG {SECRETS[1]}", "=HYPERLINK(1)", "č" * 600]
    ),
}
# A cell beyond the header (a note or a signature beside the table).
cells["_beyond"] = st.sampled_from(["", "", f"tel {SECRETS[2]}", SECRETS[0]])
rows = st.lists(st.fixed_dictionaries(cells), min_size=1, max_size=25)


def _csv(records: list[dict[str, str]], delimiter: str) -> str:
    def quote(text: str) -> str:
        return f'"{text}"' if delimiter in text or '"' in text else text

    lines = [delimiter.join(HEADER)]
    lines += [
        delimiter.join(
            [*(quote(r[c]) for c in HEADER), *([quote(r["_beyond"])] * bool(r["_beyond"]))]
        )
        for r in records
    ]
    return "\r\n".join(lines) + "\r\n"


@pytest.fixture(scope="module")
def reference():
    return load_reference(DATA_DIR / "reference")


@settings(
    # A few minutes at most in CI; LCT_FUZZ_EXAMPLES=500 for a long run (docs/reliability.md).
    max_examples=int(os.environ.get("LCT_FUZZ_EXAMPLES", "10")),
    deadline=None,
    # Each example validates with Great Expectations: shrinking would take minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(files=st.lists(st.tuples(rows, st.sampled_from([",", ";"])), min_size=1, max_size=3))
def test_every_row_ends_in_one_place_and_nothing_personal_is_stored(
    tmp_path_factory, reference, files
):
    root = tmp_path_factory.mktemp("fuzz")
    inbox = root / "inbox"
    inbox.mkdir()
    data_rows = {}
    for n, (records, delimiter) in enumerate(files):
        path = inbox / f"f{n}.csv"
        text = _csv(records, delimiter)
        path.write_text(text, encoding="utf-8")
        # The same bytes twice are one submission; a row of blank cells is no data row.
        data_rows[text] = sum(any(r.values()) for r in records)
        stamp = datetime(2013, 4, 10 + n, tzinfo=UTC).timestamp()
        os.utime(path, (stamp, stamp))
    engine = get_engine(f"sqlite:///{root / 'warehouse.sqlite'}")
    ensure_schema(engine)
    ingest_inbox(inbox, root / "archive", engine, TODAY)
    for quarter in quarters_with_data(engine, TODAY):
        validate_quarter(engine, reference, quarter, CURRENT)
        load_current_values(engine, reference, quarter, CURRENT)

    with engine.connect() as conn:
        raw = pd.read_sql(sa.text("SELECT sha256, sheet, row_number FROM raw_rows"), conn)
        slices = pd.read_sql(sa.text("SELECT * FROM slices"), conn)
        staged = pd.read_sql(sa.text("SELECT submission_id, period FROM staged_values"), conn)
        stored = pd.read_sql(sa.text("SELECT submission_id, period FROM fact_values"), conn)
        rejected = pd.read_sql(
            sa.text(
                "SELECT DISTINCT submission_id, sheet, row_number FROM row_issues"
                " WHERE severity = 'rejection' AND row_number IS NOT NULL"
            ),
            conn,
        )
        dump = "\n".join(
            str(row)
            for table in sa.inspect(conn).get_table_names()
            for row in conn.execute(sa.text(f"SELECT * FROM {table}"))
        )
    engine.dispose()

    assert len(raw) == sum(data_rows.values())
    assert slices["rows_total"].sum() == len(raw)
    assert (slices["rows_total"] == slices["rows_accepted"] + slices["rows_rejected"]).all()
    assert len(rejected) == slices["rows_rejected"].sum()
    # Accepted is stored: each slice's accepted rows (exact copies once) are staged under
    # its quarter as the warehouse writes quarters, and the current slices' reach the facts.
    kept = (slices["rows_accepted"] - slices["rows_repeated"]).set_axis(slices["submission_id"])
    counts = staged.groupby("submission_id").size().reindex(kept.index, fill_value=0)
    assert counts.to_dict() == kept.to_dict()
    period_of = slices.set_index("submission_id")["period"]
    assert (staged["period"] == staged["submission_id"].map(period_of)).all()
    assert staged["period"].str.fullmatch(r"[0-9]{4}Q[1-4]").all()
    current = slices.loc[slices["is_current"].astype(bool) & (slices["record_type"] == "values")]
    assert sorted(stored["submission_id"]) == sorted(
        staged.loc[staged["submission_id"].isin(current["submission_id"]), "submission_id"]
    )
    for secret in SECRETS:
        assert secret not in dump
