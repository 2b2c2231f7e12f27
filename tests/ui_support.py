"""Drive `dagster dev` as a person would: start it on loopback, talk to its GraphQL API and look at
its pages in headless Chromium (Debian's `chromium`, driven by Playwright).

Invariant: every wait has a deadline, and the server is stopped through its own process id (its
session's process group only as the fallback).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path(os.environ.get("LINEAGE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    f"The UI test drives Chromium and found none at {CHROMIUM}. On Debian or Ubuntu: "
    "`sudo apt-get install chromium chromium-driver` (CI's .ci/run does this); elsewhere set "
    "LINEAGE_CHROMIUM to a Chromium or Chrome binary."
)
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}
# Instance settings for a throwaway DAGSTER_HOME: no telemetry, no "join the community" dialog.
INSTANCE_YAML = "telemetry:\n  enabled: false\nnux:\n  enabled: false\n"

LOCATIONS = """
query Locations {
  workspaceOrError {
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on RepositoryLocation { repositories { name } }
          ... on PythonError { message }
        }
      }
    }
  }
}
"""
ASSETS = """
query Assets {
  assetNodes {
    assetKey { path }
    groupName
    isMaterializable
    isPartitioned
    assetMaterializations(limit: 1) {
      runId
      metadataEntries {
        __typename label
        ... on IntMetadataEntry { intValue }
        ... on FloatMetadataEntry { floatValue }
        ... on MarkdownMetadataEntry { mdStr }
        ... on TableSchemaMetadataEntry { schema { columns { name type } } }
      }
    }
    assetChecksOrError {
      __typename
      ... on AssetChecks {
        checks { name blocking executionForLatestMaterialization { runId status } }
      }
    }
  }
}
"""
LAUNCH = """
mutation Launch($executionParams: ExecutionParams!) {
  launchPipelineExecution(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on Error { message }
  }
}
"""
ADD_PARTITION = """
mutation Add($repositorySelector: RepositorySelector!, $name: String!, $key: String!) {
  addDynamicPartition(
    repositorySelector: $repositorySelector, partitionsDefName: $name, partitionKey: $key
  ) {
    __typename
    ... on Error { message }
  }
}
"""
RUN = """
query Run($runId: ID!) {
  runOrError(runId: $runId) { __typename ... on Run { status stepStats { stepKey status } } }
}
"""


@dataclass(frozen=True)
class CheckState:
    name: str
    blocking: bool
    run_id: str | None  # the run of its latest execution; None: never executed
    status: str | None  # SUCCEEDED, FAILED, EXECUTION_FAILED, SKIPPED, IN_PROGRESS


@dataclass(frozen=True)
class AssetState:
    """One asset as the UI shows it: its latest materialisation's metadata and its checks."""

    key: str  # slash-joined path, e.g. sources/acme_b2b/links
    path: tuple[str, ...]
    group: str
    materializable: bool
    partitioned: bool
    run_id: str | None  # the run of its latest materialisation; None: never materialised
    metadata: dict[str, Any] = field(default_factory=dict)
    checks: tuple[CheckState, ...] = ()


def metadata_value(entry: dict[str, Any]) -> Any:
    for name in ("intValue", "floatValue", "mdStr"):
        if name in entry:
            return entry[name]
    if "schema" in entry:
        return [column["name"] for column in entry["schema"]["columns"]]
    return entry["__typename"]  # a kind of entry the tests only look for, not into


