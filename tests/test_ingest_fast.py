"""The fast csv path reads every file exactly as the line parser does, or leaves it to it.

Seeded random deliveries built from awkward pieces (quotes, delimiters inside values, blank
lines, bad bytes, NULs, formulas, over-long values, duplicate ids, every line ending) are read
twice, with and without the fast path, and must give the same records, quarantine, delivery
info or error message.
"""

import random
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from lineage_pipeline import fast_csv, ingest
from lineage_pipeline.contracts import Contract
from lineage_pipeline.errors import DeliveryError

NOW = datetime(2026, 11, 25, 12, 0, 0)
PIECES = [
    "a", "Bob", "b c", "", " ", " x ", '"q"', '"x,y"', '"a""b"', 'a"b', '"open', '"a"b', '""',
    "=1+1", "+44 7700 900001", "-5", "-2+3", "@x", "Zoë", "\x00", "\t", "x;y", "|", "11-50",
    "lots", '"line\nbreak"', "\r",
]  # fmt: skip
LINE_ENDS = ["\n", "\r\n", "\r"]


def contract(path: Path, delimiter: str, encoding: str) -> Contract:
    return Contract.model_validate(
        {
            "name": "vendor",
            "kind": "purchased",
            "supplier": "test",
            "legal_basis": "legitimate_interests",
            "licence": "test",
            "delivery": {
                "path": str(path),
                "record_id": "id",
                "delimiter": delimiter,
                "encoding": encoding,
            },
            "identity": {"given_name": "name"},
            "fields": {
                "size": {
                    "column": "size",
                    "purposes": ["analytics"],
                    "retention_days": 30,
                    "pattern": r"\d+-\d+",
                },
            },
        }
    )


def random_delivery(rng: random.Random, delimiter: str) -> str:
    header = ["id", "name", "size", *(["extra"] if rng.random() < 0.5 else [])]
    lines = [delimiter.join(header)]
    for number in range(rng.randint(0, 8)):
        width = len(header) if rng.random() < 0.9 else rng.choice([1, len(header) + 1])
        values = [rng.choice([f"V{number}", f"V{number % 3}", " V9 ", ""])]
        values += [rng.choice(PIECES) if rng.random() < 0.3 else "11-50" for _ in range(1, width)]
        if rng.random() < 0.05:
            values[-1] = "y" * 1001
        lines.append(delimiter.join(values))
        if rng.random() < 0.05:
            lines.append("")
    end = rng.choice(LINE_ENDS)
    return end.join(lines) + (end if rng.random() < 0.8 else "")


def read(path: Path, spec: Contract):
    try:
        return ingest.read_delivery(path, spec, NOW)
    except DeliveryError as exc:
        return str(exc)


def assert_same(fast, slow) -> None:
    if isinstance(slow, str) or isinstance(fast, str):
        assert fast == slow
        return
    for mine, theirs in zip(fast[:2], slow[:2], strict=True):
        pd.testing.assert_frame_equal(mine, theirs)
    assert fast[2] == slow[2]


@pytest.mark.parametrize("seed", range(4))
def test_fast_path_reads_random_deliveries_as_the_line_parser_does(tmp_path, monkeypatch, seed):
    rng = random.Random(seed)
    taken = 0
    for case in range(150):
        delimiter = rng.choice([",", ";", "\t", "|"])
        encoding = rng.choice(["utf-8", "utf-8", "latin-1"])
        content = random_delivery(rng, delimiter).encode(encoding, errors="replace")
        if rng.random() < 0.1:
            content = b"\xef\xbb\xbf" + content
        if rng.random() < 0.05:
            content += b"V8" + delimiter.encode() + b"\xff\xfe\n"
        path = tmp_path / f"vendor_{case}.csv"
        path.write_bytes(content)
        spec = contract(path, delimiter, encoding)
        taken += fast_csv.read_exact(content, delimiter, encoding) is not None
        fast = read(path, spec)
        with monkeypatch.context() as patched:
            patched.setattr(ingest, "read_exact", lambda *_: None)
            slow = read(path, spec)
        assert_same(fast, slow)
    assert taken > 30  # the fast path is exercised, not always declined


@pytest.mark.parametrize(
    "content",
    [
        'id,name,size\nV1,"Smith, Jo",11-50\nV2,"say ""hi""",1-10\n',
        "id,name,size\r\nV1,Jo,11-50\r\nV2,Al,1-10",
        "id,name,size\nV1,Jo,=SUM(1)\nV1,Al,1-10\n",
    ],
)
def test_well_formed_files_take_the_fast_path(tmp_path, content):
    assert fast_csv.read_exact(content.encode(), ",", "utf-8") is not None


@pytest.mark.parametrize(
    "content",
    [
        'id,name,size\nV1,"open,11-50\n',  # unterminated quote
        'id,name,size\nV1,"Jo"x,11-50\n',  # text after a closing quote
        'id,name,size\nV1,"Jo\nSmith",11-50\n',  # a record over two lines
        "id,name,size\nV1,Jo,11-50\n\nV2,Al,1-10\n",  # a blank line
        "id,name,size\nV1,Jo\n",  # too few fields
        "id,name,size\nV1,J\x00o,11-50\n",  # a NUL
    ],
)
def test_files_the_fast_path_cannot_read_exactly_are_left_to_the_line_parser(content):
    assert fast_csv.read_exact(content.encode(), ",", "utf-8") is None
