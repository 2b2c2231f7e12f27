"""Restrict (objection) and correct (rectification): before and after, and after a rerun."""

from pathlib import Path

import pytest

from lineage_pipeline.errors import LineageError
from lineage_pipeline.privacy.correct import correct
from lineage_pipeline.privacy.restrict import restrict
from lineage_pipeline.settings import Settings
from tests.privacy_support import build_template, contracts_of, copy_of, materialise, query


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_template(tmp_path_factory.mktemp("restrict"))


@pytest.fixture
def warehouse(template: Settings, tmp_path: Path) -> Settings:
    return copy_of(template, tmp_path)


def ids(settings: Settings, schema: str) -> set[str]:
    return set(query(settings, f"SELECT customer_id FROM {schema}.customers")["customer_id"])


def test_restricting_marketing_removes_them_from_marketing_and_its_children_only(
    warehouse: Settings,
):
    views = ["purpose_marketing", "purpose_marketing_email", "purpose_marketing_ads"]
    assert all("C2" in ids(warehouse, v) for v in [*views, "purpose_analytics"])
    receipt = restrict(warehouse, "C2", ["marketing"])
    assert receipt.counts == {"suppressions": 1, "privacy_requests": 1}
    assert all("C2" not in ids(warehouse, v) for v in views)
    assert "C2" in ids(warehouse, "purpose_analytics")
    assert "C2" in ids(warehouse, "purpose_service")
    suppression = query(warehouse, "SELECT * FROM suppressions")
    assert list(suppression["scope"]) == ["marketing"]
    assert "C2" not in str(suppression.to_dict())
    materialise(warehouse)  # the restriction is carried into the next run
    assert all("C2" not in ids(warehouse, v) for v in views)


def test_restricting_a_child_leaves_the_parent(warehouse: Settings):
    restrict(warehouse, "C1", ["marketing.email"])
    assert "C1" not in ids(warehouse, "purpose_marketing_email")
    assert "C1" in ids(warehouse, "purpose_marketing")


def test_restrict_refuses_unknown_purposes_and_all(warehouse: Settings):
    with pytest.raises(LineageError, match="unknown purpose 'sales'"):
        restrict(warehouse, "C1", ["sales"])
    with pytest.raises(LineageError, match="reserved for erasure"):
        restrict(warehouse, "C1", ["all"])
    with pytest.raises(LineageError, match="no customer"):
        restrict(warehouse, "C99", ["marketing"])


def test_a_correction_wins_at_once_and_in_later_runs(warehouse: Settings):
    before = query(warehouse, "SELECT job_title FROM customers WHERE customer_id = 'C1'")
    assert before["job_title"][0] == "Engineer"
    correct(warehouse, "C1", "job_title", "Head of Engineering", contracts_of(warehouse))
    for _ in range(2):  # now, then after a run that rebuilds everything from the deliveries
        row = query(warehouse, "SELECT job_title FROM customers WHERE customer_id = 'C1'")
        assert row["job_title"][0] == "Head of Engineering"
        values = query(
            warehouse,
            "SELECT value, source, is_current, legal_basis FROM customer_fields "
            "WHERE customer_id = 'C1' AND field = 'job_title' ORDER BY source",
        )
        assert values.to_dict(orient="records") == [
            {"value": "Head of Engineering", "source": "subject_request", "is_current": True,
             "legal_basis": "legal_obligation"},
            {"value": "Engineer", "source": "vendor", "is_current": False,
             "legal_basis": "legitimate_interests"},
        ]  # fmt: skip
        marketing = query(warehouse, "SELECT * FROM purpose_marketing.customers")
        assert marketing.set_index("customer_id").at["C1", "job_title"] == "Head of Engineering"
        materialise(warehouse)


def test_a_second_correction_ends_the_first(warehouse: Settings):
    correct(warehouse, "C3", "city", "Hull Old Town", contracts_of(warehouse))
    later = Settings(
        contracts_dir=warehouse.contracts_dir,
        warehouse_path=warehouse.warehouse_path,
        pinned_now=warehouse.pinned_now.replace(day=26),
    )
    correct(later, "C3", "city", "Beverley", contracts_of(warehouse))
    rows = query(
        warehouse,
        "SELECT value, valid_to IS NULL AS in_force, is_current FROM customer_fields "
        "WHERE customer_id = 'C3' AND field = 'city' AND source = 'subject_request' "
        "ORDER BY valid_from",
    )
    assert rows.to_dict(orient="records") == [
        {"value": "Hull Old Town", "in_force": False, "is_current": False},
        {"value": "Beverley", "in_force": True, "is_current": True},
    ]


def test_correct_refuses_unknown_fields_and_empty_values(warehouse: Settings):
    with pytest.raises(LineageError, match="unknown field 'shoe_size'"):
        correct(warehouse, "C1", "shoe_size", "9", contracts_of(warehouse))
    with pytest.raises(LineageError, match="empty"):
        correct(warehouse, "C1", "city", "  ", contracts_of(warehouse))
