"""An extract's tables and the workbook sheets that hold them.

Each table is also written as its own CSV file, so a sheet may stack several
small tables (a heading above each) without making the CSVs ragged.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Table:
    name: str  # the CSV file's suffix: lct_2013Q1_internal_<name>.csv
    title: str  # the heading above it in a sheet that stacks several tables
    frame: pd.DataFrame


@dataclass(frozen=True)
class Sheet:
    name: str  # at most 31 characters (Excel)
    tables: tuple[Table, ...]

    @property
    def single(self) -> bool:
        """One table: its header goes in row 1, with a filter and frozen header."""
        return len(self.tables) == 1


def tables_of(sheets: list[Sheet]) -> list[Table]:
    return [table for sheet in sheets for table in sheet.tables]
