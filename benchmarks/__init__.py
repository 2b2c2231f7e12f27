"""Benchmarks: measured figures for the pipeline, run by hand (see benchmarks/README.md)."""
