"""Domain core of the LCT monitoring pipeline (no Dagster imports here)."""

__version__ = "0.1.0"
