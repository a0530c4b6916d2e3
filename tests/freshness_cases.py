"""Workspaces for the freshness tests: a generated network's inbox, `lct` run in this
process as a data officer runs it, and the warehouse and extracts read back for a
cell-by-cell comparison with a clean run (SPEC §6)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from test_crash_consistency import _views

from lct_pipeline import cli, made_from
from lct_pipeline.extracts import revisions

TODAY = "2015-03-01"
# What differs between two runs of the same data: which run wrote it, and when.
_RUN_LINE = re.compile(r"Generated .*?code version", re.S)
_RUN_FIELDS = ("run_id", "created_at")
# What a history has and a clean run cannot (SPEC §9 revisions): the earlier versions,
# the list of what changed since, and the manifest's version fields. ``extracts()``
# compares the current files; the revision tests read these.
_CHANGES_SECTION = re.compile(r'<section id="changes">.*?</section>\n', re.S)


@dataclass
class Workspace:
    root: Path
    network: Path  # the generated network: inbox/, received.csv, reference/
    dagster_home: Path  # one per test session: `lct` keeps its instance for the process
    warehouse_url: str = ""

    def __post_init__(self) -> None:
        self.warehouse_url = self.warehouse_url or f"sqlite:///{self.root / 'warehouse.sqlite'}"

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    def env(self) -> dict[str, str]:
        return {
            "LCT_INBOX_DIR": str(self.inbox),
            "LCT_ARCHIVE_DIR": str(self.root / "archive"),
            "LCT_EXTRACTS_DIR": str(self.root / "extracts"),
            "LCT_DATA_DOCS_DIR": str(self.root / "data_docs"),
            "LCT_WAREHOUSE_URL": self.warehouse_url,
            "LCT_REFERENCE_DIR": str(self.network / "reference"),
            "LCT_TODAY": TODAY,
            "DAGSTER_HOME": str(self.dagster_home),
        }

    def put(self, name: str, data: bytes, received_at: str) -> None:
        """A file arriving in the inbox at ``received_at`` (its modification time)."""
        target = self.inbox / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        stamp = datetime.fromisoformat(received_at).timestamp()
        os.utime(target, (stamp, stamp))

    def receive(self, skip: tuple[str, ...] = ()) -> None:
        """The network's files as they were received, but those named in ``skip``."""
        for name, received_at in received(self.network).items():
            if name not in skip:
                self.put(name, (self.network / "inbox" / name).read_bytes(), received_at)

    def lct(self, *args: str, capsys=None) -> str:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in self.env().items():
                patch.setenv(name, value)
            status = cli.main(list(args))
        assert status == 0, f"lct {' '.join(args)} failed"
        return capsys.readouterr().out if capsys else ""

    def views(self) -> dict[str, pd.DataFrame]:
        return _views(self.warehouse_url)

    def extracts(self) -> dict[str, object]:
        """Every extract and feedback file, as what a reader sees of it."""
        root = self.root / "extracts"
        return {
            path.relative_to(root).as_posix(): _content(path)
            for path in sorted(root.rglob("*"))
            if path.is_file()
            and not {".staging", ".audit", made_from.FOLDER, revisions.REVISIONS} & set(path.parts)
            and not path.name.endswith(f"_{revisions.CHANGES}.csv")
        }

    def copy(self, root: Path) -> Workspace:
        """The same workspace in another folder (a SQLite warehouse is a file)."""
        shutil.copytree(self.root, root)
        url = self.warehouse_url.replace(str(self.root), str(root))
        return Workspace(root, self.network, self.dagster_home, url)


def received(network: Path) -> dict[str, str]:
    with (network / "received.csv").open(encoding="utf-8", newline="") as handle:
        return {row["file"]: row["received_at"] for row in csv.DictReader(handle)}


def _content(path: Path) -> object:
    data = path.read_bytes()
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(io.BytesIO(data))
        return {
            sheet.title: [list(r) for r in sheet.iter_rows(values_only=True)]
            for sheet in book
            if sheet.title != revisions.CHANGES
        }
    if path.name == "manifest.json":
        manifest = json.loads(data)
        for field in (*_RUN_FIELDS, *revisions.MANIFEST_FIELDS):
            manifest.pop(field, None)
        # Workbooks and reports carry their run's time, so their digests differ.
        manifest["files"] = sorted(f["name"] for f in manifest.get("files", []))
        return manifest
    if path.suffix == ".html":
        return _CHANGES_SECTION.sub("", _RUN_LINE.sub("", data.decode("utf-8")))
    return data


def edited_csv(data: bytes, edit) -> bytes:
    """A CSV submission with its rows passed through ``edit(row) -> row | None``."""
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    kept = [edited for row in body if (edited := edit(dict(zip(header, row, strict=True))))]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[row[c] for c in header] for row in kept])
    return out.getvalue().encode("utf-8")
