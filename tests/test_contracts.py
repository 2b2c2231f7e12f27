"""Contracts load into typed models; every mistake names the file and the key."""

from pathlib import Path

import pytest
import yaml

from lineage_pipeline.contracts import load_contracts
from lineage_pipeline.errors import ContractError
from tests.conftest import REPO, write_project


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_bundled_contracts_load():
    contracts = load_contracts(REPO / "contracts")
    assert contracts.first_party.name == "customers"
    assert {c.name for c in contracts.third_party} == {
        "acme_b2b",
        "lifestyle_panel",
        "company_register",
    }
    assert contracts.get("company_register").match.entity == "organisation"
    assert "job_title" in contracts.field_names()


def test_taxonomy_is_hierarchical():
    taxonomy = load_contracts(REPO / "contracts").taxonomy
    assert taxonomy.covers(["marketing"], "marketing.email")
    assert not taxonomy.covers(["marketing.email"], "marketing.ads")
    assert not taxonomy.covers(["marketing.email"], "marketing")
    assert not taxonomy.covers(["market"], "marketing")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["fields"]["job_title"].update(purposes=["marketting"]),
            "vendor.yaml: fields.job_title.purposes[0]: unknown purpose 'marketting'",
        ),
        (
            lambda d: d.update(legal_basis="because"),
            "vendor.yaml: legal_basis: unknown legal basis",
        ),
        (
            lambda d: d["identity"].update(shoe_size="shoe"),
            "vendor.yaml: identity: unknown identity field 'shoe_size'",
        ),
        (lambda d: d.update(feilds={}), "vendor.yaml: feilds: Extra inputs are not permitted"),
        (lambda d: d.update(kind="first_party"), "exactly one contract must be first_party"),
        (
            lambda d: d["delivery"].update(path="/nowhere/*.csv"),
            "vendor.yaml: delivery.path: '/nowhere/*.csv' matches no file",
        ),
        (lambda d: d.update(name="crm"), "vendor.yaml: name: 'crm' is already used"),
        (lambda d: d["match"].update(threshold=1.5), "vendor.yaml: match.threshold"),
        (
            lambda d: d["fields"]["job_title"].update(retention_days=0),
            "vendor.yaml: fields.job_title.retention_days",
        ),
    ],
)
def test_mistakes_name_file_and_key(tmp_path, change, expected):
    contracts = write_project(tmp_path)
    _edit(contracts / "vendor.yaml", change)
    with pytest.raises(ContractError) as caught:
        load_contracts(contracts)
    assert expected in str(caught.value)


def test_no_first_party_is_an_error(tmp_path):
    contracts = write_project(tmp_path)
    (contracts / "crm.yaml").unlink()
    with pytest.raises(ContractError, match="exactly one contract must be first_party"):
        load_contracts(contracts)


def test_relative_delivery_paths_resolve_against_the_contract_file(tmp_path):
    contracts = write_project(tmp_path)
    _edit(contracts / "vendor.yaml", lambda d: d["delivery"].update(path="../deliveries/vendor/*"))
    vendor = load_contracts(contracts).get("vendor")
    assert [p.name for p in vendor.delivery_files()] == ["vendor_2026-10-01.csv"]


def test_invalid_yaml_names_the_file(tmp_path):
    contracts = write_project(tmp_path)
    (contracts / "vendor.yaml").write_text("name: [unclosed\n")
    with pytest.raises(ContractError, match=r"vendor\.yaml: not valid YAML"):
        load_contracts(contracts)


def test_unknown_parent_purpose_is_an_error(tmp_path):
    contracts = write_project(tmp_path)
    (contracts / "purposes.yaml").write_text("purposes:\n  ads.display: Display ads\n")
    with pytest.raises(ContractError, match="parent purpose 'ads' is not defined"):
        load_contracts(contracts)
