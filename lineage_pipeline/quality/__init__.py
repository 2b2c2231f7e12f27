"""Quality gates: GX suites (expectations/*.json) and invariants evaluated on every stage.

`gates` says which checks each stage has and evaluates them; `suites` loads and validates GX
suites (importing GX lazily); `invariants` holds the checks GX cannot say simply; `results`
turns findings into `quality_results` rows. Nothing here imports dagster.
"""
