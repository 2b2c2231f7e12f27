"""The command line: one face over the library and the Dagster run.

Exit codes: 0 ok, 1 data or check failure, 2 usage. Errors are one or two plain sentences
naming the file and key or row at fault; `--debug` shows the traceback.
"""

from __future__ import annotations

import sys

# Importing a command module registers its commands on the app.
from lineage_pipeline.commands import pipeline, privacy  # noqa: F401
from lineage_pipeline.commands.app import STATE, app, errors
from lineage_pipeline.errors import LineageError


def main() -> None:
    """Entry point: Typer handles usage errors (exit 2); data errors print plainly (exit 1)."""
    try:
        app()
    except LineageError as exc:
        if STATE["debug"]:
            raise
        errors.print(f"[red]error:[/red] {exc}")
        sys.exit(1)
    except Exception as exc:  # a bug, not bad input: say so briefly unless debugging
        if STATE["debug"]:
            raise
        errors.print(f"[red]internal error:[/red] {type(exc).__name__}: {exc} (rerun with --debug)")
        sys.exit(1)


if __name__ == "__main__":
    main()
