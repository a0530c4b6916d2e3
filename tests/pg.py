"""Test warehouses on SQLite and PostgreSQL, a small network, and a writer of the validated layer.

PostgreSQL comes from ``LCT_TEST_POSTGRES_URL`` (``.ci/run`` starts a server and
sets it). Without it the PostgreSQL cases skip on a developer's machine, but
fail under CI, where a silent skip would hide an untested database. Each test
gets a schema of its own, so tests never see each other's rows.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from lct_pipeline.indicators.partition import (
    refresh_indicator_values,
    refresh_parts,
    refresh_reporting_completeness,
)
from lct_pipeline.reference import TOTAL, Reference, load_reference
from lct_pipeline.settings import DATA_DIR
from lct_pipeline.warehouse.engine import get_engine
from lct_pipeline.warehouse.schema import ensure_schema
from lct_pipeline.warehouse.stage import load_current_measures, load_current_values
from lct_pipeline.warehouse.tables_raw import raw_files
from lct_pipeline.warehouse.tables_validated import slices, staged_measures, staged_values

POSTGRES_URL_ENV = "LCT_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")
CURRENT = "2014Q1"

# A network small enough to add up by hand: two municipalities of region R-N with
# three CSOs, and C1 in region R-S, active from 2013Q2.
AREAS = """area_code,area_name,area_level,parent_code
RS,Country,NATIONAL,
R-N,North,REGION,RS
R-S,South,REGION,RS
M-A,Alpha,MUNICIPALITY,R-N
M-B,Beta,MUNICIPALITY,R-N
M-C,Gamma,MUNICIPALITY,R-S
"""
ORGANISATIONS = """org_code,org_name,municipality_code,active_from,active_to
A1,Alpha one,M-A,2012Q4,
A2,Alpha two,M-A,2012Q4,
B1,Beta one,M-B,2012Q4,
C1,Gamma one,M-C,2013Q2,
"""


def small_reference(folder: Path) -> Reference:
    """The small network above with the programme's real catalogue (its targets included)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "areas.csv").write_text(AREAS, encoding="utf-8")
    (folder / "organisations.csv").write_text(ORGANISATIONS, encoding="utf-8")
    catalogue = (DATA_DIR / "reference" / "catalogue.yaml").read_text(encoding="utf-8")
    (folder / "catalogue.yaml").write_text(catalogue, encoding="utf-8")
    return load_reference(folder)


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_URL_ENV} is not set: under CI the PostgreSQL cases must run")
    pytest.skip(f"{POSTGRES_URL_ENV} is not set")


@contextmanager
def _postgres_schema_url(base_url: str) -> Iterator[str]:
    """A URL whose connections work in a new, empty schema; the schema is dropped after."""
    schema = f"lct_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = sa.make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    text = url.render_as_string(hide_password=False)
    try:
        yield text
    finally:
        get_engine(text).dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def postgres_schema():
    """A URL on a new, empty PostgreSQL schema (dropped afterwards); skips as above."""
    return _postgres_schema_url(postgres_url())


@contextmanager
def fresh_warehouse(backend: str, folder: Path) -> Iterator[sa.Engine]:
    """An empty warehouse with the schema: a SQLite file in ``folder``, or a PostgreSQL schema."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'warehouse.sqlite'}"
        urls = nullcontext(url)
    else:
        urls = _postgres_schema_url(postgres_url())
    with urls as url:
        engine = get_engine(url)
        ensure_schema(engine)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(params=BACKENDS)
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty warehouse, on each database in turn."""
    with fresh_warehouse(request.param, tmp_path) as engine:
        yield engine


