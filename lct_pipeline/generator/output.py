"""Writing the generated files, ``received.csv`` and ``manifest.json``.

The manifest is the answer key: per file how it was written, and per injected
mistake where it is (file, sheet, row number as a person sees it, column) and
which reason the validation should give. Later tests compare the pipeline's
rejections and warnings with it.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from pathlib import Path

from lct_pipeline.contract import COLUMNS
from lct_pipeline.generator.build import FilePlan, Quarter, on_time, slice_totals
from lct_pipeline.generator.formats import cell_text, encode_csv, encode_template, encode_xlsx
from lct_pipeline.rules.precedence import ABOUT_THE_FILE


class Output:
    def __init__(self, out: Path, settings: dict, reference=None):
        self.out, self.inbox, self.settings = out, out / "inbox", settings
        self.reference = reference  # the catalogue a filled-in template is written from
        self.files: list[dict] = []
        self.rejections: list[dict] = []
        self.warnings: list[dict] = []
        self.superseded: list[dict] = []
        self.totals: Counter[str] = Counter()
        self.by_period: dict[str, Counter[str]] = defaultdict(Counter)
        self.bytes = 0
        self._folders: set[Path] = set()

    def add(self, quarter: Quarter) -> None:
        for plan in quarter.files:
            self.write(plan)
        self.superseded += quarter.superseded
        if quarter.current is not None:
            totals = slice_totals(quarter.current)
            self.totals.update(totals)
            self.by_period[quarter.period].update(totals)

    def write(self, plan: FilePlan) -> None:
        rows = {t.record_type: len(t.rows) for t in plan.tables}
        not_reported = None
        if plan.fmt.name == "template":
            data, rows, not_reported = encode_template(
                plan.tables, plan.org, plan.period, plan.received, self.reference
            )
        elif plan.fmt.encoding is None:
            data = encode_xlsx(plan.tables, plan.received)
        else:
            data = encode_csv(plan.tables[0], plan.fmt, plan.path, plan.received)
        target = self.inbox / plan.path
        if target.parent not in self._folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(target.parent)
        target.write_bytes(data)
        self.bytes += len(data)
        self.files.append(
            {
                "file": plan.path,
                "format": plan.fmt.name,
                "encoding": plan.fmt.encoding,
                "delimiter": plan.fmt.delimiter,
                "role": plan.role,
                "org_code": plan.org,
                "period": plan.period,
                "received_at": plan.received.isoformat(timespec="seconds"),
                "on_time": on_time(plan.period, plan.received),
                "tables": [
                    {"sheet": t.sheet, "record_type": t.record_type, "rows": rows[t.record_type]}
                    for t in plan.tables
                ],
            }
        )
        if not_reported is not None:  # a template's rows left empty: no data rows (SPEC §11)
            self.files[-1]["not_reported"] = not_reported
        for entry in plan.entries:
            if (
                entry.kind == "warning"
                and entry.row.reason
                and entry.reason_code not in ABOUT_THE_FILE
            ):
                continue  # a rejected row is not warned about, but about the file's columns
            target_list = self.rejections if entry.kind == "rejection" else self.warnings
            target_list.append(self._entry(plan, entry))

    def _entry(self, plan: FilePlan, entry) -> dict:
        t, row, column = entry.table, entry.row, entry.column
        row_number = raw = None
        if row is not None:
            row_number = next(i for i, r in enumerate(t.rows) if r is row) + 2  # header is row 1
            names = COLUMNS.get(t.record_type, ())
            value = row.cells[names.index(column)] if column in names else row.extra.get(column)
            raw = cell_text(value, column, plan.fmt)
        return {
            "file": plan.path,
            "sheet": t.sheet if t is not None else "",
            "row_number": row_number,
            "column": column,
            "reason_code": entry.reason_code,
            "org_code": plan.org,
            "period": plan.period,
            "record_type": t.record_type if row is not None else None,
            "raw_value": raw,
        }

    def finish(self, extra: dict | None = None) -> dict:
        """Writes received.csv and manifest.json; returns the manifest."""
        self.files.sort(key=lambda f: f["file"])
        for entries in (self.rejections, self.warnings):
            entries.sort(
                key=lambda e: (e["file"], e["sheet"], e["row_number"] or 0, e["column"] or "")
            )
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(("file", "received_at"))
        writer.writerows((f["file"], f["received_at"]) for f in self.files)
        (self.out / "received.csv").write_text(buffer.getvalue(), encoding="utf-8")
        manifest = {
            "generator": self.settings,
            "summary": {
                "files": len(self.files),
                "bytes": self.bytes,
                "values_rows": sum(
                    t["rows"]
                    for f in self.files
                    for t in f["tables"]
                    if t["record_type"] == "values"
                ),
                "measures_rows": sum(
                    t["rows"]
                    for f in self.files
                    for t in f["tables"]
                    if t["record_type"] == "measures"
                ),
                "rejections": dict(
                    sorted(Counter(e["reason_code"] for e in self.rejections).items())
                ),
                "warnings": dict(sorted(Counter(e["reason_code"] for e in self.warnings).items())),
            },
            **(extra or {}),
            "totals": dict(sorted(self.totals.items())),
            "totals_by_period": {
                p: dict(sorted(c.items())) for p, c in sorted(self.by_period.items())
            },
            "files": self.files,
            "rejections": self.rejections,
            "warnings": self.warnings,
            "superseded": sorted(self.superseded, key=lambda s: (s["file"], s["record_type"])),
        }
        text = json.dumps(manifest, ensure_ascii=False, indent=1)
        (self.out / "manifest.json").write_text(text + "\n", encoding="utf-8")
        return manifest
