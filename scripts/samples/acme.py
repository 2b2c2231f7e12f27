"""The acme_b2b broker: two deliveries of work contacts with nicknames, typos and decoys.

Input: a seeded Generator, customers, companies and the `Taken` registry. Output: broker records
(answer key still attached) and the per-customer truth they imply. Invariant: every real customer
stays linkable: a noisy name always comes with an agreeing email or phone.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
from nicknames import NickNamer

from .draws import Taken, given_names, probabilities
from .files import ANSWER_KEY
from .people import draw_strangers, work_emails
from .text import blank, email_case, fold_accents, phone_text
from .words import BLANK_PHONE, JOB_LADDERS, PHONE_LAYOUTS


@cache
def _nick_namer() -> NickNamer:
    return NickNamer()  # loads its name table: once per process


@cache
def _nicknames(given: str) -> tuple[str, ...]:
    """Nicknames in a stable order (the package returns a set, whose order varies per run)."""
    found = _nick_namer().nicknames_of(fold_accents(given).lower())
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


def _acme_decoys(
    rng: np.random.Generator, targets: pd.DataFrame, comp: pd.DataFrame, taken: Taken
) -> pd.DataFrame:
    """Colleagues sharing a customer's surname and employer but nothing else that identifies."""
    decoys = draw_strangers(rng, len(targets), comp, taken, employed=False)
    decoys["surname"] = targets["surname"].to_numpy()
    decoys["female"] = targets["female"].to_numpy()
    decoys["employer"] = targets["employer"].to_numpy()
    for i, (given, surname, employer) in enumerate(
        zip(targets["given"], targets["surname"], targets["employer"], strict=True)
    ):
        while True:
            other = given_names(rng, np.array([decoys.at[i, "female"]]))[0]
            related = other in _nicknames(given) or given in _nicknames(other)
            key = (other, surname, employer)
            if other[0] != given[0] and not related and key not in taken.names_at:
                break
        taken.names_at.add(key)
        decoys.at[i, "given"] = other
    decoys["work_email"] = work_emails(
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


def draw_acme(
    rng: np.random.Generator,
    cust: pd.DataFrame,
    comp: pd.DataFrame,
    taken: Taken,
    coverage: float = 1.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Broker records (delivery membership in `member`) and the per-customer truth they imply;
    `coverage` scales the share of customers the broker finds (1.0: the samples' 55%)."""
    n = len(cust)
    employed = cust["employer"].to_numpy() >= 0
    # The broker only finds people it can be linked to: a named employer or a phone number.
    feasible = employed & (cust["recorded"] | cust["has_phone"]).to_numpy()
    share = coverage * 0.55 * employed.sum() / feasible.sum()
    covered = np.flatnonzero(feasible & (rng.random(n) < share))
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
            draw_strangers(rng, n_strangers, comp, taken, employed=True),
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
    layout = rng.choice(PHONE_LAYOUTS, m, p=probabilities([25, 20, 15, 12, 12, 8, 8]))
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
        _nicknames(g)[pick[i] % len(_nicknames(g))]
        if nick[i]
        else fold_accents(g)
        if fold[i]
        else g
        for i, g in enumerate(people["given"])
    ]
    op, where, letter, variant = (
        rng.integers(0, 4, m), rng.random(m), rng.integers(0, 26, m), rng.random(m),
    )  # fmt: skip
    last = [
        _typo(s, op[i], where[i], chr(97 + letter[i])) if typo[i]
        else s.upper() if variant[i] < 0.05
        else s.replace("'", "").replace("-", " ") if variant[i] < 0.35
        else fold_accents(s) if fold[i] else s
        for i, s in enumerate(people["surname"])
    ]  # fmt: skip
    cased = [
        e and email_case(e, r) for e, r in zip(people["work_email"], rng.random(m), strict=True)
    ]
    forms = comp[[f"form{k}" for k in range(6)]].to_numpy()
    employer = people["employer"].to_numpy()
    form = rng.choice(6, m, p=probabilities([30, 20, 10, 25, 10, 5]))
    return pd.DataFrame(
        {
            "first_name": list(map(_pad, first, pad)),
            "last_name": last,
            "work_email": blank(cased, no_email),
            "tel": blank(map(phone_text, people["mobile"], layout), layout == BLANK_PHONE),
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


def acme_files(rng: np.random.Generator, records: pd.DataFrame) -> list[pd.DataFrame]:
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
