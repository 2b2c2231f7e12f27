"""Run the pipeline headless in a temporary Dagster instance, reporting progress as steps end.

Deliveries are partitions, so one pipeline run is several Dagster runs in one process: one
`ingest_<source>` run per delivery file, then `publish_warehouse`, which reads them all. Values
pass between the runs in memory. A failed ingestion stops before anything is published.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg
from dagster._core.events import DagsterEventType  # the event-type enum is not re-exported

from assets.checks import evaluation_result
from assets.deliveries import PUBLISH_JOB, delivery_partitions
from assets.factory import build_definitions
from assets.memory import release_freed, run_memory
from assets.storage import InProcessIOManager
from lineage_pipeline.contracts import load_contracts
from lineage_pipeline.deliveries import delivery_keys
from lineage_pipeline.quality.validation import prepare as prepare_validation
from lineage_pipeline.settings import Settings


@dataclass
class RunOutcome:
    run_id: str  # the publishing run: the warehouse's `runs` row
    success: bool
    steps: int
    failures: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    results: list[dg.ExecuteInProcessResult] = field(default_factory=list)

    def check_evaluations(self) -> list[dg.AssetCheckEvaluation]:
        return [e for r in self.results for e in r.get_asset_check_evaluations()]

    @property
    def materialised(self) -> set[str]:
        """Assets (with `[partition]` where partitioned) materialised by any of the runs."""
        names = set()
        for result in self.results:
            for event in result.get_asset_materialization_events():
                m = event.event_specific_data.materialization
                names.add(
                    m.asset_key.to_user_string() + (f"[{m.partition}]" if m.partition else "")
                )
        return names


@dataclass(frozen=True)
class PlannedRun:
    job: str
    partition: str | None = None


def planned_runs(settings: Settings) -> list[PlannedRun]:
    """One ingestion run per delivery of each partitioned source, then the publishing run."""
    runs = [
        PlannedRun(f"ingest_{c.name}", key)
        for c in load_contracts(settings.contracts_dir).contracts
        if delivery_partitions(c)
        for key in delivery_keys(c)
    ]
    return [*runs, PlannedRun(PUBLISH_JOB)]


def _steps(graph: dg.GraphDefinition) -> int:
    """Ops in a graph, counting inside graph-backed assets (a bucketed links asset)."""
    return sum(
        _steps(node.definition) if isinstance(node.definition, dg.GraphDefinition) else 1
        for node in graph.nodes
    )


def step_count(defs: dg.Definitions, runs: list[PlannedRun]) -> int:
    return sum(_steps(defs.resolve_job_def(r.job).graph) for r in runs)


AssetUser = dg.AssetKey | dg.AssetCheckKey


def consumers(defs: dg.Definitions, job_name: str) -> dict[dg.AssetKey, set[AssetUser]]:
    """For each asset, the assets and checks of a job that read it: once all of them have run,
    no later step of that job needs its value."""
    layer = defs.resolve_job_def(job_name).asset_layer
    selected, checks = layer.selected_asset_keys, layer.asset_graph.asset_check_keys
    graph = defs.resolve_asset_graph()
    users: dict[dg.AssetKey, set[AssetUser]] = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        found = {c for c in node.child_keys if c in selected}
        found |= {c for c in node.check_keys if c in checks}
        if found:
            users[key] = found
    return users


class Releaser:
    """Frees an asset's values in the IO manager once every reader in the run has finished:
    at a million customers the raw records and identities alone take gigabytes, and the last
    steps (merge checks, publish) no longer need them."""

    def __init__(self, io_manager: InProcessIOManager, users: dict[dg.AssetKey, set[AssetUser]]):
        self._io_manager = io_manager
        self._waiting = {key: set(found) for key, found in users.items()}

    def done(self, user: AssetUser) -> None:
        for key, waiting in list(self._waiting.items()):
            waiting.discard(user)
            if not waiting:
                del self._waiting[key]
                self._io_manager.release(key)


def _register_deliveries(settings: Settings, instance: dg.DagsterInstance) -> None:
    for contract in load_contracts(settings.contracts_dir).contracts:
        partitions = delivery_partitions(contract)
        if partitions is not None:
            instance.add_dynamic_partitions(partitions.name, delivery_keys(contract))


def run_pipeline(
    settings: Settings,
    on_step: Callable[[str, bool], None] | None = None,
    log_level: str = "WARNING",
    on_plan: Callable[[int], None] | None = None,
    io_manager: InProcessIOManager | None = None,
) -> RunOutcome:
    """Ingest every delivery and publish; `on_plan(total_steps)` is called once the runs are
    known, and `on_step(step_key, succeeded)` as each step ends. Values pass between steps and
    runs in `io_manager` (a fresh one by default)."""
    io_manager = io_manager or InProcessIOManager()
    defs = build_definitions(settings, io_manager=io_manager)
    runs = planned_runs(settings)
    instance = dg.DagsterInstance.ephemeral()
    _register_deliveries(settings, instance)
    outcome = RunOutcome(run_id="", success=False, steps=step_count(defs, runs))
    if on_plan:
        on_plan(outcome.steps)
    prepare_validation()  # before run_memory freezes what exists
    with run_memory():
        for position, planned in enumerate(runs, start=1):
            run_id = str(uuid.uuid4())  # Dagster run ids are uuid4 strings
            outcome.run_id = run_id
            # Only the last run's readers are the last: earlier runs keep values for it.
            last = position == len(runs)
            releaser = Releaser(io_manager, consumers(defs, planned.job)) if last else None
            instance.add_event_listener(run_id, _listener(outcome, on_step, releaser))
            result = defs.resolve_job_def(planned.job).execute_in_process(
                instance=instance,
                run_id=run_id,
                partition_key=planned.partition,
                raise_on_error=False,
                # The progress bar and summary speak for the run; Dagster's own log only for
                # trouble.
                run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
            )
            outcome.results.append(result)
            if not result.success:
                return outcome
    outcome.success = True
    return outcome


def _listener(
    outcome: RunOutcome,
    on_step: Callable[[str, bool], None] | None,
    releaser: Releaser | None = None,
):
    def listen(record) -> None:
        event = record.dagster_event
        if event is None:
            return
        if releaser is not None:
            if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
                releaser.done(event.event_specific_data.materialization.asset_key)
            elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
                releaser.done(event.event_specific_data.asset_check_key)
        if event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            # The step's garbage goes before the next step allocates: the peak is a step's own.
            release_freed()
        if event.event_type == DagsterEventType.STEP_SUCCESS and on_step:
            on_step(event.step_key or "", True)
        elif event.event_type == DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            outcome.failures.append(f"{event.step_key}: {error.message.strip() if error else ''}")
            if on_step:
                on_step(event.step_key or "", False)
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                outcome.failed_checks.append(evaluation_result(evaluation).message())

    return listen
