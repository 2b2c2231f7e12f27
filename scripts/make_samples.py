"""Generate the bundled sample deliveries and their labelled truth under data/samples/.

Input: a customer count and a seed. Output: first-party customers, two acme_b2b deliveries, a
lifestyle_panel parquet, the company register, truth.csv and a README (columns as contracts/ say).
Invariant: the same count and seed give byte-identical files (one seeded generator, no clock).
"""

from __future__ import annotations

import argparse
import math
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from faker.providers.person.en_GB import Provider as FakerPeople
from nicknames import NickNamer

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data" / "samples"
AS_OF = np.datetime64("2026-11-01")  # the customer extract's date; every date is relative to it
CUSTOMERS_FILE = "customers/customers_2026-11-01.csv"
ACME_FILES = ("acme_b2b/acme_2026-09-01.csv", "acme_b2b/acme_2026-11-01.csv")
PANEL_FILE = "lifestyle_panel/panel_2026-10-15.parquet"
REGISTER_FILE = "company_register/register_2026-10.csv"
TRUTH_FILE = "truth.csv"
ANSWER_KEY = ("kind", "customer")  # who a vendor row really is: kept in memory, never written
TRUTH_FIELDS = (
    "job_title", "company_size", "industry_code", "household_income_band", "home_owner",
    "interests", "incorporation_year",
)  # fmt: skip

# Real UK postcode areas, so postcodes look right; (area, post town, highest district, weight).
AREAS = (
    ("SW", "London", 20, 5), ("SE", "London", 28, 5), ("N", "London", 22, 4),
    ("E", "London", 18, 4), ("NW", "London", 11, 3), ("W", "London", 14, 3),
    ("EC", "London", 4, 1), ("WC", "London", 2, 1),
    ("B", "Birmingham", 98, 4), ("M", "Manchester", 60, 4), ("L", "Liverpool", 38, 3),
    ("LS", "Leeds", 29, 3), ("S", "Sheffield", 36, 3), ("BS", "Bristol", 41, 3),
    ("NE", "Newcastle upon Tyne", 66, 2), ("NG", "Nottingham", 25, 2), ("LE", "Leicester", 19, 2),
    ("CV", "Coventry", 47, 2), ("BN", "Brighton", 45, 2), ("OX", "Oxford", 49, 1),
    ("CB", "Cambridge", 25, 1), ("EX", "Exeter", 39, 1), ("PL", "Plymouth", 35, 1),
    ("SO", "Southampton", 53, 1), ("RG", "Reading", 45, 2), ("MK", "Milton Keynes", 46, 1),
    ("NR", "Norwich", 35, 1), ("YO", "York", 62, 1), ("HU", "Hull", 20, 1),
    ("CF", "Cardiff", 83, 2),
    ("SA", "Swansea", 73, 1), ("EH", "Edinburgh", 55, 2), ("G", "Glasgow", 84, 3),
    ("AB", "Aberdeen", 56, 1), ("DD", "Dundee", 11, 1), ("BT", "Belfast", 94, 2),
    ("BA", "Bath", 22, 1), ("GL", "Gloucester", 56, 1), ("DE", "Derby", 75, 1),
    ("ST", "Stoke-on-Trent", 21, 1), ("PR", "Preston", 26, 1), ("SR", "Sunderland", 9, 1),
    ("DH", "Durham", 9, 1), ("LN", "Lincoln", 13, 1), ("IP", "Ipswich", 33, 1),
    ("CT", "Canterbury", 21, 1), ("GU", "Guildford", 52, 1), ("TN", "Tunbridge Wells", 40, 1),
)  # fmt: skip
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
STREET_WORDS = (
    "Church", "Station", "Mill", "Park", "Victoria", "Albert", "Queens", "Kings", "Manor", "Oak",
    "Elm", "Grange", "Meadow", "Orchard", "Chapel", "School", "Bridge", "Windsor", "York", "Castle",
)  # fmt: skip
STREET_TYPES = (
    "Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent", "Gardens", "Grove",
    "Place", "Court", "Terrace", "Mews", "Hill", "Walk", "Row", "Square",
)  # fmt: skip
ACCENTED = (
    ("Zoë", "Chloé", "Renée", "Siân", "Anaïs"),
    ("José", "Seán", "Rónán", "Jérôme", "Andrés"),
)
PERSONAL_DOMAINS = (
    ("gmail.com", 35), ("hotmail.co.uk", 14), ("yahoo.co.uk", 9), ("outlook.com", 12),
    ("btinternet.com", 6), ("icloud.com", 8), ("hotmail.com", 5), ("yahoo.com", 4), ("sky.com", 3),
    ("live.co.uk", 2), ("virginmedia.com", 1), ("talktalk.net", 1),
)  # fmt: skip

