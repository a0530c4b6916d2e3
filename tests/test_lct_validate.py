"""``lct validate`` as a CSO runs it, in a fresh process, before sending a file (SPEC §10)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
LCT = [sys.executable, "-m", "lct_pipeline.cli", "validate"]
HEADER = "org_code;period;data_element;sex;age_group;value"


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*LCT, *args], cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_help_says_outlier_needs_the_warehouse():
    done = subprocess.run([*LCT, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert "OUTLIER is not checked here" in " ".join(done.stdout.split())


def test_a_clean_file_passes_and_a_faulty_one_is_named_row_by_row(workspace, tmp_path):
    clean = tmp_path / "cso05.csv"
    clean.write_text(f"{HEADER}\nCSO05;2013Q1;VOT_ASSISTED;F;ADULT;2\n", encoding="utf-8")
    faulty = tmp_path / "cso06.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "values"
    for row in (
        HEADER.split(";"),
        ["CSO06", "2013Q1", "VOT_ASSISTED", "F", "ADULT", 2],
        ["CSO06", "2013Q1", "VOT_ASSISTED", "M", "ELDER", 1],
        ["CSO06", "2031Q1", "VOT_ASSISTED", "M", "ADULT", 1],
    ):
        book.active.append(row)
    book.save(faulty)

    # At once: each process pays the cold start (importing Great Expectations) alone. The
    # registry says CSO05 writes Serbian in Latin and CSO06 in Cyrillic (SPEC §11).
    runs = [_start(str(clean)), _start("--lang", "en", str(faulty)), _start(str(faulty))]
    (clean_out, clean_err), (faulty_out, _), (cyrillic_out, _) = (
        run.communicate(timeout=300) for run in runs
    )

    assert runs[0].returncode == 0, clean_err
    assert clean_out.splitlines() == [f"{clean}: U REDU: prihvaćeno redova: 1"]
    assert runs[1].returncode == runs[2].returncode == 1
    assert cyrillic_out.splitlines() == [
        f"{faulty}  лист values  ред 3  age_group  BAD_DIMENSION"
        "  age_group 'ELDER' није ниједна од вредности CHILD, ADULT, U.",
        f"{faulty}  лист values  ред 4  period  FUTURE_PERIOD"
        "  period '2031Q1' је после текућег тромесечја 2014Q1; о тромесечју се извештава када"
        " почне.",
        f"{faulty}: ОДБИЈЕНО: 2 од 3 редова",
    ]
    assert faulty_out.splitlines() == [
        f"{faulty}  sheet values  row 3  age_group  BAD_DIMENSION"
        "  age_group 'ELDER' is not one of CHILD, ADULT, U.",
        f"{faulty}  sheet values  row 4  period  FUTURE_PERIOD"
        "  period '2031Q1' is after the current quarter 2014Q1; a quarter is reported once it"
        " has begun.",
        f"{faulty}: REJECTED: 2 of 3 rows",
    ]


def test_a_file_rejected_whole_is_named_with_its_reason(workspace, tmp_path):
    personal = tmp_path / "cso07.csv"
    personal.write_text("org_code;period;data_element;JMBG;value\n", encoding="utf-8")
    done = subprocess.run(
        [*LCT, str(personal)], cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 1
    # No row names a CSO: the registry's default language.
    assert done.stdout.splitlines() == [
        f"{personal}  ceo fajl  PERSONAL_DATA  kolone jmbg liče na lične podatke; uklonite ih i"
        " pošaljite samo brojeve. Ništa iz ovog fajla nije učitano.",
        f"{personal}: ODBIJENO: ceo fajl (PERSONAL_DATA)",
    ]
