"""Invented people: the first-party customers, and strangers the vendors also hold.

Input: a seeded Generator, the company table and the `Taken` registry. Output: one DataFrame row
per person, with hidden facts (employer, job, mailboxes) the vendors know about them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from faker.providers.person.en_GB import Provider as FakerPeople

from .draws import Taken, given_names, mobiles, postcodes, probabilities
from .text import phone_text, slug
from .words import AS_OF, JOB_LADDERS, LEVEL_WEIGHTS, PERSONAL_DOMAINS, STREET_TYPES, STREET_WORDS


def fresh_people(rng: np.random.Generator, m: int, taken: Taken) -> pd.DataFrame:
    """Fresh people: name, sex, birth date, home address and a unique mobile."""
    female = rng.random(m) < 0.5
    surnames = np.array(list(FakerPeople.last_names), dtype=object)
    weights = probabilities(list(FakerPeople.last_names.values()))
    surname = surnames[rng.choice(len(surnames), m, p=weights)]
    double = rng.random(m) < 0.03
    second = surnames[rng.choice(len(surnames), m, p=weights)]
    surname = np.where(double & (second != surname), surname + "-" + second, surname)
    postcode, city = postcodes(rng, m)
    street = [
        f"{n} {STREET_WORDS[w]} {STREET_TYPES[t]}"
        for n, w, t in zip(
            rng.integers(1, 220, m), rng.integers(0, len(STREET_WORDS), m),
            rng.integers(0, len(STREET_TYPES), m), strict=True,
        )
    ]  # fmt: skip
    return pd.DataFrame(
        {
            "given": given_names(rng, female),
            "surname": surname,
            "female": female,
            "middle": np.array(list("ABCDEFGHJKLMNPRSTW"))[rng.integers(0, 18, m)],
            "dob": AS_OF - rng.integers(18 * 365, 82 * 365, m).astype("timedelta64[D]"),
            "street": street,
            "city": city,
            "postcode": postcode,
            "mobile": mobiles(rng, m, taken),
        }
    )


def personal_emails(rng: np.random.Generator, people: pd.DataFrame, taken: Taken) -> list[str]:
    """One private address per person in one of six layouts, numbered if taken."""
    m = len(people)
    domains = np.array([d for d, _ in PERSONAL_DOMAINS], dtype=object)
    domain = domains[rng.choice(len(domains), m, p=probabilities([w for _, w in PERSONAL_DOMAINS]))]
    layout, digits = rng.integers(0, 6, m), rng.integers(1, 99, m)
    suffixes = rng.integers(2, 9, m)
    years = people["dob"].to_numpy().astype("datetime64[Y]").astype(int) + 1970
    out = []
    for given, surname, year, lay, dig, dom, suf in zip(
        people["given"], people["surname"], years, layout, digits, domain, suffixes, strict=True
    ):
        g, s = slug(given), slug(surname)
        local = (f"{g}.{s}", f"{g}{s}", f"{g[0]}{s}", f"{g}.{s}{dig}", f"{g}{s[0]}{year % 100:02d}",
                 f"{s}.{g}")[lay]  # fmt: skip
        out.append(taken.email(f"{local}@{dom}", int(suf)))
    return out


def work_emails(
    given: np.ndarray, surname: np.ndarray, employer: np.ndarray, comp: pd.DataFrame, taken: Taken
) -> list[str | None]:
    """Each employer has one address layout, as real mail systems do."""
    out: list[str | None] = []
    domains, layouts = comp["domain"].to_numpy(), comp["email_layout"].to_numpy()
    for g_raw, s_raw, e in zip(given, surname, employer, strict=True):
        if e < 0:
            out.append(None)
            continue
        g, s = slug(g_raw), slug(s_raw)
        local = (f"{g}.{s}", f"{g[0]}{s}", f"{g}_{s}", f"{g}{s[0]}")[layouts[e]]
        out.append(taken.email(f"{local}@{domains[e]}"))
    return out


def unique_names_at_work(
    rng: np.random.Generator, people: pd.DataFrame, employer: np.ndarray, taken: Taken
) -> None:
    """Redraw given names until nobody shares given name + surname + employer with anyone else."""
    for i in np.flatnonzero(employer >= 0):
        while (
            key := (people.at[i, "given"], people.at[i, "surname"], employer[i])
        ) in taken.names_at:
            female = np.array([people.at[i, "female"]])
            people.at[i, "given"] = given_names(rng, female)[0]
        taken.names_at.add(key)


def draw_customers(
    rng: np.random.Generator, n: int, comp: pd.DataFrame, taken: Taken
) -> pd.DataFrame:
    """Customers, with the hidden facts the vendors know about them (employer, job, mailboxes)."""
    cust = fresh_people(rng, n, taken)
    ids = np.sort(rng.choice(3 * n, n, replace=False)) + 1
    width = max(6, len(str(3 * n)))
    cust["customer_id"] = [f"C{i:0{width}d}" for i in ids]
    pool = np.flatnonzero(comp["pool"].to_numpy())
    employed = rng.random(n) < 0.78
    employer = np.where(
        employed, rng.choice(pool, n, p=probabilities(comp["weight"].to_numpy()[pool])), -1
    )
    cust["employer"] = employer
    cust["recorded"] = employed & (rng.random(n) < 0.9)
    unique_names_at_work(rng, cust, employer, taken)
    cust["personal_email"] = personal_emails(rng, cust, taken)
    cust["work_email"] = work_emails(cust["given"], cust["surname"], employer, comp, taken)
    # Only customers who named their employer give a work address, so an email domain never
    # reveals an employer the company column does not (that would blur the register truth).
    cust["uses_work_email"] = cust["recorded"] & (rng.random(n) < 0.4)
    cust["email"] = np.where(cust["uses_work_email"], cust["work_email"], cust["personal_email"])
    cust["has_phone"] = rng.random(n) >= 0.08
    cust["has_dob"] = rng.random(n) >= 0.03
    layout = rng.choice([0, 1, 4], n, p=[0.85, 0.1, 0.05])
    cust["phone"] = [
        phone_text(number, lay) if has else None
        for number, lay, has in zip(cust["mobile"], layout, cust["has_phone"], strict=True)
    ]
    cust["family"] = rng.integers(0, len(JOB_LADDERS), n)
    cust["level"] = rng.choice(len(LEVEL_WEIGHTS), n, p=probabilities(LEVEL_WEIGHTS))
    forms = comp[[f"form{k}" for k in range(6)]].to_numpy()
    form = rng.choice(6, n, p=probabilities([55, 25, 7, 3, 5, 5]))
    cust["company"] = np.where(cust["recorded"], forms[np.maximum(employer, 0), form], None)
    start = np.datetime64("2015-01-01")
    signup = start + rng.integers(0, (AS_OF - start).astype(int), n).astype("timedelta64[D]")
    adult = cust["dob"].to_numpy() + np.timedelta64(18 * 366, "D")
    signup = np.minimum(np.maximum(signup, adult), AS_OF - 1)
    cust["signup_date"] = np.datetime_as_string(signup, unit="D")
    return cust


def draw_strangers(
    rng: np.random.Generator, m: int, comp: pd.DataFrame, taken: Taken, employed: bool
) -> pd.DataFrame:
    """People who are not customers; with an employer and work email when `employed`."""
    people = fresh_people(rng, m, taken)
    employer = rng.integers(0, len(comp), m) if employed else np.full(m, -1)
    people["employer"] = employer
    unique_names_at_work(rng, people, employer, taken)
    people["personal_email"] = personal_emails(rng, people, taken)
    people["work_email"] = work_emails(people["given"], people["surname"], employer, comp, taken)
    people["family"] = rng.integers(0, len(JOB_LADDERS), m)
    people["level"] = rng.choice(len(LEVEL_WEIGHTS), m, p=probabilities(LEVEL_WEIGHTS))
    return people