def asset_state(node: dict[str, Any]) -> AssetState:
    latest = node["assetMaterializations"][:1]
    checks = node["assetChecksOrError"].get("checks", [])
    return AssetState(
        key="/".join(node["assetKey"]["path"]),
        path=tuple(node["assetKey"]["path"]),
        group=node["groupName"],
        materializable=node["isMaterializable"],
        partitioned=node["isPartitioned"],
        run_id=latest[0]["runId"] if latest else None,
        metadata={e["label"]: metadata_value(e) for e in latest[0]["metadataEntries"]}
        if latest
        else {},
        checks=tuple(
            CheckState(
                name=c["name"],
                blocking=c["blocking"],
                run_id=(c["executionForLatestMaterialization"] or {}).get("runId"),
                status=(c["executionForLatestMaterialization"] or {}).get("status"),
            )
            for c in checks
        ),
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def instance_home(folder: Path) -> Path:
    """A fresh, absolute DAGSTER_HOME."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dagster.yaml").write_text(INSTANCE_YAML)
    return folder


@dataclass
class DagsterDev:
    """A running `dagster dev` and the GraphQL calls the tests make to it."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def fail(self, message: str) -> AssertionError:
        return AssertionError(f"{message}\n--- dagster dev log ({self.log}) ---\n{self.log_tail()}")

    def graphql(self, query: str, variables: dict | None = None, timeout: float = 30) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.load(response)
        if payload.get("errors"):
            raise self.fail(f"GraphQL errors: {payload['errors']}")
        return payload["data"]

    def wait_for_location(self, timeout: float) -> tuple[str, str]:
        """Poll the workspace until a code location is LOADED; its (location, repository)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise self.fail(f"dagster dev exited with code {self.process.returncode}")
            try:
                workspace = self.graphql(LOCATIONS, timeout=10)["workspaceOrError"]
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)  # the webserver is not listening yet
                continue
            for entry in workspace.get("locationEntries", []):
                loaded = entry["locationOrLoadError"] or {}
                if loaded.get("__typename") == "PythonError":
                    raise self.fail(f"code location {entry['name']} failed to load: {loaded}")
                if entry["loadStatus"] == "LOADED" and loaded.get("repositories"):
                    return entry["name"], loaded["repositories"][0]["name"]
            time.sleep(0.5)
        raise self.fail(f"no code location loaded within {timeout:.0f} s")

    def assets(self) -> dict[str, AssetState]:
        return {a.key: a for a in map(asset_state, self.graphql(ASSETS)["assetNodes"])}

    def add_partition(self, location: str, repository: str, name: str, key: str) -> None:
        """What a delivery sensor does for a new file (and the UI's "Add partition" button)."""
        selector = {"repositoryLocationName": location, "repositoryName": repository}
        variables = {"repositorySelector": selector, "name": name, "key": key}
        added = self.graphql(ADD_PARTITION, variables)["addDynamicPartition"]
        if added["__typename"] != "AddDynamicPartitionSuccess":
            raise self.fail(f"partition {name}/{key} refused: {added}")

    def launch(self, location: str, repository: str, job: str, partition: str | None = None) -> str:
        """Launch a job (for one partition), as its Launchpad does; the run id."""
        selector = {
            "repositoryLocationName": location,
            "repositoryName": repository,
            "pipelineName": job,
        }
        params: dict[str, Any] = {"selector": selector, "mode": "default", "runConfigData": {}}
        if partition is not None:
            params["executionMetadata"] = {
                "tags": [{"key": "dagster/partition", "value": partition}]
            }
        launched = self.graphql(LAUNCH, {"executionParams": params})["launchPipelineExecution"]
        if launched["__typename"] != "LaunchRunSuccess":
            raise self.fail(f"launch refused: {launched}")
        return launched["run"]["runId"]

    def wait_for_run(self, run_id: str, timeout: float) -> tuple[str, list[str]]:
        """Poll until the run finishes; its status and the steps that did not succeed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.graphql(RUN, {"runId": run_id})["runOrError"]
            if run["__typename"] != "Run":
                raise self.fail(f"run {run_id}: {run}")
            if run["status"] in FINISHED:
                bad = [s["stepKey"] for s in run["stepStats"] if s["status"] != "SUCCESS"]
                return run["status"], bad
            time.sleep(1)
        raise self.fail(f"run {run_id} did not finish within {timeout:.0f} s")

    def stop(self, grace: float = 30) -> None:
        """SIGINT to dagster dev itself (the one signal it stops on), then SIGKILL to whatever
        is left of its session: its code server can outlive it until a heartbeat times out."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(grace)
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: pgid == pid
        self.process.wait(10)


@contextmanager
def dagster_dev(repo: Path, env: dict[str, str], log: Path) -> Iterator[DagsterDev]:
    """`dagster dev -w workspace.yaml` from `repo` on a free loopback port, stopped on exit.

    `env --default-signal` undoes the SIGINT-ignored disposition a background job of a
    non-interactive shell inherits, without which dagster dev could not be stopped cleanly.
    """
    port = free_port()
    dagster = Path(sys.executable).parent / "dagster"
    command = ["env", "--default-signal=INT,TERM", str(dagster), "dev", "-w", "workspace.yaml"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=repo,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        dev = DagsterDev(process, port, log)
        try:
            yield dev
        finally:
            dev.stop()
