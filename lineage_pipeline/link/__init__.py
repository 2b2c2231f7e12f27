"""Linking third-party records to customers with recordlinkage and a Fellegi-Sunter model."""

from lineage_pipeline.link.linker import LinkResult, link_source

__all__ = ["LinkResult", "link_source"]
