"""Quality gates: GX suites (expectations/*.json) and invariants evaluated on every stage.

`gates` says which checks each stage has and evaluates them; `suites` loads and binds GX
suites; `validation` runs them (importing GX lazily): `reduction` shows GX the few rows that
decide each expectation (one per distinct `keys` value; `regex_start` for anchored regexes)
and re-weights GX's counts, leaving anything else to the whole-frame `batches`; `invariants`
holds the checks GX cannot say simply; `results` turns findings into `quality_results` rows.
Nothing here imports dagster.
"""
