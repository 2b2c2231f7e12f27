"""Stage results passed between assets: the customers' link index is made once, newest record
per customer."""

import pandas as pd

from lineage_pipeline.ingest import RECORD_ID
from lineage_pipeline.stages import StandardisedSource, customer_index


def test_customer_index_keeps_each_customers_newest_record_and_is_made_once():
    identities = pd.DataFrame(
        {RECORD_ID: ["C1", "C2", "C1"], "email": ["old@x.io", "b@x.io", "new@x.io"]}
    )
    empty = pd.DataFrame()
    customers = StandardisedSource("crm", identities, identities, empty, empty)
    latest, ids = customer_index(customers)
    assert list(ids) == ["C2", "C1"]
    assert list(latest["email"]) == ["b@x.io", "new@x.io"]
    assert list(latest.index) == [0, 1]
    again = customer_index(customers)
    assert again[0] is latest
    assert again[1] is ids
