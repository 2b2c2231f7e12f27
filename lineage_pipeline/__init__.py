"""lineage-pipeline: third-party enrichment where every field knows its source and purposes.

The stage modules (contracts, ingest, standardise, link, merge, publish, quality, privacy) form a
plain library that never imports Dagster; `assets/` wires them into Dagster.
"""

__version__ = "0.1.0"
