"""Standardise: ingested text records in, canonical identity fields out, one row per record.

Names are unicode-folded and split, emails lower-cased with their domain kept, phones in
E.164, dates ISO, postcodes compact, company names without legal suffixes. A value that cannot
be read is missing, never a guess; a date of birth that is unreadable or absurd quarantines
its row (file, row, column, reason).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import cache
from importlib import resources

import jellyfish
import numpy as np
import pandas as pd
import phonenumbers
from cleanco.clean import prepare_default_terms
from dateutil import parser as dateparser
from nameparser import HumanName
from nameparser.config import CONSTANTS

from lineage_pipeline import text_bulk
from lineage_pipeline.contracts import Contract
from lineage_pipeline.ingest import DELIVERY, QUARANTINE_COLUMNS, RECORD_ID, ROW_NUMBER
from lineage_pipeline.text_bulk import DistinctText, objects
from lineage_pipeline.vocabulary import IDENTITY_FIELDS

SURNAME_KEY = "surname_key"
EMAIL_DOMAIN = "email_domain"
IDENTITY_COLUMNS = [RECORD_ID, DELIVERY, ROW_NUMBER, *IDENTITY_FIELDS, SURNAME_KEY, EMAIL_DOMAIN]

_SPACES = re.compile(r"\s+")
_NAME_NOISE = re.compile(r"[^\w\s'-]")
_COMPANY_NOISE = re.compile(r"[^\w\s]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")
_HAS_YEAR = re.compile(r"\d{4}")
_URL_SCHEME = re.compile(r"^[a-z]+://")
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")
_PHONE_PUNCTUATION = re.compile(r"[\s().\-/]")
_NATIONAL_NUMBER = re.compile(r"[1-9]\d*")
_OLDEST_BIRTH_YEAR = 1900


@cache
def free_email_domains() -> frozenset[str]:
    text = resources.files("lineage_pipeline.reference").joinpath("free_email_domains.txt")
    lines = text.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def fold(value: str) -> str:
    """Unicode-normalise, strip accents, lower-case and collapse white space."""
    if value.isascii():  # NFKD leaves ASCII alone and casefold is lower
        return " ".join(value.split()).lower()
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", plain).strip().casefold()


def _byte_table(keep: str, replace: dict[str, str]) -> bytes:
    """A bytes.translate table for ASCII text: `replace` as given, white space to a space,
    word characters and `keep` lower-cased, any other character to a space."""
    table = bytearray(range(256))
    for code in range(128):
        char = chr(code)
        if char in replace:
            table[code] = ord(replace[char])
        elif char.isspace():
            table[code] = ord(" ")
        elif char.isalnum() or char == "_" or char in keep:
            table[code] = ord(char.lower())
        else:
            table[code] = ord(" ")
    return bytes(table)


# name_key and company_key on ASCII text, in one C pass: the same result as their regexes
# (on ASCII, \w is [0-9A-Za-z_] and \s is what str.split() splits on).
_NAME_BYTES = _byte_table("'", {"-": " "})
_COMPANY_BYTES = _byte_table("", {})


def name_key(value: str) -> str | None:
    """A comparable personal name: folded, apostrophes dropped, hyphens as spaces."""
    if value.isascii():
        return b" ".join(value.encode().translate(_NAME_BYTES, b"'").split()).decode() or None
    folded = _NAME_NOISE.sub(" ", fold(value)).replace("'", "").replace("-", " ")
    folded = _SPACES.sub(" ", folded).strip()
    return folded or None


@cache
def _legal_terms() -> dict[int, frozenset[tuple[str, ...]]]:
    """cleanco's legal-form terms (Ltd, Limited, PLC, GmbH…), normalised, by word count."""
    by_size: dict[int, set[tuple[str, ...]]] = {}
    for size, parts in prepare_default_terms():
        by_size.setdefault(size, set()).add(tuple(parts))
    return {size: frozenset(terms) for size, terms in by_size.items()}


