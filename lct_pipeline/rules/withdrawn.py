"""VALUE_WITHDRAWN (SPEC §5): what a resubmission stops counting of the slice it replaces.

When a newer slice of the same CSO, period and record type becomes current, every
figure the slice it replaced counted and it does not count any more is withdrawn:
the new file lacks it, or has it on a row that was rejected. The CSO hears of each
one in the new file's feedback, with the old value and, if any, the new row, so a
correction that loses a good figure never does so silently.
"""

from __future__ import annotations

import pandas as pd

from lct_pipeline.contract import DIMENSION_COLUMNS, MEASURES, VALUES
from lct_pipeline.i18n import N_, Msg, dumps
from lct_pipeline.rules.judge import Judged
from lct_pipeline.rules.precedence import WARNING
from lct_pipeline.rules.split import SLICE_KEY

REASON = "VALUE_WITHDRAWN"
# What identifies a figure within a slice (as duplicates are found) and the column whose
# old content the warning quotes.
_KEY = {VALUES: ["element", *(f"{name}_given" for name in DIMENSION_COLUMNS)],
        MEASURES: ["plan", "measure"]}  # fmt: skip
_QUOTED = {VALUES: "value", MEASURES: "status"}
_REPLACED_BY_REJECTED = N_(
    "{old_file} row {old_row} gave {what}: {old_value}. Row {new_row} of this file replaces it"
    " but was rejected, so that figure no longer counts; correct row {new_row}."
)
_MISSING = N_(
    "{old_file} row {old_row} gave {what}: {old_value}. This file has no row for it, so that"
    " figure no longer counts; if it still holds, send it again."
)


def replaced_slices(slices: pd.DataFrame) -> pd.DataFrame:
    """``old`` and ``new`` submission ids: each current slice and the one it replaced (the
    latest earlier slice of its key with accepted rows, the one that counted before it)."""
    competing = slices[slices["rows_accepted"] > 0].sort_values(["received_at", "source_file"])
    pairs = []
    for _, group in competing.groupby(list(SLICE_KEY), sort=False):
        if len(group) > 1 and bool(group["is_current"].iloc[-1]):
            pairs.append((group["submission_id"].iloc[-2], group["submission_id"].iloc[-1]))
    return pd.DataFrame(pairs, columns=["old", "new"])


def withdrawn(judged: Judged, record_type: str, slices: pd.DataFrame) -> pd.DataFrame:
    """One warning, in ``row_issues``' columns, per figure a replaced slice counted that its
    replacement does not."""
    pairs = replaced_slices(slices[slices["record_type"] == record_type])
    rows = judged.rows
    lines: list[dict] = []
    if pairs.empty:
        return pd.DataFrame(lines)
    key = rows.groupby(_KEY[record_type], dropna=False, sort=False).ngroup()
    accepted = ~judged.rejected
    counted = accepted & ~rows["is_repeat"]
    for old_id, new_id in pairs.itertuples(index=False):
        old = rows[(rows["submission_id"] == old_id) & counted]
        new = rows[rows["submission_id"] == new_id]
        still = set(key[new.index[accepted[new.index]]])
        gone = old[~key[old.index].isin(still)]
        if gone.empty:
            continue
        labels = judged.key_labels(gone)
        new_rows = new.assign(key=key[new.index]).sort_values("row_number").drop_duplicates("key")
        by_key = new_rows.set_index("key")
        file = str(new["source_file"].iloc[0])
        for index, row in gone.iterrows():
            args = {
                "old_file": row["source_file"],
                "old_row": int(row["row_number"]),
                "what": labels[index],
                "old_value": row[_QUOTED[record_type]],
            }
            replacing = by_key.loc[key[index]] if key[index] in by_key.index else None
            if replacing is not None:
                message = Msg(
                    _REPLACED_BY_REJECTED, {**args, "new_row": int(replacing["row_number"])}
                )
            else:
                message = Msg(_MISSING, args)
            lines.append(
                {
                    "submission_id": new_id,
                    "source_file": file,
                    "sheet": replacing["sheet"] if replacing is not None else "",
                    "row_number": int(replacing["row_number"]) if replacing is not None else None,
                    "column_name": _QUOTED[record_type],
                    "raw_value": None
                    if pd.isna(row[_QUOTED[record_type]])
                    else str(row[_QUOTED[record_type]]),
                    "reason_code": REASON,
                    "message": str(message),
                    "message_key": dumps([message]),
                    "severity": WARNING,
                }
            )
    return pd.DataFrame(lines)
