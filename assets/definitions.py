"""Dagster definitions for lineage-pipeline: `dagster dev -w workspace.yaml` loads `defs`."""

import dagster as dg

from assets.factory import build_definitions
from lineage_pipeline.settings import Settings

defs: dg.Definitions = build_definitions(Settings.from_env())
