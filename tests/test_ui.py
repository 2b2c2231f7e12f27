"""The Dagster UI as a person uses it: `dagster dev -w workspace.yaml` on loopback over a copy of
the bundled samples; each delivery added as a partition and ingested by its `ingest_<source>`
job, then `publish_warehouse` launched, all through GraphQL; the results read back through
GraphQL, and the pages looked at in headless Chromium.

Set LINEAGE_UI_SCREENSHOTS=docs/screenshots (`make screenshots`) to refresh the README's pictures.
"""

from __future__ import annotations

import os
import shutil
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from assets.deliveries import PUBLISH_JOB, delivery_partitions
from lineage_pipeline.contracts import load_contracts
from lineage_pipeline.deliveries import delivery_keys
from tests.ui_support import CHROMIUM, CHROMIUM_FLAGS, INSTALL_HINT, AssetState, dagster_dev
from tests.ui_support import instance_home as make_instance_home

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

REPO = Path(__file__).resolve().parents[1]
NOW = "2026-11-25T12:00:00"
CUSTOMERS = 3000  # first-party customers in data/samples
LOAD_TIMEOUT, RUN_TIMEOUT = 180, 300  # seconds; a busy 2-core machine took ~30 and ~70
PAGE_TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1920, "height": 1080}
SCROLL_MARGIN = 120  # px below the asset page's header
SCREENSHOTS_ENV = "LINEAGE_UI_SCREENSHOTS"


@dataclass(frozen=True)
class Session:
    url: str
    location: str
    repository: str
    run_id: str  # the publishing run
    ingest_runs: list[str]  # one per delivery
    status: str
    failed_steps: list[str]
    assets: dict[str, AssetState]
    warehouse: Path


@pytest.fixture(scope="module")
def ui(samples_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """dagster dev serving the samples after one "Materialize all" run launched over GraphQL."""
    root = tmp_path_factory.mktemp("ui")
    warehouse = root / "warehouse" / "warehouse.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINEAGE_", "DAGSTER_"))}
    env |= {
        "DAGSTER_HOME": str(make_instance_home(root / "dagster_home")),
        "LINEAGE_CONTRACTS": str(samples_copy / "contracts"),
        "LINEAGE_WAREHOUSE": str(warehouse),
        "LINEAGE_NOW": NOW,
    }
    with dagster_dev(REPO, env, root / "dagster_dev.log") as dev:
        location, repository = dev.wait_for_location(LOAD_TIMEOUT)
        ingest_runs = []
        for contract in load_contracts(samples_copy / "contracts").contracts:
            partitions = delivery_partitions(contract)
            for key in delivery_keys(contract) if partitions else []:
                dev.add_partition(location, repository, partitions.name, key)
                run_id = dev.launch(location, repository, f"ingest_{contract.name}", key)
                assert dev.wait_for_run(run_id, RUN_TIMEOUT) == ("SUCCESS", []), key
                ingest_runs.append(run_id)
        run_id = dev.launch(location, repository, PUBLISH_JOB)
        status, failed_steps = dev.wait_for_run(run_id, RUN_TIMEOUT)
        yield Session(
            dev.url,
            location,
            repository,
            run_id,
            ingest_runs,
            status,
            failed_steps,
            dev.assets(),
            warehouse,
        )


def test_the_run_materialises_every_asset(ui: Session) -> None:
    assert ui.status == "SUCCESS", f"steps that did not succeed: {ui.failed_steps}"
    assert len(ui.ingest_runs) == 4  # acme_b2b x2, lifestyle_panel, company_register
    runs = {a.key: a.run_id for a in ui.assets.values() if a.materializable}
    partitioned = {a.key for a in ui.assets.values() if a.partitioned}
    assert partitioned == {
        "sources/acme_b2b/records",
        "sources/company_register/records",
        "sources/lifestyle_panel/records",
    }
    stale = [k for k, run in runs.items() if k not in partitioned and run != ui.run_id]
    assert not stale, f"not materialised by the publishing run: {stale}"
    assert {runs[k] for k in partitioned} <= set(ui.ingest_runs)
    assert {"customers", "customer_fields", "match_evidence", "warehouse"} <= set(ui.assets)


def test_customers_report_rows_and_columns(ui: Session) -> None:
    customers = ui.assets["customers"].metadata
    assert customers["dagster/row_count"] == CUSTOMERS
    assert "customer_id" in customers["dagster/column_schema"]
    assert len(customers["dagster/column_schema"]) > 1


def test_link_assets_report_candidates_and_the_histogram(ui: Session) -> None:
    links = [a for a in ui.assets.values() if a.path[0] == "sources" and a.path[-1] == "links"]
    assert links, "no sources/<name>/links asset"
    for asset in links:
        assert asset.metadata["candidate_pairs"] > 0, asset.key
        assert asset.metadata["linked_records"] > 0, asset.key
        assert "threshold" in asset.metadata["match_probability_histogram"], asset.key


