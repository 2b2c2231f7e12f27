"""Coverage: every warehouse table is classified; every personal one is exported and erased."""

import csv
import io
from pathlib import Path

import pytest

from lineage_pipeline.privacy.correct import correct
from lineage_pipeline.privacy.erase import erase
from lineage_pipeline.privacy.export import subject_access
from lineage_pipeline.privacy.registry import NON_PERSONAL_TABLES, PERSONAL_TABLES, unregistered
from lineage_pipeline.privacy.restrict import restrict
from lineage_pipeline.privacy.selection import PREDICATES
from lineage_pipeline.settings import Settings
from tests.conftest import CUSTOMERS
from tests.privacy_support import (
    base_tables,
    build_template,
    contracts_of,
    copy_of,
    rows_mentioning,
)

BOB = next(r for r in csv.DictReader(io.StringIO(CUSTOMERS)) if r["cust_no"] == "C2")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_template(tmp_path_factory.mktemp("registry"))


@pytest.fixture
def warehouse(template: Settings, tmp_path: Path) -> Settings:
    """A warehouse after every kind of operation, so every table that can exist does."""
    settings = copy_of(template, tmp_path)
    contracts = contracts_of(settings)
    restrict(settings, "C2", ["marketing"])
    correct(settings, "C2", "city", "Leeds", contracts)
    subject_access(settings, "C2", contracts)
    erase(settings, "C5", contracts)
    return settings


def test_every_table_in_the_warehouse_is_registered(warehouse: Settings):
    assert unregistered(base_tables(warehouse)) == []
    assert set(PERSONAL_TABLES).isdisjoint(NON_PERSONAL_TABLES)


def test_every_personal_table_is_selected_by_export_and_erase(warehouse: Settings):
    assert set(PREDICATES) == set(PERSONAL_TABLES)
    document, _ = subject_access(warehouse, "C2", contracts_of(warehouse))
    assert set(document["tables"]) == set(PERSONAL_TABLES)
    receipt = erase(warehouse, "C2", contracts_of(warehouse))
    assert set(PERSONAL_TABLES) <= set(receipt.counts)


def test_tables_called_non_personal_hold_nothing_about_a_person(warehouse: Settings):
    found = rows_mentioning(warehouse, {"C2"}, {BOB["mail"], BOB["mobile"], BOB["family"]})
    assert set(found) <= set(PERSONAL_TABLES), set(found) - set(PERSONAL_TABLES)
    assert {"customer_fields", "customers", "match_evidence", "corrections"} <= set(found)
    erase(warehouse, "C2", contracts_of(warehouse))
    assert rows_mentioning(warehouse, {"C2"}, {BOB["mail"], BOB["mobile"], BOB["family"]}) == {}