# Company names are prefix + trade so that, apart from the deliberate decoys, no two companies
# in a default-sized run share a distinctive word (the truth would be ambiguous otherwise).
HEADS = (
    "Ash", "Black", "Brack", "Bright", "Brook", "Burn", "Cal", "Chester", "Clay", "Cold", "Cran",
    "Dun", "East", "Elm", "Fair", "Fern", "Fox", "Glen", "Green", "Hart", "Hazel", "High", "Holly",
    "King", "Lang", "Lark", "Lime", "Marsh", "Mill", "Moor", "North", "Oak", "Pen", "Red", "Ridge",
    "Rock", "Rose", "Rother", "Shel", "Silver", "Stan", "Stone", "Sun", "Thorn", "West", "White",
    "Wick", "Wil", "Wind", "Wolf", "Wood", "Yew", "Alder", "Beech", "Birch", "Cedar", "Copper",
    "Iron", "Kestrel", "Heron",
)  # fmt: skip
TAILS = (
    "bury", "by", "combe", "dale", "field", "ford", "gate", "ham", "hurst", "ley", "mere", "mont",
    "more", "ton", "well", "wick", "worth", "stead", "brook", "bridge", "wood", "stone", "haven",
)  # fmt: skip
# (trade word, register SIC, the neighbouring code a broker tends to report instead)
INDUSTRIES = (
    ("Farms", "01110", "01500"), ("Dairies", "01410", "10510"), ("Fisheries", "03110", "10200"),
    ("Quarries", "08110", "08990"), ("Bakery", "10710", "10890"), ("Foods", "10890", "10850"),
    ("Brewery", "11050", "11010"), ("Textiles", "13990", "14190"), ("Joinery", "16230", "43320"),
    ("Print", "18129", "18130"), ("Packaging", "17219", "22220"), ("Chemicals", "20590", "20130"),
    ("Pharma", "21200", "21100"), ("Plastics", "22290", "22210"), ("Widgets", "25990", "25620"),
    ("Electronics", "26110", "27900"), ("Engineering", "28990", "71129"),
    ("Aerospace", "30300", "33160"), ("Marine", "30110", "33150"), ("Energy", "35110", "35140"),
    ("Water", "36000", "37000"), ("Construction", "41201", "43999"), ("Builders", "41202", "41201"),
    ("Plumbing", "43220", "43210"), ("Electrical", "43210", "43220"), ("Motors", "45111", "45200"),
    ("Trading", "46900", "46190"), ("Stores", "47190", "47910"), ("Logistics", "49410", "52290"),
    ("Couriers", "53202", "49410"), ("Hotels", "55100", "55900"), ("Catering", "56210", "56101"),
    ("Publishing", "58110", "58190"), ("Media", "59111", "73110"), ("Telecom", "61100", "61900"),
    ("Software", "62012", "62020"), ("Digital", "62090", "63120"),
    ("Data Services", "63110", "62020"), ("Capital", "64999", "66190"),
    ("Insurance", "65120", "66220"), ("Property", "68100", "68209"), ("Lettings", "68209", "68310"),
    ("Solicitors", "69102", "69109"), ("Accountants", "69201", "69203"),
    ("Consulting", "70229", "70210"), ("Architects", "71111", "71112"), ("Labs", "72190", "71200"),
    ("Marketing", "73110", "70210"), ("Design", "74100", "73110"), ("Veterinary", "75000", "96090"),
    ("Recruitment", "78109", "78200"), ("Travel", "79110", "79120"), ("Security", "80100", "80200"),
    ("Cleaning", "81210", "81299"), ("Training", "85590", "85600"), ("Care", "87100", "88100"),
    ("Dental", "86230", "86900"), ("Fitness", "93130", "93110"), ("Events", "82301", "93290"),
    ("Coffee", "10830", "46370"),
)  # fmt: skip
PARTNERSHIP_TRADES = ("Solicitors", "Accountants", "Architects", "Consulting")
# Employers that are not companies, so the register never holds them: (name, domain, SIC).
BODIES = (
    ("{t} City Council", "{s}.gov.uk", "84110"), ("University of {t}", "{s}.ac.uk", "85421"),
    ("{t} Hospitals NHS Trust", "{s}hospitals.nhs.uk", "86101"),
    ("{t} College", "{s}college.ac.uk", "85320"),
)  # fmt: skip
SIZE_BANDS = (("1-10", 25), ("11-50", 30), ("51-200", 24), ("201-1000", 14), ("1000+", 7))
LEGAL_SHORT = {"LIMITED": "Ltd", "PLC": "plc", "LLP": "LLP", "": ""}
LEGAL_LONG = {"LIMITED": "Limited", "PLC": "PLC", "LLP": "LLP", "": ""}
JOB_LADDERS = (
    ("Sales Executive", "Account Manager", "Senior Account Manager", "Sales Manager",
     "Head of Sales", "Sales Director"),
    ("Marketing Assistant", "Marketing Executive", "Marketing Manager", "Senior Marketing Manager",
     "Head of Marketing", "Marketing Director"),
    ("Accounts Assistant", "Accountant", "Senior Accountant", "Finance Manager", "Head of Finance",
     "Finance Director"),
    ("HR Assistant", "HR Advisor", "HR Business Partner", "HR Manager", "Head of People",
     "HR Director"),
    ("Operations Assistant", "Operations Coordinator", "Operations Manager",
     "Senior Operations Manager", "Head of Operations", "Operations Director"),
    ("Data Analyst", "Senior Data Analyst", "Data Scientist", "Lead Data Scientist", "Head of Data",
     "Chief Data Officer"),
    ("Junior Developer", "Software Developer", "Senior Software Developer", "Principal Developer",
     "Head of Engineering", "Chief Technology Officer"),
    ("Graduate Engineer", "Engineer", "Senior Engineer", "Lead Engineer", "Engineering Manager",
     "Engineering Director"),
    ("Customer Service Advisor", "Customer Success Manager", "Senior Customer Success Manager",
     "Customer Service Manager", "Head of Customer Experience", "Customer Director"),
    ("Project Coordinator", "Project Manager", "Senior Project Manager", "Programme Manager",
     "Head of Delivery", "Delivery Director"),
    ("Paralegal", "Solicitor", "Senior Associate", "Legal Counsel", "Head of Legal",
     "General Counsel"),
    ("Buyer", "Procurement Officer", "Senior Buyer", "Procurement Manager", "Head of Procurement",
     "Chief Procurement Officer"),
    ("IT Support Technician", "Systems Administrator", "Infrastructure Engineer", "IT Manager",
     "Head of IT", "Chief Information Officer"),
    ("Junior Designer", "Designer", "Senior Designer", "Lead Designer", "Design Manager",
     "Creative Director"),
)  # fmt: skip
LEVEL_WEIGHTS = (20, 30, 22, 15, 9, 4)
INCOME_BANDS = (
    ("Under £15k", 10), ("£15k-£25k", 18), ("£25k-£40k", 27), ("£40k-£60k", 22),
    ("£60k-£100k", 15), ("£100k+", 8),
)  # fmt: skip
INTERESTS = (
    "travel", "cooking", "gardening", "football", "running", "cycling", "reading", "music",
    "theatre", "film", "gaming", "fashion", "diy", "pets", "wine", "photography", "golf", "yoga",
    "fishing", "crafts",
)  # fmt: skip
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Phone layouts seen in deliveries; the last one is a blank cell.
PHONE_LAYOUTS = 7
BLANK_PHONE = 6


def _p(weights: tuple[float, ...] | list[float] | np.ndarray) -> np.ndarray:
    array = np.asarray(weights, dtype=float)
    return array / array.sum()