def test_checks_ran_and_none_blocking_failed(ui: Session) -> None:
    checks = [(a.key, c) for a in ui.assets.values() for c in a.checks]
    if not checks:
        return  # checks are optional in the design; nothing to look at
    ours = {ui.run_id, *ui.ingest_runs}
    unrun = [f"{key}:{c.name}" for key, c in checks if c.run_id not in ours]
    assert not unrun, f"checks not evaluated by the run: {unrun}"
    failed = [f"{key}:{c.name}" for key, c in checks if c.blocking and c.status != "SUCCEEDED"]
    assert not failed, f"blocking checks that did not pass: {failed}"
    assert any(c.status == "SUCCEEDED" for _, c in checks)


def test_the_warehouse_is_published(ui: Session) -> None:
    assert ui.warehouse.exists()
    with duckdb.connect(str(ui.warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM customers").fetchone() == (CUSTOMERS,)


# --- in the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """Headless Debian Chromium with a fresh profile (Playwright's own browsers are never used).

    A missing Chromium fails, not skips: a silent skip would let CI pass without a browser.
    """
    if not CHROMIUM.exists():
        pytest.fail(INSTALL_HINT)
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium_profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport=VIEWPORT,
            timeout=PAGE_TIMEOUT_MS,
        )
        try:
            yield context
        finally:
            context.close()


def screenshot(
    browser: BrowserContext, url: str, out: Path, shows: list[str], scroll_to: str | None = None
) -> str:
    """Open `url`, wait until every text in `shows` is drawn and nothing is still loading, scroll
    `scroll_to` to the top, save a PNG; the page's text."""
    page = browser.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        page.goto(url, wait_until="networkidle")
        for text in shows:
            page.get_by_text(text, exact=True).first.wait_for()
        for busy in ("Loading", "fetching statuses"):
            page.get_by_text(busy).first.wait_for(state="detached")
        if scroll_to:
            box = page.get_by_text(scroll_to, exact=True).first.bounding_box()
            page.mouse.move(VIEWPORT["width"] / 2, VIEWPORT["height"] / 2)
            page.mouse.wheel(0, box["y"] - SCROLL_MARGIN)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1000)  # the graph eases into place after the data arrives
        page.screenshot(path=str(out))
        return page.inner_text("body")
    finally:
        page.close()


def assert_screenshot(path: Path) -> None:
    """A real PNG of the whole viewport with something on it (a blank page compresses to ~5 KB)."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert struct.unpack(">II", head[16:24]) == (VIEWPORT["width"], VIEWPORT["height"])
    assert path.stat().st_size > 20_000, f"{path} looks blank"


def keep_for_docs(shot: Path) -> None:
    folder = os.environ.get(SCREENSHOTS_ENV)
    if folder:
        target = REPO / folder if not Path(folder).is_absolute() else Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target / shot.name)


def first_links(ui: Session) -> AssetState:
    return min(
        (a for a in ui.assets.values() if a.path[0] == "sources" and a.path[-1] == "links"),
        key=lambda a: a.key,
    )


def test_the_asset_graph_shows_every_group(
    ui: Session, browser: BrowserContext, tmp_path: Path
) -> None:
    shot = tmp_path / "asset-graph.png"
    text = screenshot(browser, f"{ui.url}/asset-groups", shot, shows=["warehouse"])
    assert "Global asset lineage" in text
    missing = {a.group for a in ui.assets.values()} - set(text.split())
    assert not missing, f"groups not drawn: {missing}"
    assert_screenshot(shot)


def test_a_source_group_shows_its_assets_and_checks(
    ui: Session, browser: BrowserContext, tmp_path: Path
) -> None:
    links = first_links(ui)
    group = f"{ui.repository}@{ui.location}/asset-groups/{links.group}/lineage"
    shot = tmp_path / "source-lineage.png"
    text = screenshot(browser, f"{ui.url}/locations/{group}", shot, shows=["links", "Materialized"])
    assert {"records", "identities", "links", "Materialized"} <= set(text.split())
    assert "Passed" in text
    assert_screenshot(shot)
    keep_for_docs(shot)


def test_a_links_page_shows_the_match_histogram(
    ui: Session, browser: BrowserContext, tmp_path: Path
) -> None:
    url = f"{ui.url}/assets/{links_path(ui)}"
    shot = tmp_path / "links-metadata.png"
    text = screenshot(
        browser, url, shot, shows=["links", "match_probability_histogram"], scroll_to="Metadata"
    )
    assert "match_probability_histogram" in text
    assert "<- accepted from here" in text
    assert_screenshot(shot)
    keep_for_docs(shot)


def test_a_links_page_shows_its_checks(
    ui: Session, browser: BrowserContext, tmp_path: Path
) -> None:
    links = first_links(ui)
    if not links.checks:
        pytest.skip("no checks on the links assets")
    shot = tmp_path / "links-checks.png"
    url = f"{ui.url}/assets/{links_path(ui)}?view=checks"
    text = screenshot(browser, url, shot, shows=[f"Checks ({len(links.checks)})"])
    assert "Passed" in text or "Succeeded" in text
    assert_screenshot(shot)
    keep_for_docs(shot)


def links_path(ui: Session) -> str:
    return "/".join(first_links(ui).path)