def company_key(value: str) -> str | None:
    """A comparable company name: legal suffixes (Ltd, Limited, PLC, GmbH…) removed, & = and.

    Same terms as cleanco's basename, matched by lookup instead of a scan of every term, which
    makes it fast enough for a million names.
    """
    if value.isascii():
        text = value.replace("&", " and ").encode().translate(_COMPANY_BYTES, b".")
        words = text.decode().split()
    else:
        text = fold(value).replace("&", " and ")
        words = _SPACES.sub(" ", _COMPANY_NOISE.sub(" ", text.replace(".", ""))).split()
    terms = _legal_terms()
    largest = max(terms)
    stripped = True
    while stripped and len(words) > 1:
        stripped = False
        for size in range(min(largest, len(words) - 1), 0, -1):
            if tuple(words[-size:]) in terms.get(size, ()):
                del words[-size:]
                stripped = True
                break
    return " ".join(words) or None


def email_key(value: str) -> str | None:
    folded = value.strip().lower()
    return folded if _EMAIL.match(folded) else None


def domain_key(value: str) -> str | None:
    folded = value.strip().lower()
    folded = _URL_SCHEME.sub("", folded).split("/")[0].removeprefix("www.")
    return folded if "." in folded else None


def postcode_key(value: str) -> str | None:
    compact = _NOT_ALNUM.sub("", value).upper()
    return compact or None


def phone_key(value: str, region: str | None) -> str | None:
    """E.164 when the number is possible for its region, else missing."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_date(value: str, dayfirst: bool = True) -> date | None:
    """Read a date in the common formats, compact YYYYMMDD included; None if unreadable."""
    text = value.strip()
    try:
        if match := _COMPACT_DATE.match(text):
            return date(*map(int, match.groups()))
        if match := _ISO_DATE.match(text):
            return date(*map(int, match.groups()))
        if not _HAS_YEAR.search(text):
            return None  # "7 Mar" would silently borrow this year
        return dateparser.parse(text, dayfirst=dayfirst).date()
    except (ValueError, OverflowError, dateparser.ParserError):
        return None


def parse_dates(values: pd.Series, dayfirst: bool = True) -> pd.Series:
    """parse_date over a column: the usual fixed layouts in bulk, the rest one by one."""
    layouts = ["%Y-%m-%d", "%Y%m%d", "%d/%m/%Y" if dayfirst else "%m/%d/%Y", "%d %b %Y"]
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for layout in layouts:
        todo = parsed.isna() & values.notna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(values[todo], format=layout, errors="coerce")
    out = parsed.dt.date.astype(object).where(parsed.notna(), None)
    rest = values.where(parsed.isna())
    return out.fillna(_apply(rest, lambda v: parse_date(v, dayfirst)))


def _mapped(frame: pd.DataFrame, contract: Contract, field: str) -> DistinctText | None:
    """The column mapped to an identity field: distinct stripped text, blank as missing."""
    column = contract.identity.get(field)
    return None if column is None else DistinctText(frame[column])


def _keys(
    column: DistinctText | None, python, arrow: text_bulk.ArrowKey | None = None
) -> pd.Series | None:
    """python(value) for every row of a mapped column (`arrow` does the ASCII ones)."""
    return None if column is None else column.apply(python, arrow)


def _apply(values: pd.Series | None, function) -> pd.Series | None:
    """Apply `function` once per distinct value: deliveries repeat values a lot."""
    if values is None:
        return None
    codes, distinct = pd.factorize(values)
    # The extra last slot is where code -1 (a missing value) lands: it stays missing.
    results = objects([*(function(value) for value in distinct), np.nan])
    return pd.Series(results[codes], index=values.index, dtype=object)


@cache
def _name_particles() -> frozenset[str]:
    """Words that make a name need nameparser: titles, suffixes, surname prefixes (its own)."""
    c = CONSTANTS
    return frozenset(
        {*c.titles, *c.suffix_acronyms, *c.suffix_not_acronyms, *c.prefixes, *c.conjunctions}
    )


def _split_with_nameparser(value: str) -> tuple[str | None, str | None]:
    human = HumanName(value)
    given = name_key(human.first) if human.first else None
    return given, name_key(human.last) if human.last else None


def _simple_name_split(
    full: str, titles: frozenset[str], particles: frozenset[str]
) -> tuple[str | None, str | None]:
    """(given, surname) for the common layouts, None elsewhere.

    Handles "Jane Smith", "SMITH, Jane", a leading title ("Mrs Jane Smith") and a middle
    initial ("Jane A. Smith"); anything else (two middle names, "van der", suffixes) is left
    to nameparser. Titles and particles come from nameparser's own vocabulary.
    """
    text = full.strip()
    halves = text.split(",", 1)
    if text.count(",") == 1 and len(halves[0].split()) == 1:
        text = halves[1].strip() + " " + halves[0].strip()
    words = text.split(maxsplit=3)
    if words and words[0].strip(".").lower() in titles:
        words = words[1:]
    if "," in text or not (len(words) == 2 or (len(words) == 3 and len(words[1].strip(".")) == 1)):
        return None, None
    given, surname = words[0], words[-1]
    if given.strip(".").lower() in particles or surname.strip(".").lower() in particles:
        return None, None
    return given, surname


def _split_one(
    full: str, titles: frozenset[str], particles: frozenset[str]
) -> tuple[str | None, str | None]:
    """Given name and surname keys of one full name: the common layouts directly, the rest by
    nameparser, which is exact but slow, so only the hard cases pay for it."""
    first, last = _simple_name_split(full, titles, particles)
    if first is None or last is None:
        return _split_with_nameparser(full)
    return name_key(first), name_key(last)


def _split_full_name(full: DistinctText) -> tuple[pd.Series, pd.Series]:
    """Given name and surname from a full name, split once per distinct name."""
    titles = frozenset(CONSTANTS.titles)
    particles = _name_particles()
    parts = [_split_one(value, titles, particles) for value in full.distinct]
    given = full.spread(objects([p[0] for p in parts]))
    return given, full.spread(objects([p[1] for p in parts]))


def phone_keys(values: pd.Series | None, region: str | None) -> pd.Series | None:
    """E.164 for every value: numbers of the default region in the usual national or
    international layouts are rewritten directly, using phonenumbers' own metadata for the
    region's prefix and possible lengths; everything else is parsed by phonenumbers."""
    if values is None:
        return None
    return _phone_keys(DistinctText(values, strip=False), region)