@cache
def _fold(text: str) -> str:
    """Drop accents: vendors often hold names in ASCII only."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def _slug(text: str) -> str:
    return "".join(ch for ch in _fold(text).lower() if ch.isalnum())


def _phone(national: str, layout: int) -> str:
    """Render a 10-digit national number (no trunk 0) in one of the layouts brokers use."""
    head, tail = national[:4], national[4:]
    layouts = (
        f"0{head} {tail}", f"+44 {head} {tail}", f"(0{head}) {tail[:3]}-{tail[3:]}",
        f"44{national}", f"0{national}", f"+44{national}", "",
    )  # fmt: skip
    return layouts[layout]


@dataclass
class Taken:
    """Identifiers already handed out, so no two people share a phone or an email by accident."""

    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    names_at: set[tuple[str, str, int]] = field(default_factory=set)

    def email(self, candidate: str, first_suffix: int = 2) -> str:
        """The candidate address, or the candidate with a number appended if already in use."""
        local, domain = candidate.split("@")
        address, n = candidate, first_suffix
        while address in self.emails:
            address, n = f"{local}{n}@{domain}", n + 1
        self.emails.add(address)
        return address


def _postcodes(rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray]:
    area = rng.choice(len(AREAS), m, p=_p([a[3] for a in AREAS]))
    top = np.array([a[2] for a in AREAS])[area]
    district = 1 + (rng.random(m) * top).astype(int)
    sector, units = rng.integers(0, 10, m), rng.integers(0, len(UNIT_LETTERS), (m, 2))
    central = rng.integers(0, 6, m)
    codes = [
        f"{AREAS[a][0]}{d}{'ACMNRW'[c] if AREAS[a][0] in ('EC', 'WC') else ''} "
        f"{s}{UNIT_LETTERS[u[0]]}{UNIT_LETTERS[u[1]]}"
        for a, d, c, s, u in zip(area, district, central, sector, units, strict=True)
    ]
    return np.array(codes, dtype=object), np.array([AREAS[a][1] for a in area], dtype=object)


def _mobiles(rng: np.random.Generator, m: int, taken: Taken) -> np.ndarray:
    out = np.empty(m, dtype=object)
    todo = np.arange(m)
    while len(todo):
        drawn = rng.integers(7_400_000_000, 8_000_000_000, len(todo)).astype(str)
        fresh = []
        for i, number in zip(todo, drawn, strict=True):
            if number in taken.phones:
                fresh.append(i)
            else:
                taken.phones.add(number)
                out[i] = number
        todo = np.array(fresh, dtype=int)
    return out


def _given_names(rng: np.random.Generator, female: np.ndarray) -> np.ndarray:
    m = len(female)
    women = np.array(FakerPeople.first_names_female, dtype=object)
    men = np.array(FakerPeople.first_names_male, dtype=object)
    names = np.where(
        female, women[rng.integers(0, len(women), m)], men[rng.integers(0, len(men), m)]
    )
    accented = rng.random(m) < 0.02
    pick = rng.integers(0, 5, m)
    return np.where(
        accented, [ACCENTED[0 if f else 1][k] for f, k in zip(female, pick, strict=True)], names
    )


def _people(rng: np.random.Generator, m: int, taken: Taken) -> pd.DataFrame:
    """Fresh people: name, sex, birth date, home address and a unique mobile."""
    female = rng.random(m) < 0.5
    surnames = np.array(list(FakerPeople.last_names), dtype=object)
    weights = _p(list(FakerPeople.last_names.values()))
    surname = surnames[rng.choice(len(surnames), m, p=weights)]
    double = rng.random(m) < 0.03
    second = surnames[rng.choice(len(surnames), m, p=weights)]
    surname = np.where(double & (second != surname), surname + "-" + second, surname)
    postcode, city = _postcodes(rng, m)
    street = [
        f"{n} {STREET_WORDS[w]} {STREET_TYPES[t]}"
        for n, w, t in zip(
            rng.integers(1, 220, m), rng.integers(0, len(STREET_WORDS), m),
            rng.integers(0, len(STREET_TYPES), m), strict=True,
        )
    ]  # fmt: skip
    return pd.DataFrame(
        {
            "given": _given_names(rng, female),
            "surname": surname,
            "female": female,
            "middle": np.array(list("ABCDEFGHJKLMNPRSTW"))[rng.integers(0, 18, m)],
            "dob": AS_OF - rng.integers(18 * 365, 82 * 365, m).astype("timedelta64[D]"),
            "street": street,
            "city": city,
            "postcode": postcode,
            "mobile": _mobiles(rng, m, taken),
        }
    )


def _personal_emails(rng: np.random.Generator, people: pd.DataFrame, taken: Taken) -> list[str]:
    m = len(people)
    domains = np.array([d for d, _ in PERSONAL_DOMAINS], dtype=object)
    domain = domains[rng.choice(len(domains), m, p=_p([w for _, w in PERSONAL_DOMAINS]))]
    layout, digits = rng.integers(0, 6, m), rng.integers(1, 99, m)
    suffixes = rng.integers(2, 9, m)
    years = people["dob"].to_numpy().astype("datetime64[Y]").astype(int) + 1970
    out = []
    for given, surname, year, lay, dig, dom, suf in zip(
        people["given"], people["surname"], years, layout, digits, domain, suffixes, strict=True
    ):
        g, s = _slug(given), _slug(surname)
        local = (f"{g}.{s}", f"{g}{s}", f"{g[0]}{s}", f"{g}.{s}{dig}", f"{g}{s[0]}{year % 100:02d}",
                 f"{s}.{g}")[lay]  # fmt: skip
        out.append(taken.email(f"{local}@{dom}", int(suf)))
    return out


def _work_emails(
    given: np.ndarray, surname: np.ndarray, employer: np.ndarray, comp: pd.DataFrame, taken: Taken
) -> list[str | None]:
    """Each employer has one address layout, as real mail systems do."""
    out: list[str | None] = []
    domains, layouts = comp["domain"].to_numpy(), comp["email_layout"].to_numpy()
    for g_raw, s_raw, e in zip(given, surname, employer, strict=True):
        if e < 0:
            out.append(None)
            continue
        g, s = _slug(g_raw), _slug(s_raw)
        local = (f"{g}.{s}", f"{g[0]}{s}", f"{g}_{s}", f"{g}{s[0]}")[layouts[e]]
        out.append(taken.email(f"{local}@{domains[e]}"))
    return out


def _unique_names_at_work(
    rng: np.random.Generator, people: pd.DataFrame, employer: np.ndarray, taken: Taken
) -> None:
    """Redraw given names until nobody shares given name + surname + employer with anyone else."""
    for i in np.flatnonzero(employer >= 0):
        while (
            key := (people.at[i, "given"], people.at[i, "surname"], employer[i])
        ) in taken.names_at:
            female = np.array([people.at[i, "female"]])
            people.at[i, "given"] = _given_names(rng, female)[0]
        taken.names_at.add(key)


def _companies(rng: np.random.Generator, customers: int) -> pd.DataFrame:
    """Registered companies (employer pool first, then as many others) and non-company bodies."""
    n_pool = max(20, round(400 * math.sqrt(customers / 3000)))
    towns = sorted({town for _, town, _, _ in AREAS if town != "London"})
    n_bodies = min(len(towns) * len(BODIES), max(2, round(0.08 * n_pool)))
    rows = _company_names(rng, 2 * n_pool)
    for k in rng.permutation(len(towns) * len(BODIES))[:n_bodies]:
        name, domain, sic = BODIES[k % len(BODIES)]
        town = towns[k // len(BODIES)]
        rows.append((name.format(t=town), "", False, domain.format(s=_slug(town)), sic, sic))
    comp = pd.DataFrame(rows, columns=["display", "legal", "amp", "domain", "sic", "acme_sic"])
    n = len(comp)
    comp["registered"] = comp["legal"] != ""
    comp["pool"] = (np.arange(n) < n_pool) | ~comp["registered"]
    comp["size"] = np.array([b for b, _ in SIZE_BANDS])[
        rng.choice(len(SIZE_BANDS), n, p=_p([w for _, w in SIZE_BANDS]))
    ]
    comp.loc[~comp["registered"], "size"] = "1000+"
    comp["year"] = np.clip(2025 - rng.exponential(14, n).astype(int), 1948, 2025).astype(str)
    comp["postcode"], _ = _postcodes(rng, n)
    comp["email_layout"] = rng.choice(4, n, p=_p([70, 18, 6, 6]))
    comp["weight"] = rng.lognormal(0.0, 1.0, n)
    official = comp["display"].str.upper() + " " + comp["legal"]
    spelled = comp["amp"] & (rng.random(n) < 0.5)
    comp["register_name"] = np.where(spelled, official.str.replace("&", "AND"), official)
    forms = _company_forms(comp)
    for k in range(forms.shape[1]):
        comp[f"form{k}"] = forms[:, k]
    return comp


def _company_names(rng: np.random.Generator, n: int) -> list[tuple]:
    prefixes = rng.permutation([h + t for h in HEADS for t in TAILS if h.lower() != t])
    surnames = sorted(set(FakerPeople.last_names))
    rows, seen, domains = [], set(), set()
    for i in range(n):
        while True:
            trade, sic, alt = INDUSTRIES[rng.integers(0, len(INDUSTRIES))]
            amp = rng.random() < 0.1
            if amp:
                first, second = rng.choice(surnames, 2, replace=False)
                name = f"{first} & {second} {trade}"
            else:
                name = f"{prefixes[i % len(prefixes)]} {trade}"
            if name not in seen:
                break
        seen.add(name)
        legal = "PLC" if rng.random() < 0.04 else "LIMITED"
        if amp and trade in PARTNERSHIP_TRADES:
            legal = "LLP"
        stem = _slug(name.replace("&", "and" if rng.random() < 0.3 else ""))
        domain = stem + str(rng.choice([".co.uk", ".com", ".uk"], p=[0.65, 0.3, 0.05]))
        while domain in domains:
            domain = stem + "uk" + domain[len(stem) :]
        domains.add(domain)
        acme_sic = alt if rng.random() < 0.2 else sic
        rows.append((name, legal, amp, domain, sic, acme_sic))
    return rows


def _company_forms(comp: pd.DataFrame) -> np.ndarray:
    """How people write an employer: plain, with Ltd/Limited, the official capitals, and/&."""
    forms = []
    for display, legal, amp in zip(comp["display"], comp["legal"], comp["amp"], strict=True):
        short = f"{display} {LEGAL_SHORT[legal]}".strip()
        long = f"{display} {LEGAL_LONG[legal]}".strip()
        swapped = display.replace("&", "and") if amp else display.lower()
        forms.append(
            (display, short, long, f"{display.upper()} {legal}".strip(), display.upper(), swapped)
        )
    return np.array(forms, dtype=object)


@cache
def _nick_namer() -> NickNamer:
    return NickNamer()  # loads its name table: once per process


@cache
def _nicknames(given: str) -> tuple[str, ...]:
    """Nicknames in a stable order (the package returns a set, whose order varies per run)."""
    found = _nick_namer().nicknames_of(_fold(given).lower())
    return tuple(sorted(n.title() for n in found if len(n) >= 3 and n.isalpha()))


def _typo(word: str, op: int, where: float, letter: str) -> str:
    """One keyboard slip, never in the first letter (blocking keys often start there)."""
    i = 1 + int(where * (len(word) - 2))
    slips = (
        word[:i]
        + (letter if letter != word[i].lower() else "e" if word[i] != "e" else "a")
        + word[i + 1 :],
        word[:i] + word[i + 1 :],
        word[:i] + word[i + 1] + word[i] + word[i + 2 :],
        word[:i] + word[i] + word[i:],
    )
    slipped = slips[op]
    return slipped if slipped != word else slips[1]


def _customers(rng: np.random.Generator, n: int, comp: pd.DataFrame, taken: Taken) -> pd.DataFrame:
    """Customers, with the hidden facts the vendors know about them (employer, job, mailboxes)."""
    cust = _people(rng, n, taken)
    ids = np.sort(rng.choice(3 * n, n, replace=False)) + 1
    width = max(6, len(str(3 * n)))
    cust["customer_id"] = [f"C{i:0{width}d}" for i in ids]
    pool = np.flatnonzero(comp["pool"].to_numpy())
    employed = rng.random(n) < 0.78
    employer = np.where(employed, rng.choice(pool, n, p=_p(comp["weight"].to_numpy()[pool])), -1)
    cust["employer"] = employer
    cust["recorded"] = employed & (rng.random(n) < 0.9)
    _unique_names_at_work(rng, cust, employer, taken)
    cust["personal_email"] = _personal_emails(rng, cust, taken)
    cust["work_email"] = _work_emails(cust["given"], cust["surname"], employer, comp, taken)
    # Only customers who named their employer give a work address, so an email domain never
    # reveals an employer the company column does not (that would blur the register truth).
    cust["uses_work_email"] = cust["recorded"] & (rng.random(n) < 0.4)
    cust["email"] = np.where(cust["uses_work_email"], cust["work_email"], cust["personal_email"])
    cust["has_phone"] = rng.random(n) >= 0.08
    cust["has_dob"] = rng.random(n) >= 0.03
    layout = rng.choice([0, 1, 4], n, p=[0.85, 0.1, 0.05])
    cust["phone"] = [
        _phone(number, lay) if has else None
        for number, lay, has in zip(cust["mobile"], layout, cust["has_phone"], strict=True)
    ]
    cust["family"] = rng.integers(0, len(JOB_LADDERS), n)
    cust["level"] = rng.choice(len(LEVEL_WEIGHTS), n, p=_p(LEVEL_WEIGHTS))
    forms = comp[[f"form{k}" for k in range(6)]].to_numpy()
    form = rng.choice(6, n, p=_p([55, 25, 7, 3, 5, 5]))
    cust["company"] = np.where(cust["recorded"], forms[np.maximum(employer, 0), form], None)
    start = np.datetime64("2015-01-01")
    signup = start + rng.integers(0, (AS_OF - start).astype(int), n).astype("timedelta64[D]")
    adult = cust["dob"].to_numpy() + np.timedelta64(18 * 366, "D")
    signup = np.minimum(np.maximum(signup, adult), AS_OF - 1)
    cust["signup_date"] = np.datetime_as_string(signup, unit="D")
    return cust


def _strangers(
    rng: np.random.Generator, m: int, comp: pd.DataFrame, taken: Taken, employed: bool
) -> pd.DataFrame:
    """People who are not customers; with an employer and work email when `employed`."""
    people = _people(rng, m, taken)
    employer = rng.integers(0, len(comp), m) if employed else np.full(m, -1)
    people["employer"] = employer
    _unique_names_at_work(rng, people, employer, taken)
    people["personal_email"] = _personal_emails(rng, people, taken)
    people["work_email"] = _work_emails(people["given"], people["surname"], employer, comp, taken)
    people["family"] = rng.integers(0, len(JOB_LADDERS), m)
    people["level"] = rng.choice(len(LEVEL_WEIGHTS), m, p=_p(LEVEL_WEIGHTS))
    return people


def _acme_decoys(
    rng: np.random.Generator, targets: pd.DataFrame, comp: pd.DataFrame, taken: Taken
) -> pd.DataFrame:
    """Colleagues sharing a customer's surname and employer but nothing else that identifies."""
    decoys = _strangers(rng, len(targets), comp, taken, employed=False)
    decoys["surname"] = targets["surname"].to_numpy()
    decoys["female"] = targets["female"].to_numpy()
    decoys["employer"] = targets["employer"].to_numpy()
    for i, (given, surname, employer) in enumerate(
        zip(targets["given"], targets["surname"], targets["employer"], strict=True)
    ):
        while True:
            other = _given_names(rng, np.array([decoys.at[i, "female"]]))[0]
            related = other in _nicknames(given) or given in _nicknames(other)
            key = (other, surname, employer)
            if other[0] != given[0] and not related and key not in taken.names_at:
                break
        taken.names_at.add(key)
        decoys.at[i, "given"] = other
    decoys["work_email"] = _work_emails(
        decoys["given"], decoys["surname"], decoys["employer"].to_numpy(), comp, taken
    )
    return decoys


