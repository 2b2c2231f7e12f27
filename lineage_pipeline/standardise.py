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
import pandas as pd
import phonenumbers
from cleanco.clean import prepare_default_terms
from dateutil import parser as dateparser
from nameparser import HumanName
from nameparser.config import CONSTANTS

from lineage_pipeline.contracts import Contract
from lineage_pipeline.ingest import DELIVERY, QUARANTINE_COLUMNS, RECORD_ID, ROW_NUMBER
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
_OLDEST_BIRTH_YEAR = 1900


@cache
def free_email_domains() -> frozenset[str]:
    text = resources.files("lineage_pipeline.reference").joinpath("free_email_domains.txt")
    lines = text.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def fold(value: str) -> str:
    """Unicode-normalise, strip accents, lower-case and collapse white space."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", plain).strip().casefold()


def name_key(value: str) -> str | None:
    """A comparable personal name: folded, apostrophes dropped, hyphens as spaces."""
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
    folded = re.sub(r"^[a-z]+://", "", folded).split("/")[0].removeprefix("www.")
    return folded if "." in folded else None


def postcode_key(value: str) -> str | None:
    compact = re.sub(r"[^0-9A-Za-z]", "", value).upper()
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


def _mapped(frame: pd.DataFrame, contract: Contract, field: str) -> pd.Series | None:
    column = contract.identity.get(field)
    if column is None:
        return None
    values = frame[column].fillna("").astype(str).str.strip()
    return values.where(values != "")


def _apply(values: pd.Series | None, function) -> pd.Series | None:
    """Apply `function` once per distinct value: deliveries repeat values a lot."""
    if values is None:
        return None
    distinct = values.dropna().unique()
    lookup = {value: function(value) for value in distinct}
    return values.map(lookup, na_action="ignore").astype(object)


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


def _simple_name_parts(full: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(given, surname) for the common layouts, None elsewhere, in bulk.

    Handles "Jane Smith", "SMITH, Jane", a leading title ("Mrs Jane Smith") and a middle
    initial ("Jane A. Smith"); anything else (two middle names, "van der", suffixes) is left
    to nameparser. Titles and particles come from nameparser's own vocabulary.
    """
    particles = _name_particles()
    text = full.str.strip()
    halves = text.str.split(",", n=1)
    surname_first = (text.str.count(",") == 1) & (halves.str[0].str.split().str.len() == 1)
    text = text.where(~surname_first, halves.str[1].str.strip() + " " + halves.str[0].str.strip())
    tokens = text.str.split(n=3, expand=True).reindex(columns=[0, 1, 2, 3])
    bare = {i: tokens[i].str.strip(".").str.lower() for i in range(4)}
    title = bare[0].isin(CONSTANTS.titles)
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


def _split_full_name(full: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Given name and surname from a full name: common layouts in bulk, the rest by
    nameparser, which is exact but slow, so only the hard cases pay for it."""
    first, last = _simple_name_parts(full)
    given = _apply(first, name_key)
    surname = _apply(last, name_key)
    hard = _apply(full.where(first.isna() | last.isna()), _split_with_nameparser)
    given = given.fillna(hard.map(lambda p: p[0], na_action="ignore"))
    surname = surname.fillna(hard.map(lambda p: p[1], na_action="ignore"))
    return given.astype(object), surname.astype(object)


def phone_keys(values: pd.Series | None, region: str | None) -> pd.Series | None:
    """E.164 for every value: numbers of the default region in the usual national or
    international layouts are rewritten in bulk, using phonenumbers' own metadata for the
    region's prefix and possible lengths; everything else is parsed by phonenumbers."""
    if values is None:
        return None
    out = pd.Series(None, index=values.index, dtype=object)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region) if region else None
    if metadata is not None:
        code = str(metadata.country_code)
        digits = values.str.replace(r"[\s().\-/]", "", regex=True)
        national = pd.Series(None, index=values.index, dtype=object)
        for prefix in (f"+{code}", f"00{code}", code, metadata.national_prefix or None):
            if prefix:
                hit = national.isna() & digits.str.startswith(prefix, na=False)
                national[hit] = digits[hit].str[len(prefix) :]
        lengths = list(metadata.general_desc.possible_length)
        good = national.str.fullmatch(r"[1-9]\d*", na=False) & national.str.len().isin(lengths)
        out[good] = f"+{code}" + national[good]
    rest = values.where(out.isna())
    parsed = _apply(rest, lambda v: phone_key(v, region))
    return out.fillna(parsed)


