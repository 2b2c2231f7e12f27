"""The Dagster skin over lineage_pipeline: definitions, assets, checks, sensors."""
