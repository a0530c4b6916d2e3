"""How long the public tables' protection takes at national size: plan and audit.

Builds a network of 4 regions × N municipalities (1 to 5 CSOs each; ~340 CSOs at
the default N = 40, like the national benchmark's), seeded counts of victims for
2013's four quarters, and the SPEC §8 views of them (with the tests' own, independent
SPEC §7 implementation), then times ``render_public`` (the audit loop: which cells
to hide) and the attacker's ``audit`` of the files it made, for one quarter and
for the year (protected around its four quarters). Prints figures, asserts nothing.

``--published``: as the pipeline runs them, each quarter is published (its public
folder and true counts in a temporary extracts folder) before the next, and the year
is planned beside the published quarters.

    .venv/bin/python benchmarks/public_audit.py [--municipalities 40] [--seed 1] [--published]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_extracts_scenario import _fact, empty_issues, views  # noqa: E402

from lct_pipeline.extracts import (  # noqa: E402
    ExtractInputs,
    RunInfo,
    quarter_scope,
    render_public,
    year_scope,
)
from lct_pipeline.extracts.audit import audit  # noqa: E402
from lct_pipeline.extracts.public_versions import publish  # noqa: E402
from lct_pipeline.reference import Area, Organisation, load_reference  # noqa: E402
from lct_pipeline.settings import DATA_DIR  # noqa: E402

QUARTERS = ["2013Q1", "2013Q2", "2013Q3", "2013Q4"]
SENSITIVE = ["IND03", "IND04", "IND05", "IND06"]


def network(municipalities: int, seed: int):
    rng = random.Random(seed)
    reference = load_reference(DATA_DIR / "reference")
    areas = {"RS": Area("RS", "Country", "NATIONAL", None)}
    orgs = {}
    for region in "ABCD":
        areas[f"R-{region}"] = Area(f"R-{region}", region, "REGION", "RS")
        for i in range(municipalities):
            code = f"M-{region}{i}"
            areas[code] = Area(code, code, "MUNICIPALITY", f"R-{region}")
            for _ in range(rng.choice([1, 1, 1, 1, 2, 3, 5])):
                org = f"CSO{len(orgs) + 1:03d}"
                orgs[org] = Organisation(org, org, code, "2012Q4")
    net = dataclasses.replace(reference, organisations=orgs, areas=areas)
    facts, reporting = [], {}
    for quarter in QUARTERS:
        for org in orgs:
            reporting[(org, quarter)] = (1, 1)
            assisted = 0
            for sex in ("F", "M"):
                for age in ("CHILD", "ADULT"):
                    value = rng.choice([0, 0, 0, 1, 1, 2, 3])
                    assisted += value
                    facts.append(_fact(org, quarter, "VOT_ASSISTED", value, sex=sex, age_group=age))
            facts.append(_fact(org, quarter, "VOT_IDENTIFIED", assisted + 1))
            facts.append(_fact(org, quarter, "SERVICES_PROVIDED", 2 * assisted))
    indicators, completeness = views(net, facts, reporting, QUARTERS, SENSITIVE)
    subs, rejections, warnings = empty_issues()
    return net, ExtractInputs(indicators, completeness, rejections, warnings, subs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--municipalities", type=int, default=40, help="per region")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--published", action="store_true", help="publish each table first")
    args = parser.parse_args()
    net, inputs = network(args.municipalities, args.seed)
    print(f"{len(net.organisations)} CSOs, {len(net.areas)} areas")
    run = RunInfo("bench", "0", datetime.now())
    print(
        "| table | plan (s) | audit (s) | passed | sensitive cells published / hidden / left out |"
    )
    print("|---|---|---|---|---|")
    root = Path(tempfile.mkdtemp(prefix="lct-public-")) if args.published else None
    quarters = QUARTERS if args.published else QUARTERS[:1]
    for scope in (*map(quarter_scope, quarters), year_scope(2013)):
        start = time.perf_counter()
        public = render_public(inputs, scope, net, run, root=root)
        planned = time.perf_counter()
        result = audit(public.tables(), net, 5, links=public.plan.links)
        audited = time.perf_counter()
        if root is not None:
            publish(root, scope.label, public.files, public.manifest, public.values)
        counts = public.plan.counts((scope.label, scope.period_type), net)
        published, hidden, left = (
            int(counts[c].sum()) for c in ("published", "hidden", "left_out")
        )
        print(
            f"| {scope.label} | {planned - start:.1f} | {audited - planned:.1f} | {result.passed}"
            f" | {published} / {hidden} / {left} |"
        )


if __name__ == "__main__":
    main()
