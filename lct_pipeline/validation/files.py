"""``lct validate``: the suites on files a CSO is about to send, with nothing stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from lct_pipeline.contract import FileProblem
from lct_pipeline.i18n import dumps, render_stored
from lct_pipeline.reading import read_submission
from lct_pipeline.reference import Reference
from lct_pipeline.rules.checker import Checker
from lct_pipeline.rules.precedence import REJECTION, WARNING
from lct_pipeline.submissions import file_problem, raw_frame, read_org, unreported_rows
from lct_pipeline.validation.judging import concat, judge_rows


@dataclass(frozen=True)
class FileCheck:
    """``lct validate``'s verdict on one file."""

    path: str
    rows: int
    rows_rejected: int
    issues: pd.DataFrame  # rejections and warnings, in file order
    problem: FileProblem | None = None
    org: str | None = None  # the organisation code most of its rows give
    not_reported: int = 0  # rows of a template left empty: missing data, not rows (SPEC §11)

    def message(self, issue: pd.Series, language: str) -> str:
        """An issue's message in ``language``."""
        return render_stored(issue.get("message_key"), issue["message"], language)

    @property
    def rejected(self) -> bool:
        return self.problem is not None or self.rows_rejected > 0

    @property
    def warnings(self) -> int:
        return int((self.issues["severity"] == WARNING).sum()) if not self.issues.empty else 0


def _whole_file(problem: FileProblem) -> pd.DataFrame:
    """A file-level rejection as the one issue of its file (no row number)."""
    return pd.DataFrame(
        {
            "sheet": [problem.sheet],
            "row_number": [None],
            "column_name": [""],
            "raw_value": [None],
            "reason_code": [problem.reason_code],
            "message": [str(problem.message)],
            "message_key": [dumps([problem.message])],
            "severity": [REJECTION],
        }
    )


def check_files(paths: Sequence[Path], reference: Reference, current: str) -> list[FileCheck]:
    """Check files as validation would, without history (so no OUTLIER) and storing nothing."""
    frames, problems, orgs = [], {}, {}
    unreported: dict[int, int] = {}
    for number, path in enumerate(paths):
        result = read_submission(path)
        orgs[number] = read_org(result.tables)
        problem = file_problem(result)
        if problem is not None:
            problems[number] = problem
            continue
        # A stand-in for the sha256 that is unique per argument, even for two equal files;
        # the received time matters to supersession only, which a file check has not.
        frame = raw_frame(f"{number:012d}".ljust(64, "0"), result.tables)
        frames.append(frame.assign(source_file=str(path), received_at=datetime.now()))
        unreported[number] = unreported_rows(result)
    found = judge_rows(concat(frames), reference, current, Checker()) if frames else None
    checks = []
    for number, path in enumerate(paths):
        if number in problems:
            checks.append(
                FileCheck(
                    str(path), 0, 0, _whole_file(problems[number]), problems[number], orgs[number]
                )
            )
            continue
        prefix = f"{number:012d}:"
        mine = found.slices[found.slices["submission_id"].str.startswith(prefix)]
        issues = found.issues[found.issues["submission_id"].str.startswith(prefix)]
        checks.append(
            FileCheck(
                str(path),
                int(mine["rows_total"].sum()),
                int(mine["rows_rejected"].sum()),
                issues.sort_values(["sheet", "row_number", "severity"], kind="stable"),
                org=orgs[number],
                not_reported=unreported[number],
            )
        )
    return checks
