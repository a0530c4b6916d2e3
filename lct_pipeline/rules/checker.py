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

    def __init__(self, data_docs_dir: Path | None = None):
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
        self._batch = (
            self.context.data_sources.add_pandas("submissions")
            .add_dataframe_asset("rows")
            .add_batch_definition_whole_dataframe("whole file")
        )
        self._definitions: dict[str, object] = {}
        self.data_docs_dir = data_docs_dir
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

    def _definition(self, name: str, rules: Sequence[Rule], first: int):
        if name not in self._definitions:
            suite = self.context.suites.add(build_suite(name, rules, first))
            self._definitions[name] = self.context.validation_definitions.add(
                self._gx.ValidationDefinition(name=name, data=self._batch, suite=suite)
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
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GX's deprecation notices are not for our users
            result = self._definition(name, rules, first).run(
                batch_parameters={"dataframe": batch.reset_index(drop=True)},
                result_format="COMPLETE",
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
            rows = np.asarray(item.result.get("unexpected_index_list") or [], dtype=np.int64)
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
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.context.build_data_docs(site_names=[DATA_DOCS_SITE])
        return self.data_docs_dir / "index.html"
