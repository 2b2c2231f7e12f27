"""The sample files: their paths under data/samples/, and how a table is written to one.

Input: in-memory tables. Output: CSV (UTF-8, LF) and text-only parquet files. Invariant: no clock,
no pandas metadata: the same table always gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

CUSTOMERS_FILE = "customers/customers_2026-11-01.csv"
ACME_FILES = ("acme_b2b/acme_2026-09-01.csv", "acme_b2b/acme_2026-11-01.csv")
PANEL_FILE = "lifestyle_panel/panel_2026-10-15.parquet"
REGISTER_FILE = "company_register/register_2026-10.csv"
TRUTH_FILE = "truth.csv"
ANSWER_KEY = ("kind", "customer")  # who a vendor row really is: kept in memory, never written


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8, LF line ends, no index: the bytes do not depend on the platform."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Every column as text, no pandas metadata: the file holds exactly what the vendor sent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {c: pa.array(frame[c].tolist(), type=pa.string()) for c in frame.columns}
    pq.write_table(pa.table(arrays), path, compression="zstd")


def customer_file(cust: pd.DataFrame) -> pd.DataFrame:
    """The first-party extract: only what our own database holds, named as its contract says."""
    return pd.DataFrame(
        {
            "customer_id": cust["customer_id"],
            "first_name": cust["given"],
            "last_name": cust["surname"],
            "email": cust["email"],
            "phone": cust["phone"],
            "date_of_birth": np.where(
                cust["has_dob"], np.datetime_as_string(cust["dob"].to_numpy(), unit="D"), None
            ),
            "street": cust["street"],
            "city": cust["city"],
            "postcode": cust["postcode"],
            "company": cust["company"],
            "signup_date": cust["signup_date"],
        }
    )