def standardise(
    records: pd.DataFrame, contract: Contract, today: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (identities, quarantine): canonical identity fields for every record."""
    out = pd.DataFrame(
        {
            RECORD_ID: records[RECORD_ID],
            DELIVERY: records[DELIVERY],
            ROW_NUMBER: records[ROW_NUMBER],
        }
    )
    region = contract.standardise.default_region
    for field in ("given_name", "surname", "street", "city", "region"):
        out[field] = _apply(_mapped(records, contract, field), name_key)
    full = _mapped(records, contract, "full_name")
    out["full_name"] = _apply(full, name_key)
    if full is not None:
        # Parts mapped separately win; the split full name fills what they leave empty.
        given, surname = _split_full_name(full)
        out["given_name"] = out["given_name"].fillna(given)
        out["surname"] = out["surname"].fillna(surname)
    out["email"] = _apply(_mapped(records, contract, "email"), email_key)
    out["phone"] = phone_keys(_mapped(records, contract, "phone"), region)
    out["postcode"] = _apply(_mapped(records, contract, "postcode"), postcode_key)
    out["country"] = _apply(_mapped(records, contract, "country"), fold)
    out["company"] = _apply(_mapped(records, contract, "company"), company_key)
    out[EMAIL_DOMAIN] = out["email"].map(lambda e: e.split("@")[1], na_action="ignore")
    domains = _apply(_mapped(records, contract, "company_domain"), domain_key)
    derived = out[EMAIL_DOMAIN].where(~out[EMAIL_DOMAIN].isin(free_email_domains()))
    out["company_domain"] = derived if domains is None else domains.fillna(derived)
    out[SURNAME_KEY] = _apply(out["surname"], jellyfish.metaphone)
    quarantine = _standardise_dates(records, contract, out, today)
    out = out.reindex(columns=IDENTITY_COLUMNS).astype(object)
    out = out.where(out.notna(), None)
    keep = ~out[ROW_NUMBER].astype(str).add(out[DELIVERY]).isin(
        quarantine["row_number"].astype(str).add(quarantine["delivery"])
    )
    return out[keep].reset_index(drop=True), quarantine


def _standardise_dates(
    records: pd.DataFrame, contract: Contract, out: pd.DataFrame, today: date
) -> pd.DataFrame:
    """Parse date_of_birth; unreadable or absurd dates send the row to quarantine, or with
    `standardise.bad_dates: missing` become missing values."""
    raw = _mapped(records, contract, "date_of_birth")
    if raw is None:
        out["date_of_birth"] = None
        return pd.DataFrame(columns=QUARANTINE_COLUMNS)
    dayfirst = contract.standardise.default_region not in {"US", "CA", "PH"}
    parsed = parse_dates(raw, dayfirst)
    out["date_of_birth"] = parsed.map(lambda d: d.isoformat(), na_action="ignore")
    unreadable = raw.notna() & parsed.isna()
    absurd = (
        parsed.map(lambda d: d.year < _OLDEST_BIRTH_YEAR or d > today, na_action="ignore")
        .fillna(False)
        .astype(bool)
    )
    if contract.standardise.bad_dates == "missing":
        out.loc[absurd, "date_of_birth"] = None
        return pd.DataFrame(columns=QUARANTINE_COLUMNS)
    column = contract.identity["date_of_birth"]
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
