"""The labelled truth (customer_id, field, expected) and the data/samples README.

Input: customers, companies and the acme and panel truth. Output: truth.csv rows and the README
text. Invariant: `expected` is what a correct pipeline run ends with ('' = stays empty).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .files import ACME_FILES

TRUTH_FIELDS = (
    "job_title", "company_size", "industry_code", "household_income_band", "home_owner",
    "interests", "incorporation_year",
)  # fmt: skip


def truth_table(
    cust: pd.DataFrame, comp: pd.DataFrame, acme: pd.DataFrame, panel: pd.DataFrame
) -> pd.DataFrame:
    """customer_id, field, expected for every customer and enrichment field ('' = stays empty)."""
    n = len(cust)
    employer = np.maximum(cust["employer"].to_numpy(), 0)
    in_register = cust["recorded"].to_numpy() & comp["registered"].to_numpy()[employer]
    values = pd.DataFrame(index=range(n), columns=list(TRUTH_FIELDS), dtype=object).fillna("")
    values.loc[acme.index, ["job_title", "company_size"]] = acme[["job_title", "company_size"]]
    values.loc[acme.index, "industry_code"] = acme["acme_sic"]
    values.loc[in_register, "industry_code"] = comp["sic"].to_numpy()[employer[in_register]]
    values.loc[in_register, "incorporation_year"] = comp["year"].to_numpy()[employer[in_register]]
    lifestyle = ["household_income_band", "home_owner", "interests"]
    values.loc[panel.index, lifestyle] = panel[
        ["income_band", "home_owner", "interests"]
    ].to_numpy()
    return pd.DataFrame(
        {
            "customer_id": np.repeat(cust["customer_id"].to_numpy(), len(TRUTH_FIELDS)),
            "field": np.tile(TRUTH_FIELDS, n),
            "expected": values.to_numpy().ravel(),
        }
    )


def composition(frame: pd.DataFrame) -> dict[str, int]:
    """Rows of each kind in a vendor table (match, duplicate, ...), for the README."""
    counts = frame["kind"].value_counts()
    return {
        kind: int(counts.get(kind, 0)) for kind in ("match", "duplicate", "non_customer", "decoy")
    }


def render_readme(counts: dict[str, int], facts: dict[str, Any], customers: int, seed: int) -> str:
    """The data/samples README: what each file is, the noise it holds, and its row counts."""
    acme_rows = "\n".join(
        f"  | `{name}` | {c['match']} | {c['duplicate']} | {c['non_customer']} | {c['decoy']} |"
        for name, c in zip(ACME_FILES, facts["acme"], strict=True)
    )
    panel = facts["panel"]
    sizes = "\n".join(f"| `{name}` | {rows} |" for name, rows in sorted(counts.items()))
    return f"""# Sample data

Synthetic, seeded data for the four sources in `contracts/`, plus the labelled truth. Every
person and company is invented (any likeness to a real one is chance). Regenerate, byte-identical
for the same arguments and package versions, with

    python scripts/make_samples.py   # defaults: --customers 3000 --seed 7 --out data/samples

(this copy: --customers {customers} --seed {seed})

## Files and rows
| file | rows |
|---|---|
{sizes}

## What each file holds
- `customers/`: first party, UK people. ~70% name an employer (drawn from {facts["employers"]}
  employers, so colleagues share one), written plainly or with Ltd/Limited/capitals. Missing: phone
  ~8%, company ~30% (some of them are employed, the broker knows where), date of birth ~3%. Most
  emails are personal; ~40% of those naming an employer give their work address.
- `acme_b2b/`: purchased B2B contacts, two deliveries. The second repeats most records of the first
  (same broker_id), promotes {facts["promoted"]} customers, drops a few and adds new people.
  Noise: nicknames (~10%), one-letter surname typos (~5%), upper/mixed-case emails, seven phone
  layouts or blank, employer name variants, stray white space; ~10% lack a work email (a phone is
  then present). About 1 company in 5 has another SIC code than in the register. Duplicates are
  one person under two broker_ids with identical job_title, company_size and sector_sic. Decoys
  share a customer's surname and employer but not given name, email or phone: never a match.

  | delivery | customer rows | duplicate rows | non-customers | decoys |
  |---|---|---|---|---|
{acme_rows}

- `lifestyle_panel/`: purchased consumer panel, every column text. Names as "Jane Smith",
  "SMITH, Jane", "Mrs Jane A. Smith", "jane smith"; dates of birth as ISO, 07/03/1984 (day
  first), 19840307 or "7 Mar 1984"; postcodes in any case and spacing; email, mobile or dob
  sometimes missing.
  {panel["match"]} customer rows, {panel["non_customer"]} non-customers and {panel["decoy"]} decoys
  (a customer's full name with another birth date, postcode, email and mobile).
- `company_register/`: public register, official names (LIMITED, PLC, LLP; "&" sometimes "AND"),
  websites sometimes missing or with www./https://, 5-digit SIC codes kept as text. Holds every
  employer that is a company plus as many others and {facts["register_decoys"]} near-miss namesakes
  (HOLDINGS, GROUP, (SCOTLAND) ...). Councils, universities, colleges and NHS trusts are not in it.
- `truth.csv`: one row per customer and enrichment field; `expected` is the value the pipeline must
  end with (empty: must stay empty). job_title/company_size come from the newest acme delivery
  holding the person; industry_code from the register when the customer's company is registered,
  else from acme; incorporation_year from the register; lifestyle fields from the panel.
"""
