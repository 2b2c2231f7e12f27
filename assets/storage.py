"""Where a headless pipeline keeps asset values: in the process, across the several Dagster runs
of one `lineage-pipeline run` (one per delivery, then one that publishes)."""

import dagster as dg


def _uncapture(context: dg.OutputContext, obj: object) -> None:
    """Drop the copy of this output that `execute_in_process` keeps for the run's result
    (`output_for_node`): held there, a value outlives `release` for as long as the result lives,
    and at a million customers every source's records, identities and links (gigabytes) stayed
    alive to the end of the run. The values are read from this manager, never from the result."""
    try:
        captured = context.step_context.output_capture
    except dg.DagsterInvariantViolationError:  # an OutputContext built outside a run
        return
    if captured:
        for handle in [h for h, value in captured.items() if value is obj]:
            del captured[handle]


class InProcessIOManager(dg.IOManager):
    """Values kept as Python objects, keyed by asset and partition, for the life of the object.

    Nothing is written to disk, so nothing personal outlives the command. A partitioned input
    to an unpartitioned asset arrives as {partition: value} (a single one as its value), like
    Dagster's own IO managers.
    """

    def __init__(self) -> None:
        self._values: dict[tuple[dg.AssetKey, str | None], object] = {}

    def handle_output(self, context: dg.OutputContext, obj: object) -> None:
        partition = context.asset_partition_key if context.has_asset_partitions else None
        self._values[(context.asset_key, partition)] = obj
        _uncapture(context, obj)

    def load_input(self, context: dg.InputContext) -> object:
        key = context.asset_key
        if not context.has_asset_partitions:
            return self._value(key, None)
        keys = context.asset_partition_keys
        if len(keys) == 1:  # as Dagster's own: one partition loads as its value, not a dict
            return self._value(key, keys[0])
        if (context.metadata or {}).get("allow_missing_partitions"):
            keys = [k for k in keys if (key, k) in self._values]
        return {k: self._value(key, k) for k in keys}

    def held(self) -> set[dg.AssetKey]:
        """The assets with a value held."""
        return {key for key, _ in self._values}

    def release(self, key: dg.AssetKey) -> None:
        """Let go of every value (every partition) of an asset no later step will load."""
        for stored in [k for k in self._values if k[0] == key]:
            del self._values[stored]

    def _value(self, key: dg.AssetKey, partition: str | None) -> object:
        try:
            return self._values[(key, partition)]
        except KeyError:
            where = f" partition {partition!r}" if partition else ""
            raise dg.Failure(f"{key.to_user_string()}{where} was not materialised") from None
