"""Repository scripts, importable so tests and benchmarks can reuse them (e.g. scripts.samples)."""
