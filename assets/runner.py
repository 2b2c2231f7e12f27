"""Run every asset headless in a temporary Dagster instance, reporting progress as steps end."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg
from dagster._core.events import DagsterEventType  # the event-type enum is not re-exported

from assets.checks import evaluation_result
from assets.factory import build_definitions
from lineage_pipeline.settings import Settings


@dataclass
class RunOutcome:
    run_id: str
    success: bool
    steps: int
    failures: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)


def step_count(defs: dg.Definitions) -> int:
    return len(list(defs.resolve_implicit_global_asset_job_def().graph.node_defs))


def run_pipeline(
    settings: Settings,
    on_step: Callable[[str, bool], None] | None = None,
    log_level: str = "WARNING",
) -> RunOutcome:
    """Materialise every asset; `on_step(step_key, succeeded)` is called as each step ends."""
    defs = build_definitions(settings)
    job = defs.resolve_implicit_global_asset_job_def()
    instance = dg.DagsterInstance.ephemeral()
    run_id = str(uuid.uuid4())  # Dagster run ids are uuid4 strings
    outcome = RunOutcome(run_id=run_id, success=False, steps=len(job.graph.node_defs))

    def listen(record) -> None:
        event = record.dagster_event
        if event is None:
            return
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

    instance.add_event_listener(run_id, listen)
    result = job.execute_in_process(
        instance=instance,
        run_id=run_id,
        raise_on_error=False,
        resources={"io_manager": dg.mem_io_manager},  # headless: nothing to inspect later
        # The progress bar and summary speak for the run; Dagster's own log only for trouble.
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
    )
    outcome.success = result.success
    return outcome
