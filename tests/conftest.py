"""Shared fixtures: a tiny hand-made deployment (contracts + deliveries) in tmp_path, and the
bundled samples run once per session."""

from __future__ import annotations

import shutil
import textwrap
from datetime import datetime
from pathlib import Path

import pytest

from lineage_pipeline.settings import Settings

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 25, 12, 0, 0)

PURPOSES = """\
purposes:
  service: Delivering what the customer bought
  marketing: Promoting our products
  marketing.email: Newsletters and offers by email
  marketing.ads: Targeted advertising
  analytics: Aggregate reporting
"""

# Six customers. Expected links from the vendor file (hand-worked):
#   V1 -> C1 (exact email), V2 -> C2 (nickname Bob/Robert, phone in another format),
#   V3 -> C2 again (a vendor duplicate), V4: not a customer, V5: decoy (same surname and
#   employer as C3, different given name, email and phone) -> no link.
CUSTOMERS = """\
cust_no,given,family,mail,mobile,birth,town,employer
C1,Alice,Jones,alice.jones@acmewidgets.co.uk,07700 900001,1980-01-02,Leeds,Acme Widgets Ltd
C2,Robert,Smith,rob.smith@gmail.com,07700 900002,1975-05-06,York,Globex plc
C3,Carol,Taylor,carol.t@hotmail.com,07700 900003,1990-09-10,Hull,Initech Limited
C4,David,Brown,dbrown@yahoo.co.uk,07700 900004,1985-03-04,Bath,Acme Widgets Ltd
C5,Eve,Wilson,eve.w@example.org,07700 900005,1970-12-12,Ely,Umbrella Corp
C6,Frank,Moore,,07700 900006,1965-07-08,Wells,
"""
VENDOR = """\
vid,fname,lname,email,phone,company,title,size
V1,Alice,Jones,ALICE.JONES@ACMEWIDGETS.CO.UK,+44 7700 900001,ACME WIDGETS LIMITED,Engineer,11-50
V2,Bob,Smith,robert.smith@globex.com,(07700) 900002,Globex,Director,201-1000
V3,Robert,Smyth,,447700900002,Globex PLC,Director,201-1000
V4,Zed,Unknown,zed@nowhere.net,07700 900999,Nowhere Ltd,Clerk,1-10
V5,Karen,Taylor,karen.taylor@initech.com,07700 900333,Initech,Analyst,51-200
"""
REGISTER = """\
number,name,site,sic
00000001,ACME WIDGETS LIMITED,acmewidgets.co.uk,25990
00000002,GLOBEX PLC,globex.com,62020
00000003,ACME WIDGETS HOLDINGS LIMITED,acmeholdings.com,64209
"""


def write_project(root: Path) -> Path:
    """Write a tiny deployment under `root`; returns its contracts folder."""
    contracts = root / "contracts"
    data = root / "deliveries"
    for folder in (contracts, data / "crm", data / "vendor", data / "register"):
        folder.mkdir(parents=True, exist_ok=True)
    (contracts / "purposes.yaml").write_text(PURPOSES)
    (data / "crm" / "crm_2026-11-01.csv").write_text(CUSTOMERS)
    (data / "vendor" / "vendor_2026-10-01.csv").write_text(VENDOR)
    (data / "register" / "register_2026-10-01.csv").write_text(REGISTER)
    (contracts / "crm.yaml").write_text(
        textwrap.dedent(
            f"""\
            name: crm
            kind: first_party
            supplier: Us
            legal_basis: contract
            licence: own data
            delivery: {{path: {data}/crm/*.csv, format: csv, record_id: cust_no}}
            standardise: {{default_region: GB}}
            identity:
              given_name: given
              surname: family
              email: mail
              phone: mobile
              date_of_birth: birth
              city: town
              company: employer
            fields:
              email: {{column: mail, purposes: [service, marketing.email], retention_days: 3650}}
              city: {{column: town, purposes: [service, analytics], retention_days: 3650}}
            """
        )
    )
    (contracts / "vendor.yaml").write_text(
        textwrap.dedent(
            f"""\
            name: vendor
            kind: purchased
            supplier: Vendor Ltd
            legal_basis: legitimate_interests
            licence: internal use
            priority: 20
            delivery: {{path: {data}/vendor/*.csv, format: csv, record_id: vid}}
            standardise: {{default_region: GB}}
            identity:
              given_name: fname
              surname: lname
              email: email
              phone: phone
              company: company
            match: {{threshold: 0.9}}
            fields:
              job_title: {{column: title, purposes: [marketing, analytics], retention_days: 365}}
              company_size: {{column: size, purposes: [analytics], retention_days: 365}}
            """
        )
    )
    (contracts / "register.yaml").write_text(
        textwrap.dedent(
            f"""\
            name: register
            kind: public
            supplier: Companies Register
            legal_basis: legitimate_interests
            licence: open licence
            priority: 10
            delivery: {{path: {data}/register/*.csv, format: csv, record_id: number}}
            identity: {{company: name, company_domain: site}}
            match: {{threshold: 0.9, entity: organisation}}
            fields:
              industry_code: {{column: sic, purposes: [analytics], retention_days: 1095}}
            """
        )
    )
    return contracts


@pytest.fixture
def project(tmp_path: Path) -> Settings:
    """Settings for the tiny deployment, with a warehouse path in tmp_path and a pinned clock."""
    contracts = write_project(tmp_path / "project")
    return Settings(
        contracts_dir=contracts, warehouse_path=tmp_path / "wh" / "warehouse.duckdb", pinned_now=NOW
    )


@pytest.fixture(scope="session")
def samples_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled contracts and samples, so tests never touch the repo's files."""
    root = tmp_path_factory.mktemp("samples_repo")
    shutil.copytree(REPO / "contracts", root / "contracts")
    shutil.copytree(REPO / "data" / "samples", root / "data" / "samples")
    return root


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The tiny deployment run once through Dagster: a published warehouse to read or copy
    (tests must not change it)."""
    from assets.runner import run_pipeline

    root = tmp_path_factory.mktemp("published")
    settings = Settings(
        contracts_dir=write_project(root / "project"),
        warehouse_path=root / "wh" / "warehouse.duckdb",
        pinned_now=NOW,
    )
    assert run_pipeline(settings).success
    return settings