@pytest.fixture
def sqlite_warehouse(tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty SQLite warehouse, for rules that do not depend on the database."""
    with fresh_warehouse("sqlite", tmp_path) as engine:
        yield engine


@pytest.fixture(scope="session")
def network(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    return small_reference(tmp_path_factory.mktemp("reference"))


Row = tuple[str, Mapping[str, str] | None, float]


class Validated:
    """Writes slices and their accepted rows into the validated layer, as validation does.

    A values row is ``(element, {dimension: member}, value)``, or ``(element, None,
    value)`` for a total row. The current slice of an (org, period, record type) is
    the one received last (SPEC §6); earlier ones become superseded.
    """

    def __init__(self, engine: sa.Engine, reference: Reference):
        self.engine = engine
        self.reference = reference
        self._ids = itertools.count(1)

    def _slice(
        self, record_type: str, org: str, period: str, received: str, accepted: int, rejected: int
    ) -> str:
        n = next(self._ids)
        sid = f"s{n:03d}-{org}-{period}-{record_type}"
        name = f"{period}/{org.lower()}_{n}.csv"
        with self.engine.begin() as conn:
            conn.execute(
                raw_files.insert().values(
                    sha256=f"{n:064d}",
                    source_file=name,
                    size_bytes=1,
                    received_at=datetime.fromisoformat(received),
                    archive_path=f"archive/{n}",
                    home_period=period,
                    rows_read=accepted + rejected,
                )
            )
            status = "accepted" if not rejected else "partial" if accepted else "rejected"
            conn.execute(
                slices.insert().values(
                    submission_id=sid,
                    partition_period=period,
                    sha256=f"{n:064d}",
                    source_file=name,
                    received_at=datetime.fromisoformat(received),
                    org_code=org,
                    period=period,
                    record_type=record_type,
                    status=status,
                    is_current=False,
                    rows_total=accepted + rejected,
                    rows_accepted=accepted,
                    rows_rejected=rejected,
                    rows_warned=0,
                )
            )
            self._supersede(conn, org, period, record_type)
        return sid

    @staticmethod
    def _supersede(conn: sa.Connection, org: str, period: str, record_type: str) -> None:
        same = sa.and_(
            slices.c.org_code == org, slices.c.period == period, slices.c.record_type == record_type
        )
        latest = conn.execute(
            sa.select(slices.c.submission_id)
            .where(same)
            .order_by(slices.c.received_at.desc(), slices.c.source_file.desc())
            .limit(1)
        ).scalar_one()
        conn.execute(
            slices.update()
            .where(same, slices.c.submission_id != latest, slices.c.status != "rejected")
            .values(status="superseded")
        )
        is_latest = slices.c.submission_id == latest
        conn.execute(slices.update().where(same).values(is_current=is_latest))

    def values(
        self, org: str, period: str, rows: list[Row], received: str, rejected: int = 0
    ) -> str:
        sid = self._slice("values", org, period, received, len(rows), rejected)
        staged = []
        for number, (element, members, value) in enumerate(rows, start=2):
            dims = self.reference.data_elements[element].dimensions
            row = {
                "submission_id": sid,
                "partition_period": period,
                "row_number": number,
                "org_code": org,
                "period": period,
                "data_element": element,
                "value": value,
                "is_total": members is None,
                "comment": None,
            }
            row.update({d: (TOTAL if members is None else members[d]) for d in dims})
            staged.append(row)
        if staged:
            with self.engine.begin() as conn:
                conn.execute(staged_values.insert(), staged)
        return sid

    def measures(self, org: str, period: str, rows: list[dict], received: str) -> str:
        """``rows``: dicts with measure_code, status, planned, spent, due (others defaulted)."""
        sid = self._slice("measures", org, period, received, len(rows), 0)
        staged = [
            {
                "submission_id": sid,
                "partition_period": period,
                "row_number": number,
                "org_code": org,
                "period": period,
                "plan_code": f"LAP-{org}",
                "measure_code": r["measure_code"],
                "measure_title": r.get("measure_title", f"Measure {r['measure_code']}"),
                "responsible_institution": r.get("responsible_institution"),
                "status": r["status"],
                "planned_budget_eur": r["planned"],
                "spent_budget_eur": r["spent"],
                "due_period": r["due"],
            }
            for number, r in enumerate(rows, start=2)
        ]
        if staged:
            with self.engine.begin() as conn:
                conn.execute(staged_measures.insert(), staged)
        return sid


def run_quarters(
    engine: sa.Engine, reference: Reference, quarters: list[str], current: str = CURRENT
) -> None:
    """The warehouse stage for every quarter, then the indicators, as a backfill orders them."""
    for quarter in quarters:
        load_current_values(engine, reference, quarter, current)
        load_current_measures(engine, reference, quarter, current)
        refresh_parts(engine, reference, quarter)
    for quarter in quarters:
        refresh_indicator_values(engine, reference, quarter, current)
        refresh_reporting_completeness(engine, reference, quarter, current)


def query(engine: sa.Engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(sql), params)]
