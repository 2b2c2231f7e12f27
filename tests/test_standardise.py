"""Standardisation: canonical identity values from messy delivery text."""

from datetime import date

import pandas as pd
import pytest

from lineage_pipeline.contracts import load_contracts
from lineage_pipeline.ingest import DELIVERY, RECORD_ID, ROW_NUMBER
from lineage_pipeline.standardise import (
    company_key,
    domain_key,
    name_key,
    parse_date,
    phone_key,
    postcode_key,
    standardise,
)
from tests.conftest import write_project


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("07700 900123", "+447700900123"),
        ("(07700) 900-123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("447700900123", "+447700900123"),
        ("not a phone", None),
    ],
)
def test_phone_numbers_become_e164(raw, expected):
    assert phone_key(raw, "GB") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1984-03-07", date(1984, 3, 7)),
        ("19840307", date(1984, 3, 7)),
        ("07/03/1984", date(1984, 3, 7)),
        ("7 Mar 1984", date(1984, 3, 7)),
        ("March 7, 1984", date(1984, 3, 7)),
        ("7 Mar", None),
        ("soon", None),
        ("2023-02-30", None),
    ],
)
def test_dates_in_common_formats(raw, expected):
    assert parse_date(raw, dayfirst=True) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ACME WIDGETS LIMITED", "Acme Widgets Ltd."),
        ("Smith & Sons PLC", "smith and sons"),
        ("Müller GmbH", "Muller"),
        ("  Globex,  Inc ", "globex"),
    ],
)
def test_company_names_lose_legal_suffixes(a, b):
    assert company_key(a) == company_key(b)


def test_holding_company_stays_distinct():
    assert company_key("Acme Widgets Holdings Limited") != company_key("Acme Widgets Ltd")


def test_names_postcodes_and_domains_fold():
    assert name_key("  Zoë  O'Brien-Smith ") == "zoe obrien smith"
    assert postcode_key("sw1a 1aa") == postcode_key("SW1A1AA") == "SW1A1AA"
    assert domain_key("https://www.Acme.co.uk/about") == "acme.co.uk"


def test_standardise_a_delivery(tmp_path):
    contracts = load_contracts(write_project(tmp_path))
    crm = contracts.get("crm")
    records = pd.DataFrame(
        {
            "cust_no": ["C1", "C2", "C3"],
            "given": ["Alice", "Zoë", "Bob"],
            "family": ["JONES", "o'brien", "Smith"],
            "mail": [" Alice@Acme.co.uk ", "zoe@gmail.com", ""],
            "mobile": ["07700 900001", "", "garbage"],
            "birth": ["1980-01-02", "19900910", "31/12/2999"],
            "town": ["Leeds", "York", "Hull"],
            "employer": ["Acme Ltd", "", "Initech"],
            ROW_NUMBER: [2, 3, 4],
            DELIVERY: ["crm.csv"] * 3,
            RECORD_ID: ["C1", "C2", "C3"],
        }
    )
    identities, quarantine = standardise(records, crm, date(2026, 11, 25))
    # C3's birth date is in the future: quarantined with file, row and column.
    assert list(identities[RECORD_ID]) == ["C1", "C2"]
    assert quarantine.iloc[0][["delivery", "row_number", "column"]].tolist() == [
        "crm.csv",
        4,
        "birth",
    ]
    assert "absurd date of birth" in quarantine.iloc[0]["reason"]
    first = identities.iloc[0]
    assert first["email"] == "alice@acme.co.uk"
    assert first["company_domain"] == "acme.co.uk"  # derived from a work email
    assert first["phone"] == "+447700900001"
    assert first["date_of_birth"] == "1980-01-02"
    second = identities.iloc[1]
    assert second["company_domain"] is None  # gmail says nothing about an employer
    assert second["surname"] == "obrien"
    assert second["date_of_birth"] == "1990-09-10"


def test_full_name_is_split_when_parts_are_absent(tmp_path):
    contracts = load_contracts(write_project(tmp_path))
    register = contracts.get("vendor").model_copy(
        update={"identity": {"full_name": "name", "email": "email"}}
    )
    records = pd.DataFrame(
        {
            "name": ["SMITH, Jane", "Mrs Jane A. Smith"],
            "email": ["", ""],
            ROW_NUMBER: [2, 3],
            DELIVERY: ["x.csv"] * 2,
            RECORD_ID: ["1", "2"],
        }
    )
    identities, _ = standardise(records, register, date(2026, 1, 1))
    assert identities["given_name"].tolist() == ["jane", "jane"]
    assert identities["surname"].tolist() == ["smith", "smith"]


def test_bad_dates_can_be_treated_as_missing(tmp_path):
    contracts = load_contracts(write_project(tmp_path))
    crm = contracts.get("crm")
    lenient = crm.model_copy(
        update={"standardise": crm.standardise.model_copy(update={"bad_dates": "missing"})}
    )
    records = pd.DataFrame(
        {
            "cust_no": ["C1", "C2"],
            "given": ["Ann", "Bo"],
            "family": ["Lee", "Ng"],
            "mail": ["", ""],
            "mobile": ["", ""],
            "birth": ["19450493", "2999-01-01"],
            "town": ["", ""],
            "employer": ["", ""],
            ROW_NUMBER: [2, 3],
            DELIVERY: ["crm.csv"] * 2,
            RECORD_ID: ["C1", "C2"],
        }
    )
    identities, quarantine = standardise(records, lenient, date(2026, 11, 25))
    assert quarantine.empty
    assert identities[RECORD_ID].tolist() == ["C1", "C2"]
    assert identities["date_of_birth"].isna().all()
