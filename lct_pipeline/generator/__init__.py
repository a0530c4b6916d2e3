"""A seeded generator of CSO submissions that look like the real ones (issue 7).

``python -m lct_pipeline.generator`` writes ``OUT/inbox/<quarter>/<file>``,
``OUT/received.csv`` (the received times ``lct sample`` installs) and
``OUT/manifest.json`` (every injected mistake and the figures the accepted rows
add up to). The same seed gives the same bytes.

Modules: ``network`` (organisations and areas), ``data`` (plausible values and
action plans), ``tables`` and ``formats`` (how each CSO spells and saves its
files), ``mistakes`` and ``bad_files`` (injection), ``build`` (quarter by
quarter), ``output`` (files and manifest), ``sample`` (the bundled sample).
"""

from __future__ import annotations

import random
from pathlib import Path

from lct_pipeline.generator.build import Chance, Config, org_quarters
from lct_pipeline.generator.network import Network, build_network, write_reference
from lct_pipeline.generator.output import Output
from lct_pipeline.reference import Reference, load_reference
from lct_pipeline.settings import DATA_DIR

# The shipped reference, not LCT_REFERENCE_DIR: the output must not depend on the environment.
REFERENCE_DIR = DATA_DIR / "reference"

__all__ = ["Config", "generate", "network_of"]


def network_of(config: Config) -> tuple[Network, Reference]:
    rng = random.Random(f"{config.seed}:network")
    network = build_network(config.orgs, config.first, config.last, rng, REFERENCE_DIR)
    return network, load_reference(REFERENCE_DIR)


def settings_of(config: Config, sample: bool = False) -> dict:
    return {
        "seed": config.seed,
        "orgs": config.orgs,
        "first": config.first,
        "last": config.last,
        "error_rate": config.error_rate,
        "sample": sample,
    }


def generate(config: Config, out: Path, reference_out: Path | None = None) -> dict:
    """Write a generated network's inbox, received.csv and manifest.json under ``out``."""
    network, catalogue = network_of(config)
    chance = Chance(config)
    output = Output(out, settings_of(config))
    for org in network.orgs:
        for quarter in org_quarters(config, chance, network, catalogue, org):
            output.add(quarter)
    if reference_out is not None:
        write_reference(network, reference_out)
    return output.finish()