def _phone_keys(values: DistinctText, region: str | None) -> pd.Series:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region) if region else None
    if metadata is None:
        return values.apply(lambda v: phone_key(v, region))
    code = str(metadata.country_code)
    prefixes = [p for p in (f"+{code}", f"00{code}", code, metadata.national_prefix) if p]
    lengths = frozenset(metadata.general_desc.possible_length)

    def layout(value: str) -> str | None:
        digits = _PHONE_PUNCTUATION.sub("", value)
        for prefix in prefixes:
            if digits.startswith(prefix):
                national = digits[len(prefix) :]
                if _NATIONAL_NUMBER.fullmatch(national) and len(national) in lengths:
                    return f"+{code}{national}"
                return None
        return None

    bulk = text_bulk.national_phones(code, prefixes, lengths)
    found = text_bulk.keys(values.distinct, layout, bulk)
    for position in np.flatnonzero(pd.isna(found)):
        found[position] = phone_key(values.distinct[position], region)
    return values.spread(found)


def standardise(
    records: pd.DataFrame, contract: Contract, today: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (identities, quarantine): canonical identity fields for every record."""
    region = contract.standardise.default_region
    out: dict[str, pd.Series | None] = {}
    for field in ("given_name", "surname", "street", "city", "region"):
        out[field] = _keys(_mapped(records, contract, field), name_key)
    full = _mapped(records, contract, "full_name")
    out["full_name"] = _keys(full, name_key)
    if full is not None:
        # Parts mapped separately win; the split full name fills what they leave empty.
        given, surname = _split_full_name(full)
        out["given_name"] = given if out["given_name"] is None else out["given_name"].fillna(given)
        out["surname"] = surname if out["surname"] is None else out["surname"].fillna(surname)
    out["email"], out[EMAIL_DOMAIN] = _email_keys(_mapped(records, contract, "email"))
    phone = _mapped(records, contract, "phone")
    out["phone"] = None if phone is None else _phone_keys(phone, region)
    postcode = _mapped(records, contract, "postcode")
    out["postcode"] = _keys(postcode, postcode_key, text_bulk.postcode_keys)
    out["country"] = _keys(_mapped(records, contract, "country"), fold)
    out["company"] = _keys(_mapped(records, contract, "company"), company_key)
    domains = _keys(_mapped(records, contract, "company_domain"), domain_key)
    derived = out[EMAIL_DOMAIN]
    if derived is not None:
        derived = derived.where(~derived.isin(free_email_domains()))
    if domains is None or derived is None:
        out["company_domain"] = derived if domains is None else domains
    else:
        out["company_domain"] = domains.fillna(derived)
    out[SURNAME_KEY] = _apply(out["surname"], jellyfish.metaphone)
    quarantine = _standardise_dates(records, contract, out, today)
    out.update({RECORD_ID: records[RECORD_ID], DELIVERY: records[DELIVERY]})
    out[ROW_NUMBER] = records[ROW_NUMBER]
    keep = np.flatnonzero(~in_quarantine(records, quarantine))
    identities = {name: _identity_column(out.get(name), keep) for name in IDENTITY_COLUMNS}
    return pd.DataFrame(identities, columns=IDENTITY_COLUMNS), quarantine


def _identity_column(values: pd.Series | None, keep: np.ndarray) -> np.ndarray:
    """The kept rows of a column as objects, every missing value None."""
    if values is None:
        return np.full(len(keep), None, dtype=object)
    column = values.to_numpy(dtype=object)[keep]
    missing = pd.isna(column)
    if missing.any():
        column[missing] = None
    return column


def _email_keys(emails: DistinctText | None) -> tuple[pd.Series | None, pd.Series | None]:
    """Canonical emails and their domains."""
    if emails is None:
        return None, None
    keys = text_bulk.keys(emails.distinct, email_key, text_bulk.email_keys)
    domains = objects([None if key is None else key.split("@")[1] for key in keys])
    return emails.spread(keys), emails.spread(domains)


def in_quarantine(records: pd.DataFrame, quarantine: pd.DataFrame) -> np.ndarray:
    """Which records (by delivery and row number) have a row in `quarantine`."""
    found = np.zeros(len(records), dtype=bool)
    if quarantine.empty:
        return found
    deliveries = records[DELIVERY].to_numpy()
    numbers = records[ROW_NUMBER]
    for delivery, rows in quarantine.groupby("delivery", sort=False)["row_number"]:
        found |= (deliveries == delivery) & numbers.isin(rows).to_numpy()
    return found


def _standardise_dates(
    records: pd.DataFrame, contract: Contract, out: dict[str, pd.Series | None], today: date
) -> pd.DataFrame:
    """Parse date_of_birth; unreadable or absurd dates send the row to quarantine, or with
    `standardise.bad_dates: missing` become missing values."""
    raw = _mapped(records, contract, "date_of_birth")
    if raw is None:
        out["date_of_birth"] = None
        return pd.DataFrame(columns=QUARANTINE_COLUMNS)
    dayfirst = contract.standardise.default_region not in {"US", "CA", "PH"}
    # Each distinct text is parsed once; code -1 (missing) takes the extra last slot.
    codes = raw.codes
    parsed = parse_dates(pd.Series(raw.distinct, dtype=object), dayfirst).tolist()
    readable = [not pd.isna(d) for d in parsed]
    iso = [d.isoformat() if ok else None for d, ok in zip(parsed, readable, strict=True)]
    absurd_dates = [
        ok and (d.year < _OLDEST_BIRTH_YEAR or d > today)
        for d, ok in zip(parsed, readable, strict=True)
    ]
    unreadable = np.array([*(not ok for ok in readable), False], dtype=bool)[codes]
    absurd = np.array([*absurd_dates, False], dtype=bool)[codes]
    if contract.standardise.bad_dates == "missing":
        iso = [None if bad else value for value, bad in zip(iso, absurd_dates, strict=True)]
        out["date_of_birth"] = raw.spread(objects(iso))
        return pd.DataFrame(columns=QUARANTINE_COLUMNS)
    out["date_of_birth"] = raw.spread(objects(iso))
    column = contract.identity["date_of_birth"]
    raw = raw.text()
    rows = []
    for mask, reason in ((unreadable, "unreadable date"), (absurd, "absurd date of birth")):
        for index in records.index[mask]:
            rows.append(
                {
                    "source": contract.name,
                    "delivery": records.at[index, DELIVERY],
                    "row_number": int(records.at[index, ROW_NUMBER]),
                    "column": column,
                    "reason": f"{reason} {raw[index]!r}",
                    "raw": ",".join(
                        "" if pd.isna(v) else str(v)
                        for k, v in records.loc[index].items()
                        if not str(k).startswith("_")
                    ),
                }
            )
    return pd.DataFrame(rows, columns=QUARANTINE_COLUMNS)
