"""Quality gates: GX suites (expectations/*.json) and invariants evaluated on every stage.

`gates` says which checks each stage has and evaluates them; `suites` loads and binds GX
suites; `validation` runs them (importing GX lazily) on the `batches` of what each expectation
reads; `invariants` holds the checks GX cannot say simply; `results` turns findings into
`quality_results` rows. Nothing here imports dagster.
"""