def _job_titles(
    rng: np.random.Generator, family: np.ndarray, level: np.ndarray, member: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Titles per delivery: ~15% of people in both deliveries are promoted by the second one."""
    promoted = (member == 2) & (level < 5) & (rng.random(len(level)) < 0.15)
    padded = rng.random(len(level)) < 0.02  # stray white space a careful ingest must strip
    titles = []
    for step in (np.zeros_like(level), promoted.astype(int)):
        title = np.array([JOB_LADDERS[f][lv] for f, lv in zip(family, level + step, strict=True)])
        titles.append(np.where(padded, title + " ", title))
    return titles[0], titles[1], promoted


def _acme(
    rng: np.random.Generator, cust: pd.DataFrame, comp: pd.DataFrame, taken: Taken
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Broker records (delivery membership in `member`) and the per-customer truth they imply."""
    n = len(cust)
    employed = cust["employer"].to_numpy() >= 0
    # The broker only finds people it can be linked to: a named employer or a phone number.
    feasible = employed & (cust["recorded"] | cust["has_phone"]).to_numpy()
    covered = np.flatnonzero(feasible & (rng.random(n) < 0.55 * employed.sum() / feasible.sum()))
    dups = covered[rng.random(len(covered)) < 0.03]
    named = np.flatnonzero(cust["recorded"].to_numpy())
    decoy_of = rng.choice(named, round(0.05 * (len(covered) + len(dups))), replace=False)
    n_strangers = round((len(covered) + len(dups) + len(decoy_of)) * 0.3 / 0.7)
    member = rng.choice(3, n, p=[0.06, 0.06, 0.88])  # 0: September only, 1: November only, 2: both
    sept, nov, promoted = _job_titles(
        rng, cust["family"].to_numpy(), cust["level"].to_numpy(), member
    )
    people = pd.concat(
        [
            cust.iloc[np.concatenate([covered, dups])],
            _strangers(rng, n_strangers, comp, taken, employed=True),
            _acme_decoys(rng, cust.iloc[decoy_of], comp, taken),
        ],
        ignore_index=True,
    )
    kinds = ("match", "duplicate", "non_customer", "decoy")
    sizes = (len(covered), len(dups), n_strangers, len(decoy_of))
    people["kind"] = np.repeat(kinds, sizes)
    people["customer"] = np.concatenate([covered, dups, np.full(sizes[2] + sizes[3], -1)])
    others = people["customer"].to_numpy() < 0
    m_other = int(others.sum())
    own_member = rng.choice(3, m_other, p=[0.06, 0.06, 0.88])
    o_sept, o_nov, _ = _job_titles(
        rng, people["family"].to_numpy()[others], people["level"].to_numpy()[others], own_member
    )
    c = people["customer"].to_numpy()[~others]
    people["member"] = np.concatenate([member[c], own_member])
    people["job_sept"] = np.concatenate([sept[c], o_sept])
    people["job_nov"] = np.concatenate([nov[c], o_nov])
    records = _acme_identity(rng, people, cust, comp)
    expected = pd.DataFrame(index=covered)
    expected["job_title"] = np.where(member[covered] == 0, sept[covered], nov[covered])
    expected["job_title"] = expected["job_title"].str.strip()
    employer = cust["employer"].to_numpy()[covered]
    expected["company_size"] = comp["size"].to_numpy()[employer]
    expected["acme_sic"] = comp["acme_sic"].to_numpy()[employer]
    expected["promoted"] = promoted[covered]
    return records, expected


def _acme_noise(
    rng: np.random.Generator, people: pd.DataFrame, cust: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Which records get a nickname, a surname typo, no email, and which phone layout."""
    m = len(people)
    has_nickname = np.array([bool(_nicknames(g)) for g in people["given"]])
    typeable = np.array([len(s) >= 4 and s.isalpha() for s in people["surname"]])
    nick = (rng.random(m) < 0.10) & has_nickname
    typo = ~nick & (rng.random(m) < 0.055) & typeable
    no_email = rng.random(m) < 0.10
    layout = rng.choice(PHONE_LAYOUTS, m, p=_p([25, 20, 15, 12, 12, 8, 8]))
    layout[no_email & (layout == BLANK_PHONE)] = 0  # a record always keeps an email or a phone
    # Keep every real customer linkable: a noisy name must come with an agreeing email or phone,
    # and anything weaker than an exact name plus one more agreeing field loses its noise.
    c = people["customer"].to_numpy()
    ci = np.maximum(c, 0)
    email_ok = ~no_email & cust["uses_work_email"].to_numpy()[ci]
    phone_ok = (layout != BLANK_PHONE) & cust["has_phone"].to_numpy()[ci]
    exact = ~nick & ~typo
    score = np.where(exact, 2, 1) + email_ok + phone_ok + cust["recorded"].to_numpy()[ci]
    weak = (c >= 0) & ((score < 3) | (~exact & ~(email_ok | phone_ok)))
    nick[weak], typo[weak], no_email[weak] = False, False, False
    layout[weak & (layout == BLANK_PHONE)] = 0
    return nick, typo, no_email, layout


def _acme_identity(
    rng: np.random.Generator, people: pd.DataFrame, cust: pd.DataFrame, comp: pd.DataFrame
) -> pd.DataFrame:
    """The broker's view of each person: nicknames, typos, odd casing, phone layouts, gaps."""
    m = len(people)
    nick, typo, no_email, layout = _acme_noise(rng, people, cust)
    pick, fold, pad = rng.integers(0, 1000, m), rng.random(m) < 0.5, rng.integers(0, 25, m)
    first = [
        _nicknames(g)[pick[i] % len(_nicknames(g))] if nick[i] else _fold(g) if fold[i] else g
        for i, g in enumerate(people["given"])
    ]
    op, where, letter, variant = (
        rng.integers(0, 4, m), rng.random(m), rng.integers(0, 26, m), rng.random(m),
    )  # fmt: skip
    last = [
        _typo(s, op[i], where[i], chr(97 + letter[i])) if typo[i]
        else s.upper() if variant[i] < 0.05
        else s.replace("'", "").replace("-", " ") if variant[i] < 0.35
        else _fold(s) if fold[i] else s
        for i, s in enumerate(people["surname"])
    ]  # fmt: skip
    cased = [
        e and _email_case(e, r) for e, r in zip(people["work_email"], rng.random(m), strict=True)
    ]
    forms = comp[[f"form{k}" for k in range(6)]].to_numpy()
    employer = people["employer"].to_numpy()
    form = rng.choice(6, m, p=_p([30, 20, 10, 25, 10, 5]))
    return pd.DataFrame(
        {
            "first_name": list(map(_pad, first, pad)),
            "last_name": last,
            "work_email": _blank(cased, no_email),
            "tel": _blank(map(_phone, people["mobile"], layout), layout == BLANK_PHONE),
            "employer": list(map(_pad, forms[employer, form], pad + 1)),
            "company_size": comp["size"].to_numpy()[employer],
            "sector_sic": comp["acme_sic"].to_numpy()[employer],
            "kind": people["kind"].to_numpy(),
            "customer": people["customer"].to_numpy(),
            "member": people["member"].to_numpy(),
            "job_sept": people["job_sept"].to_numpy(),
            "job_nov": people["job_nov"].to_numpy(),
        }
    )


def _pad(value: str, roll: int) -> str:
    """Stray white space, as exported from hand-kept spreadsheets (rolls 0-2 of 0-24)."""
    padded = (f" {value}", f"{value} ", value.replace(" ", "  ", 1))
    return padded[roll] if roll < len(padded) else value


def _panel(
    rng: np.random.Generator, cust: pd.DataFrame, taken: Taken
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Panel rows (all text) and per-customer truth: ~45% of customers, strangers, namesakes."""
    n = len(cust)
    covered = np.flatnonzero(rng.random(n) < 0.45)
    decoy_of = rng.choice(n, round(0.05 * len(covered)), replace=False)
    n_strangers = round((len(covered) + len(decoy_of)) * 0.3 / 0.7)
    strangers = _people(rng, n_strangers, taken)
    strangers["personal_email"] = _personal_emails(rng, strangers, taken)
    namesakes = _people(rng, len(decoy_of), taken)  # fresh birth date, address and mobile
    for column in ("given", "surname", "female", "middle"):
        namesakes[column] = cust[column].to_numpy()[decoy_of]
    clash = namesakes["dob"].to_numpy() == cust["dob"].to_numpy()[decoy_of]
    namesakes.loc[clash, "dob"] -= np.timedelta64(400, "D")
    namesakes["personal_email"] = _personal_emails(rng, namesakes, taken)
    people = pd.concat([cust.iloc[covered], strangers, namesakes], ignore_index=True)
    sizes = (len(covered), n_strangers, len(decoy_of))
    people["kind"] = np.repeat(("match", "non_customer", "decoy"), sizes)
    people["customer"] = np.concatenate([covered, np.full(sizes[1] + sizes[2], -1)])
    rows = _panel_identity(rng, people, cust)
    m = len(rows)
    age = (AS_OF - people["dob"].to_numpy()).astype("timedelta64[D]").astype(int) // 365
    bands = np.array([b for b, _ in INCOME_BANDS])
    rows["income_band"] = bands[rng.choice(len(bands), m, p=_p([w for _, w in INCOME_BANDS]))]
    owner_rate = np.where(age < 30, 0.25, np.where(age < 50, 0.6, 0.8))
    rows["home_owner"] = np.where(rng.random(m) < owner_rate, "Y", "N")
    picks, count = rng.integers(0, len(INTERESTS), (m, 3)), rng.integers(1, 4, m)
    rows["interests"] = [
        ";".join(dict.fromkeys(INTERESTS[j] for j in row[:k]))
        for row, k in zip(picks, count, strict=True)
    ]
    expected = rows.iloc[: len(covered)][["income_band", "home_owner", "interests"]]
    expected.index = covered
    return rows, expected


def _panel_identity(
    rng: np.random.Generator, people: pd.DataFrame, cust: pd.DataFrame
) -> pd.DataFrame:
    """The panel's view: name and date layouts, postcode spacing, missing contact details."""
    m = len(people)
    no_dob, no_email = rng.random(m) < 0.05, rng.random(m) < 0.20
    no_mobile, no_postcode, moved = rng.random(m) < 0.15, rng.random(m) < 0.02, rng.random(m) < 0.03
    # Keep every real customer linkable: the name plus at least two agreeing fields.
    c = people["customer"].to_numpy()
    ci = np.maximum(c, 0)
    dob_ok = ~no_dob & cust["has_dob"].to_numpy()[ci]
    postcode_ok = ~no_postcode & ~moved
    email_ok = ~no_email & ~cust["uses_work_email"].to_numpy()[ci]
    mobile_ok = ~no_mobile & cust["has_phone"].to_numpy()[ci]
    weak = (c >= 0) & (dob_ok.astype(int) + postcode_ok + email_ok + mobile_ok < 2)
    no_dob[weak], no_postcode[weak], moved[weak] = False, False, False
    no_email[weak], no_mobile[weak] = False, False
    new_postcode, _ = _postcodes(rng, m)
    postcode = np.where(moved, new_postcode, people["postcode"].to_numpy())
    spacing = rng.choice(5, m, p=_p([50, 15, 15, 12, 8]))
    dob_layout, mobile_layout = rng.integers(0, 4, m), rng.integers(0, 6, m)
    name_layout = rng.choice(6, m, p=_p([35, 15, 15, 10, 10, 15]))
    fold, title, casing = rng.random(m) < 0.5, rng.integers(0, 20, m), rng.random(m)
    given = [_fold(g) if f else g for g, f in zip(people["given"], fold, strict=True)]
    names = zip(given, people["surname"], people["female"], people["middle"], strict=True)
    return pd.DataFrame(
        {
            "name": [_full_name(*n, name_layout[i], title[i]) for i, n in enumerate(names)],
            "dob": _blank(map(_date_text, people["dob"].to_numpy(), dob_layout), no_dob),
            "email_address": _blank(map(_email_case, people["personal_email"], casing), no_email),
            "mobile": _blank(map(_phone, people["mobile"], mobile_layout), no_mobile),
            "post_code": _blank(map(_postcode_text, postcode, spacing), no_postcode),
            "kind": people["kind"].to_numpy(),
            "customer": c,
        }
    )


def _blank(values: Iterable[str], missing: np.ndarray) -> list[str | None]:
    return [None if gone else value for value, gone in zip(values, missing, strict=True)]


def _email_case(email: str, roll: float) -> str:
    """Addresses typed in capitals or with capitalised name parts (1 in 10)."""
    if roll < 0.05:
        return email.upper()
    if roll < 0.10:
        local, domain = email.split("@")
        return ".".join(part.capitalize() for part in local.split(".")) + "@" + domain
    return email


def _full_name(given: str, surname: str, female: bool, middle: str, layout: int, title: int) -> str:
    honorific = (
        ("Dr" if title == 0 else "Mrs" if title < 10 else "Ms" if title < 15 else "Miss")
        if female
        else ("Dr" if title == 0 else "Mr")
    )
    return (
        f"{given} {surname}",
        f"{surname.upper()}, {given}",
        f"{honorific} {given} {middle}. {surname}",
        f"{given} {surname}".lower(),
        f"{given} {surname}".upper(),
        f"{surname}, {given}",
    )[layout]


def _date_text(day: np.datetime64, layout: int) -> str:
    iso = str(day.astype("datetime64[D]"))
    y, mo, d = iso[:4], iso[5:7], iso[8:10]
    return (iso, f"{d}/{mo}/{y}", f"{y}{mo}{d}", f"{int(d)} {MONTHS[int(mo) - 1]} {y}")[layout]


def _postcode_text(postcode: str, spacing: int) -> str:
    compact = postcode.replace(" ", "")
    return (postcode, postcode.lower(), compact, compact.lower(), postcode.replace(" ", "  "))[
        spacing
    ]


def _register(rng: np.random.Generator, comp: pd.DataFrame, cust: pd.DataFrame) -> pd.DataFrame:
    """One row per registered company plus near-miss namesakes (e.g. '... HOLDINGS LIMITED')."""
    registered = comp[comp["registered"]]
    used = np.unique(cust["employer"].to_numpy()[cust["recorded"].to_numpy()])
    used = used[comp["registered"].to_numpy()[used]]
    n_decoys = min(len(used), max(3, round(0.02 * comp["pool"].sum())))
    decoy_of = comp.iloc[np.sort(rng.choice(used, n_decoys, replace=False))]
    words = ("HOLDINGS", "GROUP", "SERVICES", "INTERNATIONAL", "(SCOTLAND)", "PROPERTIES")
    word = np.array(words)[rng.integers(0, len(words), n_decoys)]
    other_sic = np.array([s for _, s, _ in INDUSTRIES])[rng.integers(0, len(INDUSTRIES), n_decoys)]
    decoys = pd.DataFrame(
        {
            "company_name": decoy_of["display"].str.upper() + " " + word + " LIMITED",
            "website": [
                _slug(d + w) + ".com" if rng.random() < 0.5 else None
                for d, w in zip(decoy_of["display"], word, strict=True)
            ],
            "registered_postcode": _postcodes(rng, n_decoys)[0],
            "sic_code": np.where(other_sic == decoy_of["sic"].to_numpy(), "70100", other_sic),
            "incorporated_year": rng.integers(1990, 2026, n_decoys).astype(str),
        }
    )
    style = rng.random(len(registered))
    rows = pd.DataFrame(
        {
            "company_name": registered["register_name"].to_numpy(),
            "website": list(map(_website, registered["domain"], style)),
            "registered_postcode": registered["postcode"].to_numpy(),
            "sic_code": registered["sic"].to_numpy(),
            "incorporated_year": registered["year"].to_numpy(),
        }
    )
    register = pd.concat([rows.assign(kind="company"), decoys.assign(kind="decoy")])
    k = len(register)
    # Distinct draws below a million stay distinct both as 'SC123456' and spread over 8 digits.
    numbers, spread = rng.choice(10**6, k, replace=False), rng.integers(0, 15, k)
    prefix = rng.choice(["", "SC", "NI"], k, p=[0.9, 0.07, 0.03])
    register.insert(
        0,
        "company_number",
        [
            f"{p}{n:06d}" if p else f"{n * 15 + s:08d}"
            for p, n, s in zip(prefix, numbers, spread, strict=True)
        ],
    )
    return register.sort_values("company_number", ignore_index=True)


def _website(domain: str, roll: float) -> str | None:
    """Registers hold websites as filed: often bare, sometimes with www. or a URL, or none."""
    if roll < 0.10:
        return None
    if roll < 0.25:
        return f"www.{domain}"
    return f"https://www.{domain}/" if roll < 0.30 else domain


def _truth(
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


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Every column as text, no pandas metadata: the file holds exactly what the vendor sent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {c: pa.array(frame[c].tolist(), type=pa.string()) for c in frame.columns}
    pq.write_table(pa.table(arrays), path, compression="zstd")


def _customer_file(cust: pd.DataFrame) -> pd.DataFrame:
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


def _acme_files(rng: np.random.Generator, records: pd.DataFrame) -> list[pd.DataFrame]:
    """Two deliveries; a record keeps its broker_id and identity across both."""
    order = rng.permutation(len(records))
    order = order[np.argsort(records["member"].to_numpy()[order] == 1, kind="stable")]
    records = records.iloc[order].reset_index(drop=True)
    width = max(6, len(str(len(records))))
    records.insert(0, "broker_id", [f"AC-{k + 1:0{width}d}" for k in range(len(records))])
    columns = ["broker_id", "first_name", "last_name", "work_email", "tel", "employer"]
    tail = ["company_size", "sector_sic", *ANSWER_KEY]
    files = []
    for member, job in (((0, 2), "job_sept"), ((1, 2), "job_nov")):
        part = records[records["member"].isin(member)]
        files.append(part[columns].assign(job_title=part[job], **{c: part[c] for c in tail}))
    return files


def _panel_file(rng: np.random.Generator, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows in panel_ref order, which is random with respect to who the row describes."""
    refs = np.sort(rng.choice(9 * 10**6, len(rows), replace=False)) + 10**6
    shuffled = rows.iloc[rng.permutation(len(rows))].reset_index(drop=True)
    shuffled.insert(0, "panel_ref", [f"LP{r}" for r in refs])
    return shuffled


def _composition(frame: pd.DataFrame) -> dict[str, int]:
    counts = frame["kind"].value_counts()
    return {
        kind: int(counts.get(kind, 0)) for kind in ("match", "duplicate", "non_customer", "decoy")
    }


@dataclass(frozen=True)
class Samples:
    """Every sample table in memory. Vendor tables still carry the answer key (ANSWER_KEY)."""

    tables: dict[str, pd.DataFrame]
    facts: dict[str, Any]


def build(customers: int, seed: int = 7) -> Samples:
    """Generate all tables from one seeded stream; the call order below fixes the output."""
    rng = np.random.default_rng(seed)
    taken = Taken()
    comp = _companies(rng, customers)
    cust = _customers(rng, customers, comp, taken)
    acme_records, acme_truth = _acme(rng, cust, comp, taken)
    panel_rows, panel_truth = _panel(rng, cust, taken)
    register = _register(rng, comp, cust)
    acme = _acme_files(rng, acme_records)
    panel = _panel_file(rng, panel_rows)
    tables = {
        CUSTOMERS_FILE: _customer_file(cust),
        ACME_FILES[0]: acme[0],
        ACME_FILES[1]: acme[1],
        PANEL_FILE: panel,
        REGISTER_FILE: register,
        TRUTH_FILE: _truth(cust, comp, acme_truth, panel_truth),
    }
    facts = {
        "acme": [_composition(a) for a in acme],
        "promoted": int(acme_truth["promoted"].sum()),
        "panel": _composition(panel),
        "register_decoys": int((register["kind"] == "decoy").sum()),
        "employers": int(comp["pool"].sum()),
    }
    return Samples(tables, facts)


def generate(out_dir: Path, customers: int, seed: int = 7) -> dict[str, int]:
    """Write every sample file under `out_dir`; return the row count of each (relative path)."""
    samples = build(customers, seed)
    for name, table in samples.tables.items():
        public = table.drop(columns=list(ANSWER_KEY), errors="ignore")
        write = _write_parquet if name.endswith(".parquet") else _write_csv
        write(public, out_dir / name)
    counts = {name: len(table) for name, table in samples.tables.items()}
    readme = _readme(counts, samples.facts, customers, seed)
    (out_dir / "README.md").write_text(readme, encoding="utf-8")
    return counts


def _readme(counts: dict[str, int], facts: dict[str, Any], customers: int, seed: int) -> str:
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = generate(args.out, args.customers, args.seed)
    for name, rows in sorted(counts.items()):
        print(f"{rows:>9}  {args.out / name}")
    print(f"generated in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
