"""The fast ways of standardising give the reference keys, character for character.

Each key has a plain reference (the regex or pandas way it was first written); seeded random
text full of awkward characters (every ASCII white space, punctuation, accents, non-breaking
and wide spaces, combining marks) goes through both.
"""

import random
import re
import unicodedata

import pandas as pd
import phonenumbers
import pytest
from nameparser.config import CONSTANTS

from lineage_pipeline import standardise, text_bulk
from lineage_pipeline.text_bulk import DistinctText

ASCII = [chr(c) for c in range(32, 127)] + list("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f")
OTHER = list("éÉßİıøØ\u00a0\u2003\u0301\u3000ｆ٣")
COMMON = list("aeinrsAEJ  .,-'&@+0123456789()/")
SPACES = re.compile(r"\s+")


def random_text(rng: random.Random, alphabet: list[str], longest: int = 14) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest)))


def texts(seed: int, count: int = 3000) -> list[str]:
    rng = random.Random(seed)
    mixes = [COMMON, COMMON + ASCII, ASCII, COMMON + OTHER]
    return [random_text(rng, rng.choice(mixes)) for _ in range(count)]


def reference_fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return SPACES.sub(" ", plain).strip().casefold()


def reference_name_key(value: str) -> str | None:
    folded = re.sub(r"[^\w\s'-]", " ", reference_fold(value)).replace("'", "").replace("-", " ")
    return SPACES.sub(" ", folded).strip() or None


def reference_company_words(value: str) -> list[str]:
    text = reference_fold(value).replace("&", " and ")
    return SPACES.sub(" ", re.sub(r"[^\w\s]", " ", text.replace(".", ""))).split()


def reference_email_key(value: str) -> str | None:
    folded = value.strip().lower()
    return folded if re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", folded) else None


def reference_postcode_key(value: str) -> str | None:
    return re.sub(r"[^0-9A-Za-z]", "", value).upper() or None


@pytest.mark.parametrize("seed", range(3))
def test_fold_and_name_keys_match_the_regex_reference(seed):
    for value in texts(seed):
        assert standardise.fold(value) == reference_fold(value), repr(value)
        assert standardise.name_key(value) == reference_name_key(value), repr(value)


@pytest.mark.parametrize("seed", range(3))
def test_company_keys_match_the_regex_reference(seed, monkeypatch):
    # Without legal terms the key is the words alone, so the word split is compared exactly.
    monkeypatch.setattr(standardise, "_legal_terms", lambda: {1: frozenset()})
    for value in texts(seed):
        expected = " ".join(reference_company_words(value)) or None
        assert standardise.company_key(value) == expected, repr(value)


@pytest.mark.parametrize("seed", range(3))
def test_arrow_keys_match_the_python_keys(seed):
    values = texts(seed) + ["Ann.Lee@Example.CO.uk ", "a@b.c", "x@y", "SW1A 1AA", " ab-12 "]
    column = DistinctText(pd.Series(values))
    emails = text_bulk.keys(column.distinct, standardise.email_key, text_bulk.email_keys)
    postcodes = text_bulk.keys(column.distinct, standardise.postcode_key, text_bulk.postcode_keys)
    for value, email, postcode in zip(column.distinct, emails, postcodes, strict=True):
        assert email == reference_email_key(value), repr(value)
        assert postcode == reference_postcode_key(value), repr(value)


def reference_phone_key(value: str, region: str) -> str | None:
    """The layouts check as first written (per value), then phonenumbers."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    code = str(metadata.country_code)
    digits = re.sub(r"[\s().\-/]", "", value)
    for prefix in (f"+{code}", f"00{code}", code, metadata.national_prefix):
        if prefix and digits.startswith(prefix):
            national = digits[len(prefix) :]
            lengths = metadata.general_desc.possible_length
            if re.fullmatch(r"[1-9]\d*", national) and len(national) in lengths:
                return f"+{code}{national}"
            break
    return standardise.phone_key(value, region)


@pytest.mark.parametrize("region", ["GB", "US", "DE"])
def test_phone_keys_match_the_reference(region):
    rng = random.Random(region)
    layouts = ["+44 7700 900{:03d}", "07700 900{:03d}", "(0)7700-900.{:03d}", "0044/7700/900{:03d}"]
    layouts += ["+1 (415) 555-0{:03d}", "030 1234{:03d}", "4477009{:03d}", "+{:03d}", "٣{:03d}"]
    values = [rng.choice(layouts).format(rng.randint(0, 999)) for _ in range(300)]
    values += [random_text(rng, list("0123456789 +-()/.\t\x1c")) for _ in range(300)]
    values = [v.strip() for v in values if v.strip()]
    keys = standardise.phone_keys(pd.Series(values), region)
    assert keys.tolist() == [reference_phone_key(v, region) for v in values]


def reference_simple_name_parts(full: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The common-layout name split as first written, in bulk with pandas."""
    particles = standardise._name_particles()
    text = full.str.strip()
    halves = text.str.split(",", n=1)
    surname_first = (text.str.count(",") == 1) & (halves.str[0].str.split().str.len() == 1)
    text = text.where(~surname_first, halves.str[1].str.strip() + " " + halves.str[0].str.strip())
    tokens = text.str.split(n=3, expand=True).reindex(columns=[0, 1, 2, 3])
    title = tokens[0].str.strip(".").str.lower().isin(CONSTANTS.titles)
    words = [tokens[i + 1].where(title, tokens[i]) for i in range(3)]
    words.append(tokens[3].where(~title))
    count = sum(w.notna().astype(int) for w in words)
    initial = words[1].str.strip(".").str.len() == 1
    given, surname = words[0], words[1].where(count == 2, words[2])
    simple = (count == 2) | ((count == 3) & initial)
    simple &= ~text.str.contains(",", regex=False, na=False)
    for word in (given, surname):
        simple &= ~word.str.strip(".").str.lower().isin(particles)
    return given.where(simple), surname.where(simple)


def test_simple_name_split_matches_the_pandas_reference():
    rng = random.Random(5)
    words = ["Jane", "SMITH", "Mrs", "dr.", "A.", "J", "van", "der", "King", "O'Neil", "Ng", ","]
    names = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 5))) for _ in range(2000)]
    names += ["Smith, Jane", "SMITH,Jane", "Smith, Jane A.", ",", "Jo,", "Mr Jane A. B. Smith"]
    given, surname = reference_simple_name_parts(pd.Series(names))
    titles, particles = frozenset(CONSTANTS.titles), standardise._name_particles()
    for name, first, last in zip(names, given, surname, strict=True):
        expected = (None if pd.isna(first) else first, None if pd.isna(last) else last)
        assert standardise._simple_name_split(name, titles, particles) == expected, name


def test_distinct_text_strips_and_spreads_back():
    values = pd.Series([" a ", "a", None, "", "  ", "b", 7], index=[5, 6, 7, 8, 9, 10, 11])
    column = DistinctText(values)
    assert sorted(column.distinct) == ["7", "a", "a", "b"]  # " a " and "a" strip alike
    text = column.text()
    assert text[[5, 6, 10, 11]].tolist() == ["a", "a", "b", "7"]
    assert text[[7, 8, 9]].isna().all()
    assert column.apply(str.upper).tolist() == ["A", "A", None, None, None, "B", "7"]
    assert column.apply(str.upper).index.tolist() == values.index.tolist()
