"""Runs the suites with Great Expectations and maps each failure back to its rows.

One ephemeral GX context per validation: nothing is written to a project folder,
so parallel runs cannot disturb each other. Each row's place in the frame is
its GX index (a RangeIndex), so ``unexpected_index_list`` names the failing rows.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lct_pipeline import datadocs
from lct_pipeline.rules.suites import Rule, build_suite

DATA_DOCS_SITE = "lct_validation"


@dataclass(frozen=True)
class Outcome:
    """One expectation's result on one batch: what the asset checks and Data Docs show."""

    suite: str
    rule: int
    reason_code: str
    severity: str
    description: str
    success: bool
    unexpected: int
    evaluated: int


class ValidationError(RuntimeError):
    """An expectation could not be evaluated: no row may pass a rule that did not run."""


def _columns(rules: Sequence[Rule]) -> list[str]:
    names: dict[str, None] = {}
    for rule in rules:
        for key in ("column", "column_A", "column_B"):
            if key in rule.arguments:
                names[rule.arguments[key]] = None
    return list(names)


class Checker:
    """A GX context with the suites it has run; optionally renders them as Data Docs."""

    def __init__(self, data_docs_dir: Path | None = None, run_name: str | None = None):
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        self._gx = gx
        # Without init_temp_docs_sites=False every ephemeral context makes (and leaves)
        # a temporary directory for a default docs site: thousands over a backfill.
        self.context = gx.get_context(
            mode="ephemeral",
            project_config=DataContextConfig(
                store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
            ),
        )
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self._source = self.context.data_sources.add_pandas("submissions")
        self._batches: dict[str, object] = {}
        self._definitions: dict[str, object] = {}
        self.data_docs_dir = data_docs_dir
        self._run_id = None
        if run_name is not None:
            from great_expectations.core.run_identifier import RunIdentifier

            self._run_id = RunIdentifier(run_name=run_name)
        if data_docs_dir is not None:
            self.context.add_data_docs_site(
                site_name=DATA_DOCS_SITE,
                site_config={
                    "class_name": "SiteBuilder",
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(data_docs_dir),
                    },
                },
            )

    def _batch(self, record_type: str):
        # One data asset per record type, so that Data Docs name what was validated.
        if record_type not in self._batches:
            self._batches[record_type] = self._source.add_dataframe_asset(
                f"{record_type}_rows"
            ).add_batch_definition_whole_dataframe("whole quarter")
        return self._batches[record_type]

    def _definition(self, name: str, rules: Sequence[Rule], first: int):
        if name not in self._definitions:
            suite = self.context.suites.add(build_suite(name, rules, first))
            batch = self._batch(name.split("_")[0])
            self._definitions[name] = self.context.validation_definitions.add(
                self._gx.ValidationDefinition(name=name, data=batch, suite=suite)
            )
        return self._definitions[name]

    def run(
        self,
        name: str,
        rules: Sequence[Rule],
        frame: pd.DataFrame,
        first: int = 0,
        positions: np.ndarray | None = None,
    ) -> tuple[dict[int, list[int]], list[Outcome]]:
        """The failing rows of each rule (numbered from ``first``) and every outcome.

        ``positions`` limits the batch to those rows of ``frame``; failures are given as
        positions in ``frame`` either way.
        """
        batch = frame[_columns(rules)]  # only what the rules read: a narrow copy is cheap
        if positions is not None:
            batch = batch.iloc[positions]
        if batch.empty or not rules:
            return {}, []
        batch = batch.reset_index(drop=True)
        if self.data_docs_dir is not None:
            # Data Docs show a failing row by its index: make that the file and row a
            # person sees. Only then: a RangeIndex is what GX is fastest with.
            labels = row_labels(frame if positions is None else frame.iloc[positions])
            batch.index = pd.Index(labels, dtype=object)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GX's deprecation notices are not for our users
            result = self._definition(name, rules, first).run(
                batch_parameters={"dataframe": batch},
                result_format="COMPLETE",
                run_id=self._run_id,
            )
        failures: dict[int, list[int]] = {}
        outcomes = []
        for item in result.results:
            config = item.expectation_config
            if item.exception_info and item.exception_info.get("raised_exception"):
                raise ValidationError(
                    f"{config.description}: {item.exception_info.get('exception_message')}"
                )
            rule = int(config.meta["rule"])
            found = item.result.get("unexpected_index_list") or []
            rows = (
                batch.index.get_indexer(found)
                if self.data_docs_dir is not None
                else np.asarray(found, dtype=np.int64)
            )
            if len(rows):
                failures[rule] = (positions[rows] if positions is not None else rows).tolist()
            outcomes.append(
                Outcome(
                    suite=name,
                    rule=rule,
                    reason_code=config.meta["reason_code"],
                    severity=config.meta["severity"],
                    description=config.description,
                    success=bool(item.success),
                    unexpected=int(item.result.get("unexpected_count") or 0),
                    evaluated=int(item.result.get("element_count") or 0),
                )
            )
        return failures, sorted(outcomes, key=lambda o: o.rule)

    def build_data_docs(self) -> Path | None:
        """Render the suites and their results under ``data_docs_dir``; its index page."""
        if self.data_docs_dir is None:
            return None
        # The folder holds one validation's pages only: a re-run replaces them.
        shutil.rmtree(self.data_docs_dir, ignore_errors=True)
        self._name_data_assets()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.context.build_data_docs(site_names=[DATA_DOCS_SITE])
        root = self.data_docs_dir.parent
        try:
            vendor = datadocs.install_vendor(root)
        except datadocs.MissingAssets:
            shutil.rmtree(self.data_docs_dir, ignore_errors=True)
            raise
        datadocs.localise(self.data_docs_dir, vendor)
        datadocs.write_index(root, vendor)
        return self.data_docs_dir / "index.html"

    def _name_data_assets(self) -> None:
        # GX's pages read the data asset's name from the batch spec, which a dataframe
        # batch leaves without one ("Data asset: None"); the batch definition has it.
        store = self.context.validation_results_store
        for key in store.list_keys():
            result = store.get(key)
            asset = result.meta.get("active_batch_definition", {}).get("data_asset_name")
            if asset and not result.meta.get("batch_spec", {}).get("data_asset_name"):
                result.meta.setdefault("batch_spec", {})["data_asset_name"] = asset
                store.set(key, result)


def row_labels(frame: pd.DataFrame) -> list[str]:
    """``2013Q1/cso02.csv row 3`` (``sheet values`` for a workbook): each row as its CSO
    finds it. Two versions of one file name keep apart by their contents' hash."""
    sheets = frame["sheet"].fillna("").astype(str)
    labels = (
        frame["source_file"].astype(str)
        + sheets.map(lambda sheet: f" sheet {sheet}" if sheet else "")
        + " row "
        + frame["row_number"].astype("int64").astype(str)
    )
    clash = labels.duplicated(keep=False)
    if clash.any():
        labels[clash] = labels[clash] + " (" + frame["sha256"][clash].str.slice(0, 8) + ")"
    return labels.tolist()
