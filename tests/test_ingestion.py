"""Ingestion writes real files into an inbox and reads them back from the warehouse."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, date, datetime

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from lct_pipeline import ingestion
from lct_pipeline.ingestion import ALREADY_INGESTED, INGESTED, REJECTED, ingest_inbox
from lct_pipeline.warehouse.engine import get_engine
from lct_pipeline.warehouse.schema import ensure_schema

HEADER = "org_code,period,data_element,sex,age_group,value\n"
TODAY = date(2014, 3, 1)


def _engine(workspace):
    engine = get_engine(workspace.warehouse_url)
    ensure_schema(engine)
    return engine


def _write(path, text: str | bytes, received: str = "2013-04-10T08:00:00"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    stamp = datetime.fromisoformat(received).replace(tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def _snapshot(folder):
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _table(engine, name):
    with engine.connect() as conn:
        return pd.read_sql(sa.text(f"SELECT * FROM {name} ORDER BY 1, 2, 3"), conn)


def test_files_are_archived_byte_for_byte_and_the_inbox_is_untouched(workspace):
    body = HEADER + "CSO01,2013Q1,VOT_ASSISTED,F,ADULT,2\r\nCSO01,2013Q1,VOT_ASSISTED,M,ADULT,1\r\n"
    _write(workspace.inbox / "2013Q1" / "cso01.csv", body)
    _write(workspace.inbox / "notes.txt", "not a submission")
    before = _snapshot(workspace.inbox)

    report = ingest_inbox(workspace.inbox, workspace.archive, _engine(workspace), TODAY)

    assert [(f.source_file, f.status, f.rows) for f in report.files] == [
        ("2013Q1/cso01.csv", INGESTED, 2)
    ]
    assert report.ignored == ["notes.txt"]
    assert _snapshot(workspace.inbox) == before
    sha = hashlib.sha256(body.encode()).hexdigest()
    assert (workspace.archive / sha / "cso01.csv").read_bytes() == body.encode()


def test_raw_rows_keep_sheet_row_number_and_raw_text(workspace):
    body = HEADER + 'cso01, 2013-q1 ,VOT_ASSISTED,ž,Adult,"1,0"\n\nCSO01,Q1 2013,X,,,7\n'
    _write(workspace.inbox / "a.csv", body)
    engine = _engine(workspace)
    ingest_inbox(workspace.inbox, workspace.archive, engine, TODAY)

    rows = _table(engine, "raw_rows")
    assert rows["row_number"].tolist() == [2, 4]
    assert rows["sheet"].tolist() == ["", ""]
    assert rows["value"].tolist() == ["1,0", "7"]
    assert rows["sex"].tolist()[0] == "ž"
    assert rows["period_norm"].tolist() == ["2013Q1", "2013Q1"]
    assert rows["org_norm"].tolist() == ["CSO01", "CSO01"]
    files = _table(engine, "raw_files")
    assert files["source_file"].tolist() == ["a.csv"]
    # The received time is the file's modification time, stored in UTC.
    assert pd.to_datetime(files["received_at"]).tolist() == [pd.Timestamp("2013-04-10 08:00:00")]


def test_a_second_ingestion_of_the_same_bytes_adds_nothing(workspace):
    body = HEADER + "CSO01,2013Q1,VOT_ASSISTED,F,ADULT,2\n"
    _write(workspace.inbox / "a.csv", body)
    engine = _engine(workspace)
    ingest_inbox(workspace.inbox, workspace.archive, engine, TODAY)
    first = (_table(engine, "raw_files"), _table(engine, "raw_rows"))
    # The same bytes again, under another name, and the first file untouched.
    _write(workspace.inbox / "copy" / "a-again.csv", body)

    report = ingest_inbox(workspace.inbox, workspace.archive, engine, TODAY)

    assert {f.source_file: f.status for f in report.files} == {
        "a.csv": ALREADY_INGESTED,
        "copy/a-again.csv": ALREADY_INGESTED,
    }
    pd.testing.assert_frame_equal(_table(engine, "raw_files"), first[0])
    pd.testing.assert_frame_equal(_table(engine, "raw_rows"), first[1])


def test_a_file_ingested_before_is_not_read_again_unless_it_changed(workspace, monkeypatch):
    # Every run checks the whole inbox: 20,000 files of a national network.
    body = HEADER + "CSO01,2013Q1,VOT_ASSISTED,F,ADULT,2\n"
    _write(workspace.inbox / "2013Q1" / "cso01 0641234567.csv", body)
    _write(workspace.inbox / "b.csv", body.replace(",2\n", ",3\n"))
    engine = _engine(workspace)
    ingest_inbox(workspace.inbox, workspace.archive, engine, TODAY)
    read = []
    real = ingestion.read_regular
    monkeypatch.setattr(
        ingestion, "read_regular", lambda path: read.append(path.name) or real(path)
    )
    # b.csv corrected: new bytes of the same size, written later.
    _write(workspace.inbox / "b.csv", body.replace(",2\n", ",4\n"), "2013-04-11T08:00:00")

    report = ingest_inbox(workspace.inbox, workspace.archive, engine, TODAY)

    assert {f.source_file: f.status for f in report.files} == {
        "2013Q1/cso01 [removed: phone].csv": ALREADY_INGESTED,
        "b.csv": INGESTED,
    }
    assert read == ["b.csv"]
    assert len(_table(engine, "raw_files")) == 3


def test_personal_data_files_are_archived_but_load_nothing(workspace):
    body = "org_code,period,data_element,ime i prezime,value\nCSO01,2013Q1,VOT_ASSISTED,Ana A.,1\n"
    _write(workspace.inbox / "pii.csv", body)
    engine = _engine(workspace)
    report = ingest_inbox(workspace.inbox, workspace.archive, engine, TODAY)

    assert [(f.status, f.reason_code) for f in report.files] == [(REJECTED, "PERSONAL_DATA")]
    assert _table(engine, "raw_rows").empty
    files = _table(engine, "raw_files")
    assert files["reason_code"].tolist() == ["PERSONAL_DATA"]
    assert "ime_i_prezime" in files["message"].iloc[0]
    assert "Ana" not in files.to_csv()
    sha = hashlib.sha256(body.encode()).hexdigest()
    assert (workspace.archive / sha / "pii.csv").read_bytes() == body.encode()


def test_one_bad_file_does_not_stop_the_others(workspace):
    _write(workspace.inbox / "a_junk.csv", b"\x00\x01\x02\xff\xfe\x00garbage")
    _write(workspace.inbox / "b_layout.csv", "foo,bar\n1,2\n")
    _write(workspace.inbox / "c_missing.csv", "org_code,data_element\nCSO01,VOT_ASSISTED\n")
    _write(workspace.inbox / "d_empty.csv", HEADER)
    _write(workspace.inbox / "e_good.csv", HEADER + "CSO01,2013Q1,VOT_ASSISTED,F,ADULT,2\n")
    report = ingest_inbox(workspace.inbox, workspace.archive, _engine(workspace), TODAY)

    assert [(f.source_file, f.reason_code) for f in report.files] == [
        ("a_junk.csv", "UNREADABLE_FILE"),
        ("b_layout.csv", "UNKNOWN_LAYOUT"),
        ("c_missing.csv", "MISSING_COLUMNS"),
        ("d_empty.csv", "EMPTY_FILE"),
        ("e_good.csv", ""),
    ]
    assert report.files[-1].rows == 1


def test_rows_without_a_usable_period_are_homed_in_the_files_main_quarter(workspace):
    body = HEADER + (
        "CSO01,2013Q2,VOT_ASSISTED,F,ADULT,2\n"
        "CSO01,2013Q2,VOT_ASSISTED,M,ADULT,1\n"
        "CSO01,2013Q1,VOT_IDENTIFIED,F,ADULT,1\n"
        "CSO01,someday,VOT_ASSISTED,M,CHILD,1\n"
        "CSO01,2031Q1,VOT_ASSISTED,F,CHILD,1\n"
    )
    _write(workspace.inbox / "a.csv", body, received="2013-07-20T08:00:00")
    engine = _engine(workspace)
    ingest_inbox(workspace.inbox, workspace.archive, engine, TODAY)

    from lct_pipeline.ingestion import quarter_files, quarters_with_data
    from lct_pipeline.warehouse.tables_raw import raw_rows, rows_of_quarter

    assert _table(engine, "raw_files")["home_period"].tolist() == ["2013Q2"]
    with engine.connect() as conn:
        q2 = conn.execute(
            sa.select(raw_rows.c.row_number).where(rows_of_quarter("2013Q2", "2014Q1"))
        ).scalars()
        assert sorted(q2) == [2, 3, 5, 6]
    assert quarter_files(engine, "2013Q1", "2014Q1")["rows"].tolist() == [1]
    assert quarters_with_data(engine, TODAY) == ["2012Q4", "2013Q1", "2013Q2"]


def test_a_file_above_the_size_limit_is_archived_and_rejected_unread(workspace):
    body = HEADER + "CSO01,2013Q1,VOT_ASSISTED,F,ADULT,2\n" * 200
    _write(workspace.inbox / "big.csv", body)
    _write(workspace.inbox / "small.csv", HEADER + "CSO01,2013Q1,VOT_ASSISTED,F,ADULT,2\n")
    engine = _engine(workspace)
    report = ingest_inbox(workspace.inbox, workspace.archive, engine, TODAY, max_bytes=1000)

    big, small = report.files
    assert (big.status, big.reason_code) == (REJECTED, "UNREADABLE_FILE")
    assert big.message.startswith("the file is 7.2 kB, above the 1.0 kB limit")
    assert "LCT_MAX_FILE_MB" in big.message
    assert (small.status, small.rows) == (INGESTED, 1)
    sha = hashlib.sha256(body.encode()).hexdigest()
    assert big.sha256 == sha
    assert (workspace.archive / sha / "big.csv").read_bytes() == body.encode()
    assert _table(engine, "raw_rows")["sha256"].unique().tolist() == [small.sha256]


def test_personal_data_in_comments_is_removed_before_the_raw_layer(workspace):
    body = (
        "org_code,period,data_element,value,comment\n"
        "CSO01,2013Q1,CONSULTATIONS_HELD,3,kontakt ana@example.rs ili 064/123-4567\n"
        "CSO01,2013Q1,NETWORK_MEETINGS,1,redovan sastanak\n"
    )
    _write(workspace.inbox / "a.csv", body)
    engine = _engine(workspace)
    ingest_inbox(workspace.inbox, workspace.archive, engine, TODAY)

    rows = _table(engine, "raw_rows")
    assert rows["comment"].tolist() == [
        "kontakt [removed: e-mail] ili [removed: phone]",
        "redovan sastanak",
    ]
    assert rows["redacted"].iloc[0] == "comment: e-mail, phone"
    assert pd.isna(rows["redacted"].iloc[1])
    with engine.connect() as conn:
        dump = "\n".join(str(r) for r in conn.execute(sa.text("SELECT * FROM raw_rows")))
    assert "ana@example.rs" not in dump and "123-4567" not in dump


def test_links_devices_and_pipes_are_listed_as_ignored_and_never_opened(workspace, tmp_path):
    """SPEC §3.1: only regular files inside the inbox are submissions."""
    body = HEADER + "CSO01,2013Q1,VOT_ASSISTED,F,ADULT,2\n"
    _write(workspace.inbox / "2013Q1" / "cso01.csv", body)
    outside = _write(
        tmp_path / "elsewhere" / "secret.csv", HEADER + "CSO02,2013Q1,VOT_ASSISTED,F,ADULT,9\n"
    )
    (workspace.inbox / "2013Q1" / "link_out.csv").symlink_to(outside)
    (workspace.inbox / "2013Q1" / "link_in.csv").symlink_to(
        workspace.inbox / "2013Q1" / "cso01.csv"
    )
    (workspace.inbox / "folder_link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (workspace.inbox / "loop_a.csv").symlink_to(workspace.inbox / "loop_b.csv")
    (workspace.inbox / "loop_b.csv").symlink_to(workspace.inbox / "loop_a.csv")
    (workspace.inbox / "2013Q1" / "up").symlink_to(workspace.inbox, target_is_directory=True)
    os.mkfifo(workspace.inbox / "pipe.csv")  # opening it would block the run

    report = ingest_inbox(workspace.inbox, workspace.archive, _engine(workspace), TODAY)

    assert [(f.source_file, f.status) for f in report.files] == [("2013Q1/cso01.csv", INGESTED)]
    assert report.ignored == [
        "2013Q1/link_in.csv", "2013Q1/link_out.csv", "2013Q1/up", "folder_link", "loop_a.csv",
        "loop_b.csv", "pipe.csv",
    ]  # fmt: skip
    archived = {p.name for p in workspace.archive.rglob("*") if p.is_file()}
    assert archived == {"cso01.csv"}
    assert "CSO02" not in _table(_engine(workspace), "raw_rows").to_csv()


def test_a_file_replaced_by_a_link_after_listing_is_not_followed(workspace, tmp_path):
    from lct_pipeline.reading import read_regular

    target = _write(tmp_path / "secret.csv", "secret")
    link = workspace.inbox / "late.csv"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    with pytest.raises(OSError):
        read_regular(link)
    os.mkfifo(workspace.inbox / "fifo.csv")
    with pytest.raises(OSError, match="not a regular file"):
        read_regular(workspace.inbox / "fifo.csv")


def test_a_workbook_whose_measures_sheet_holds_only_its_header_keeps_its_values(workspace):
    """SPEC §3.2: a sheet holding only a header is an empty table, not an empty file."""
    book = openpyxl.Workbook()
    values = book.active
    values.title = "values"
    values.append(["org_code", "period", "data_element", "sex", "age_group", "value"])
    values.append(["CSO01", "2013Q1", "VOT_ASSISTED", "F", "ADULT", 3])
    measures = book.create_sheet("measures")
    measures.append(["org_code", "period", "plan_code", "measure_code", "measure_title", "status",
                     "planned_budget_eur", "spent_budget_eur", "due_period"])  # fmt: skip
    path = workspace.inbox / "2013Q1" / "cso01.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    empty = openpyxl.Workbook()
    empty.active.title = "values"
    empty.active.append(["org_code", "period", "data_element", "value"])
    empty.create_sheet("measures").append(["org_code", "period", "measure_code"])
    empty.save(workspace.inbox / "2013Q1" / "cso02.xlsx")
    engine = _engine(workspace)

    report = ingest_inbox(workspace.inbox, workspace.archive, engine, TODAY)

    outcome = {f.source_file: (f.status, f.reason_code, f.rows) for f in report.files}
    assert outcome["2013Q1/cso01.xlsx"] == (INGESTED, "", 1)
    # Nothing in any table: that one is an empty file.
    assert outcome["2013Q1/cso02.xlsx"][:2] == (REJECTED, "EMPTY_FILE")
    rows = _table(engine, "raw_rows")
    assert rows["sheet"].tolist() == ["values"] and rows["value"].tolist() == ["3"]


def _small_inbox(inbox):
    """Five files: four accepted (one of them with rows of no usable quarter), one rejected."""
    for n, quarter in enumerate(["2013Q1", "2013Q1", "2013Q2", "2013Q3"], start=1):
        rows = "".join(
            f"CSO0{n},{quarter},VOT_ASSISTED,{sex},ADULT,{n}\n" for sex in ("F", "M", "X")
        )
        _write(
            inbox / quarter / f"cso0{n}.csv",
            HEADER + rows + f"CSO0{n},later,VOT_ASSISTED,F,ADULT,1\n",
        )
    _write(inbox / "2013Q1" / "cso05.csv", "name,phone\nAna,0641234567\n")


def test_files_stored_in_batches_are_stored_as_in_one(workspace, tmp_path, monkeypatch):
    _small_inbox(workspace.inbox)
    one = _engine(workspace)
    whole = ingest_inbox(workspace.inbox, workspace.archive, one, TODAY)
    # A batch of one file at a time: every file its own transaction.
    monkeypatch.setattr(ingestion, "CHUNK_ROWS", 1)
    many = get_engine(f"sqlite:///{tmp_path / 'batched.sqlite'}")
    ensure_schema(many)

    batched = ingest_inbox(workspace.inbox, tmp_path / "archive", many, TODAY)

    assert batched.files == whole.files
    assert [(f.source_file, f.status, f.rows) for f in whole.files] == [
        ("2013Q1/cso01.csv", INGESTED, 4),
        ("2013Q1/cso02.csv", INGESTED, 4),
        ("2013Q1/cso05.csv", REJECTED, 0),
        ("2013Q2/cso03.csv", INGESTED, 4),
        ("2013Q3/cso04.csv", INGESTED, 4),
    ]
    files = _table(one, "raw_files")
    assert dict(zip(files["source_file"], files["home_period"], strict=True)) == {
        "2013Q1/cso01.csv": "2013Q1",
        "2013Q1/cso02.csv": "2013Q1",
        "2013Q1/cso05.csv": "2013Q1",
        "2013Q2/cso03.csv": "2013Q2",
        "2013Q3/cso04.csv": "2013Q3",
    }
    for name in ("raw_files", "raw_rows"):
        expected = _table(one, name).drop(columns="archive_path", errors="ignore")
        got = _table(many, name).drop(columns="archive_path", errors="ignore")
        pd.testing.assert_frame_equal(got, expected, obj=name)


def test_a_batch_that_a_parallel_run_stored_a_file_of_first_stores_the_others(
    workspace, monkeypatch
):
    _small_inbox(workspace.inbox)
    engine = _engine(workspace)
    taken = (workspace.inbox / "2013Q2" / "cso03.csv").read_bytes()
    real = ingestion._read_file

    def read_and_race(path, *args):
        read = real(path, *args)
        if path.name == "cso03.csv":
            # Another run stores the same bytes between this run's read and its commit.
            with engine.begin() as conn:
                conn.execute(
                    ingestion.raw_files.insert(),
                    [
                        read.file_row
                        | {"source_file": "elsewhere/cso03.csv", "home_period": "2013Q2"}
                    ],
                )
        return read

    monkeypatch.setattr(ingestion, "_read_file", read_and_race)

    report = ingest_inbox(workspace.inbox, workspace.archive, engine, TODAY)

    assert [(f.source_file, f.status, f.rows) for f in report.files] == [
        ("2013Q1/cso01.csv", INGESTED, 4),
        ("2013Q1/cso02.csv", INGESTED, 4),
        ("2013Q1/cso05.csv", REJECTED, 0),
        ("2013Q2/cso03.csv", ALREADY_INGESTED, 0),
        ("2013Q3/cso04.csv", INGESTED, 4),
    ]
    rows = _table(engine, "raw_rows")
    assert rows.groupby("sha256").size().to_dict() == {
        hashlib.sha256((workspace.inbox / f).read_bytes()).hexdigest(): 4
        for f in ("2013Q1/cso01.csv", "2013Q1/cso02.csv", "2013Q3/cso04.csv")
    }
    assert hashlib.sha256(taken).hexdigest() not in set(rows["sha256"])
