"""Fictional extracts for demonstrations, tests and benchmarks.

The files look like what a Swedish case-management system exports: cp1252, ``;`` as delimiter,
decimal comma, ISO dates, CRLF line ends, column names in the SPEC 5 vocabulary but not always
in its case, and the municipality's own names for its housing solutions (hence a mapping file).

The shape follows Socialstyrelsen's 2023 national survey (27,383 persons; situation 1: 4,436,
situation 2: 2,713, situation 3: 16,878, situation 4: 3,209). Situation 4 comes from estimates,
never from extracts, so the extracts hold situations 1-3 in the proportions 1-3 have there.

Privacy: the only personnummer written are Skatteverket's official test numbers. When more
persons are asked for than the list has at plausible ages, the rest get generated
samordningsnummer (day + 60, valid check digit), which no file outside this generator holds.

Everything is vectorised (numpy + Polars): the benchmark sizes are written in seconds, and a
given seed always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl

TEST_PNR_ENV = "BOINV_TEST_PNR_FILE"
# Skatteverket's official test numbers (open data) ship inside the package, so a clone of the
# repository runs on its own; the environment variable points to another list where wanted.
_TEST_PNR_FILE = "skatteverket-testpersonnummer.txt"

ENCODING = "cp1252"
MAPPING_ENCODING = "utf-8"
SEPARATOR = ";"
LINE_END = "\r\n"

# Socialstyrelsen 2023, situations 1-3 (the ones extracts can hold).
SURVEY_2023_PERSONS = {1: 4436, 2: 2713, 3: 16878}
SITUATION_SHARES = {s: n / sum(SURVEY_2023_PERSONS.values()) for s, n in SURVEY_2023_PERSONS.items()}
MEN_SHARE = 0.66
EXCLUDED_SHARE = 0.02  # persons whose only stay is outside the inventory (LSS, särskilt boende)

# Age mix of main persons: (first age, last age, share). Few minors; children appear via antal_barn.
AGE_MIX = (
    (16, 17, 0.005),
    (18, 20, 0.035),
    (21, 25, 0.08),
    (26, 30, 0.10),
    (31, 40, 0.22),
    (41, 50, 0.21),
    (51, 64, 0.26),
    (65, 85, 0.09),
)
_POOL_AGES = (16, 90)  # test numbers outside these ages (born in the 1890s...) make odd clients

MOTT = "Mottagningsenheten"
EB = "Ekonomiskt bistånd"
BER = "Beroendeenheten"
PSY = "Socialpsykiatri"
BOF = "Barn och familj"
ALD = "Äldreomsorg"
UNITS = (MOTT, EB, BER, PSY, BOF, ALD)

# How each unit's system writes kon/fodelsear: some fill them, some leave them to the number.
_UNIT_SEX_STYLE = {MOTT: "short", EB: "long", BER: None, PSY: None, BOF: "short", ALD: "long"}
_UNIT_WRITES_ZERO_CHILDREN = {MOTT, BOF}
_UNIT_TEN_DIGIT = {ALD}  # the elderly-care system exports YYMMDD-NNNN
_UNIT_WITHOUT_COST = {PSY}
_UNIT_GIVES_NIGHTS = {MOTT, EB}


@dataclass(frozen=True)
class _Solution:
    name: str  # the municipality's own name, as in the extract
    code: str  # standard code (SPEC 3)
    situation: int  # 0 = outside the inventory
    weight: float  # share within its situation
    units: tuple[tuple[str, float], ...]
    rate: float  # SEK per night, for kostnad
    weight_men: float | None = None  # None: same as weight


SOLUTIONS: tuple[_Solution, ...] = (
    _Solution("Akutboendet Tallen", "akutboende", 1, 0.28, ((MOTT, 0.6), (BER, 0.3), (ALD, 0.1)), 750),
    _Solution("Härbärget Stigen", "harbarge", 1, 0.12, ((MOTT, 0.5), (BER, 0.5)), 350),
    _Solution("Hotell Baltic", "hotell", 1, 0.18, ((MOTT, 0.5), (EB, 0.4), (BOF, 0.1)), 950),
    _Solution("Vandrarhemmet Sjöfallet", "vandrarhem", 1, 0.12, ((MOTT, 0.6), (EB, 0.4)), 450),
    _Solution("Jourboendet Ankaret", "jourboende", 1, 0.08, ((MOTT, 0.5), (BOF, 0.3), (PSY, 0.2)), 800),
    _Solution("Campingstuga Ekudden", "campingstuga", 1, 0.03, ((MOTT, 1.0),), 400),
    _Solution("Kvinnojouren Frida", "kvinnojour", 1, 0.14, ((BOF, 0.7), (MOTT, 0.3)), 1900, weight_men=0.0),
    _Solution("Skyddat boende (extern)", "skyddat_boende", 1, 0.05, ((BOF, 1.0),), 2600, weight_men=0.005),
    _Solution("Stödboendet Björken", "stodboende", 2, 0.45, ((BER, 0.4), (PSY, 0.5), (ALD, 0.1)), 1500),
    _Solution("HVB Granen", "hvb", 2, 0.30, ((BER, 0.8), (BOF, 0.2)), 3300),
    _Solution("Familjehem (vuxen)", "familjehem", 2, 0.08, ((BER, 0.6), (PSY, 0.4)), 1100),
    _Solution("Inackorderingshem Linnéa", "inackorderingshem", 2, 0.10, ((PSY, 0.6), (ALD, 0.4)), 1200),
    _Solution("Stödboende köpt plats", "annat_stodboende", 2, 0.07, ((PSY, 0.5), (BER, 0.5)), 1700),
    _Solution(
        "Sociala kontrakt", "socialt_kontrakt", 3, 0.60,
        ((MOTT, 0.35), (BOF, 0.25), (PSY, 0.2), (BER, 0.15), (ALD, 0.05)), 35,
    ),
    _Solution("Träningslägenhet", "traningslagenhet", 3, 0.18, ((BER, 0.6), (PSY, 0.4)), 90),
    _Solution("Försökslägenhet", "forsokslagenhet", 3, 0.08, ((MOTT, 0.5), (BER, 0.5)), 60),
    _Solution("Bostad först", "bostad_forst", 3, 0.14, ((BER, 0.5), (PSY, 0.5)), 260),
    _Solution("LSS gruppbostad", "exkluderad", 0, 0.6, ((PSY, 1.0),), 2200),
    _Solution("Särskilt boende Solgården", "exkluderad", 0, 0.4, ((ALD, 1.0),), 2400),
)
_SOLUTION_INDEX = {s.name: i for i, s in enumerate(SOLUTIONS)}

# The municipality's own facilities (SPEC 9): name as written in ``boende`` and in the places
# register, the local name of its code (mapped like any insats name), places at the start of
# the year, and the occupancy the demo aims at (so `make demo` shows high, normal and low).
# Stays of these solutions name the facility in ``boende``; bought places say "Köpt plats".
OWN_FACILITIES: dict[str, tuple[str, float]] = {
    "Akutboendet Tallen": ("Tallen", 0.97),
    "Härbärget Stigen": ("Stigen", 0.88),
    "Jourboendet Ankaret": ("Ankaret", 0.55),
    "Stödboendet Björken": ("Björken", 0.82),
    "HVB Granen": ("Granen", 0.91),
    "Inackorderingshem Linnéa": ("Linnéa", 0.74),
}

# Payment purposes (andamal): (local name, code, SEK per night or None for lump sums)
ACUTE_PURPOSES = (
    ("Hotellnatt", "hotell", 950.0), ("Vandrarhemsnatt", "vandrarhem", 450.0), ("Nödlogi", "annan_akut", 600.0),
)
RENT_DEBT_PURPOSE = ("Hyresskuld", "hyresskuld")
OTHER_PURPOSES = (("Försörjningsstöd", "ovrigt"), ("Övrigt", "ovrigt"), ("Elskuld", "ovrigt"))

INSATSER_COLUMNS = (
    "Person_ID", "id_typ", "Kon", "Fodelsear", "Enhet", "Insats", "Boende", "Beslutsdatum",
    "Startdatum", "Slutdatum", "Planerat_slutdatum", "Ordnat_boende_efter", "Hushall_id",
    "Antal_barn", "Boendedygn", "Kostnad",
)
UTBETALNINGAR_COLUMNS = (
    "Person_ID", "id_typ", "Kon", "Fodelsear", "Hushall_id", "Antal_barn", "Utbetalningsdatum",
    "Belopp", "Andamal", "Boendedygn", "Enhet",
)
SKULDRADGIVNING_COLUMNS = ("Arende_ID", "Person_ID", "Inkommet_datum", "Hyresskuld")


@dataclass
class DemoFiles:
    insatser: Path
    utbetalningar: Path
    skuldradgivning: Path
    mapping: Path
    platser: Path | None = None  # the register of places (SPEC 9)


def mapping_rows() -> list[tuple[str, str]]:
    """Every local name the generator writes in ``insats`` or ``andamal``, with its code."""
    rows = [(s.name, s.code) for s in SOLUTIONS]
    rows += [(name, code) for name, code, _ in ACUTE_PURPOSES]
    rows += [RENT_DEBT_PURPOSE, *OTHER_PURPOSES]
    return rows


# --------------------------------------------------------------------------- test numbers


def load_test_numbers(path: Path | None = None) -> list[str]:
    """Skatteverket's official test personnummer (12 digits, one a line)."""
    if path is None:
        path = _find_test_number_file()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Filen med Skatteverkets testpersonnummer finns inte: {path}")
    numbers = [line.strip() for line in path.read_text(encoding="ascii").splitlines() if line.strip()]
    bad = sum(1 for n in numbers if len(n) != 12 or not n.isdigit())
    if bad:
        raise ValueError(f"{path}: {bad} rader är inte 12-siffriga testpersonnummer.")
    return numbers


def _find_test_number_file() -> Path:
    env = os.environ.get(TEST_PNR_ENV)
    if env:
        return Path(env)
    return Path(str(resources.files("boendeinventering.data").joinpath(_TEST_PNR_FILE)))


# --------------------------------------------------------------------------- public API


def generate_demo(out_dir: Path, *, persons: int = 1500, seed: int = 1, year: int = 2025) -> DemoFiles:
    """A fictional mid-size municipality's extracts for year ``year`` plus the mapping file.

    About 82% of the persons have stays (about 1.35 stays each, to show de-duplication across
    units and solutions); the rest appear only in economic-assistance payments (rent arrears,
    hotel nights paid as bistånd, other assistance).
    """
    stay_persons = round(persons * 0.82)
    return _generate(
        Path(out_dir),
        persons=persons,
        stays=max(stay_persons, round(stay_persons * 1.35)),
        payments=max(persons - stay_persons, round(persons * 3.2)),
        debt_cases=max(10, round(persons * 0.08)),
        seed=seed,
        year=year,
        stay_share=0.82,
    )


def generate_large(
    out_dir: Path,
    *,
    persons: int = 200_000,
    stays: int = 300_000,
    payments: int = 650_000,
    debt_cases: int = 20_000,
    seed: int = 1,
    year: int = 2025,
) -> DemoFiles:
    """Benchmark data: a large city's year in the same formats as :func:`generate_demo`.

    This is load-test material, not a plausible municipality: the row counts are exactly the
    ones asked for and ``persons`` is the number of distinct persons across the extracts. The
    41,493 test numbers do not cover 200,000 persons (and only about 26,500 of them are of
    plausible ages), so test numbers fill each age/sex group up to its share of the persons and
    the rest get generated samordningsnummer (day + 60, valid check digit). With the defaults
    the files take about 100 MB and a few seconds to write.
    """
    stay_share = min(0.75, stays / persons)
    return _generate(
        Path(out_dir),
        persons=persons,
        stays=stays,
        payments=payments,
        debt_cases=debt_cases,
        seed=seed,
        year=year,
        stay_share=stay_share,
    )


# Year-to-year movement of the demo's persons, by last year's state: payment-only (-1), outside
# the inventory (0), situation 1-3; "gone" = not in any extract. Loosely after what Swedish
# municipalities describe: about a third of the acutely homeless are still there a year later,
# social contracts last for years, and some move from support to a contract each year.
_STATES = ("gone", -1, 0, 1, 2, 3)
_TRANSITIONS = {
    -1: (0.45, 0.40, 0.00, 0.08, 0.02, 0.05),
    0: (0.10, 0.00, 0.90, 0.00, 0.00, 0.00),
    1: (0.33, 0.05, 0.00, 0.35, 0.12, 0.15),
    2: (0.20, 0.02, 0.00, 0.08, 0.50, 0.20),
    3: (0.15, 0.02, 0.00, 0.04, 0.02, 0.77),
}
DEMO_YEARS = (2023, 2024, 2025)


def generate_demo_years(out_dir: Path, *, years: tuple[int, ...] = DEMO_YEARS, persons: int = 1500,
                        seed: int = 1, growth: float = 0.05) -> dict[int, DemoFiles]:
    """Several years of one fictional municipality, with the same persons recurring.

    Each year is written to ``out_dir/<year>/`` in the format of :func:`generate_demo`. One pool
    of persons (the same test numbers, so the same pseudonyms) is followed: each person moves
    between payment-only, situations 1-3 and "gone" by a fixed transition table, and newcomers
    fill the year up to its size (``persons`` in the last year, ``growth`` less per year before).
    Newcomers are a little more often acute, so the trend rises and the inflow has new persons.
    The mapping file is the same every year (``out_dir/<year>/mappning.csv``)."""
    years = tuple(sorted(years))
    rng = np.random.default_rng(seed)
    sizes = [max(1, round(persons * (1 - growth) ** (len(years) - 1 - i))) for i in range(len(years))]
    pool = _persons(rng, round(sum(sizes) * 1.1), years[0], load_test_numbers())
    births = pool["birth"].to_numpy()
    n_pool = pool.height
    state = np.full(n_pool, 99)  # 99: not (yet) seen
    used = np.zeros(n_pool, dtype=bool)
    first = _situation_probs(with_excluded=True)
    out: dict[int, DemoFiles] = {}
    for i, (year, size) in enumerate(zip(years, sizes)):
        if i:
            seen = np.flatnonzero(state != 99)
            for s in (-1, 0, 1, 2, 3):
                who = seen[state[seen] == s]
                draw = rng.choice(len(_STATES), size=len(who), p=_TRANSITIONS[s])
                state[who] = np.where(draw == 0, 99, np.array([99, -1, 0, 1, 2, 3])[draw])
        active = np.flatnonzero(state != 99)
        fresh = np.flatnonzero(~used)[: max(0, size - len(active))]
        acute_boost = 1.0 if i == 0 else 1.6  # newcomers after the first year: more often acute
        p = np.concatenate([[0.18], 0.82 * first * np.array([1, acute_boost, 1, 1])])
        state[fresh] = np.array([-1, 0, 1, 2, 3])[rng.choice(5, size=len(fresh), p=p / p.sum())]
        used[fresh] = True
        active = np.flatnonzero(state != 99)
        ages = _ages(births[active], _day(dt.date(year, 12, 31)))
        people = pool[active].with_columns(pl.Series("age", ages))
        plan = state[active].astype(np.int64)
        n_stay = int((plan >= 0).sum())
        out[year] = _generate(
            Path(out_dir) / str(year), persons=people.height, stays=max(n_stay, round(n_stay * 1.35)),
            payments=max(people.height - n_stay, round(people.height * 3.2)),
            debt_cases=max(10, round(people.height * 0.08)), seed=seed * 1000 + year, year=year,
            stay_share=0.82, people=people, plan=plan,
        )
    return out


# --------------------------------------------------------------------------- engine


def _generate(
    out_dir: Path, *, persons: int, stays: int, payments: int, debt_cases: int, seed: int, year: int,
    stay_share: float, people: pl.DataFrame | None = None, plan: np.ndarray | None = None,
) -> DemoFiles:
    if plan is not None:  # a year of generate_demo_years: who has stays, and in which situation
        assert people is not None  # generate_demo_years passes both
        persons = people.height
        n_stay = int((plan >= 0).sum())
        rng = np.random.default_rng(seed)
        people, partner_of = _roles_and_households(rng, people, n_stay, year, plan)
        return _write_year(out_dir, rng, people, partner_of, n_stay, stays, payments, debt_cases, year)
    if persons < 1:
        raise ValueError("persons måste vara minst 1.")
    n_stay = min(stays, max(1, round(persons * stay_share), persons - payments))
    if persons - n_stay > payments:
        raise ValueError(
            f"{persons} personer går inte att fördela på {stays} insatser och {payments} utbetalningar: "
            "varje person behöver minst en rad."
        )
    rng = np.random.default_rng(seed)
    people = _persons(rng, persons, year, load_test_numbers())
    people, partner_of = _roles_and_households(rng, people, n_stay, year)
    return _write_year(out_dir, rng, people, partner_of, n_stay, stays, payments, debt_cases, year)


def _write_year(out_dir: Path, rng: np.random.Generator, people: pl.DataFrame, partner_of: np.ndarray, n_stay: int,
                stays: int, payments: int, debt_cases: int, year: int) -> DemoFiles:
    insatser = _stays(rng, people, partner_of, n_stay, stays, year)
    utbetalningar, rent_arrears = _payments(rng, people, n_stay, payments, year)
    skuld = _debt_cases(rng, people, rent_arrears, debt_cases, year)

    out_dir.mkdir(parents=True, exist_ok=True)
    files = DemoFiles(
        insatser=out_dir / "insatser.csv",
        utbetalningar=out_dir / "utbetalningar.csv",
        skuldradgivning=out_dir / "skuldradgivning.csv",
        mapping=out_dir / "mappning.csv",
        platser=out_dir / "platser.csv",
    )
    assert files.platser is not None  # set just above
    _write_extract(_places_register(insatser, year), files.platser)
    _write_extract(insatser, files.insatser)
    _write_extract(utbetalningar, files.utbetalningar)
    _write_extract(skuld, files.skuldradgivning)
    mapping = pl.DataFrame(mapping_rows(), schema=["lokal_benamning", "kod"], orient="row")
    files.mapping.write_bytes(mapping.write_csv(separator=SEPARATOR).encode(MAPPING_ENCODING))
    return files


def _places_register(insatser: pl.DataFrame, year: int) -> pl.DataFrame:
    """The register of the own facilities: places sized from the year's nights and the aimed
    occupancy, and for Tallen a change in mid-year (two rows), as real registers have.
    Deterministic from the stays, so the demo's other figures do not move."""
    first, next_first = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    days = (next_first - first).days
    stays = insatser.select(
        pl.col("Boende").alias("boende"),
        pl.col("Startdatum").cast(pl.Date).alias("start"),
        pl.col("Slutdatum").cast(pl.Date).alias("end"),
    )
    rows: list[tuple[str, str, int, str, str | None]] = []
    for solution, (facility, aim) in OWN_FACILITIES.items():
        own = stays.filter(pl.col("boende") == facility)
        begin = own.select(pl.max_horizontal(pl.col("start"), pl.lit(first)).alias("b"))["b"]
        end = own.select(pl.min_horizontal(pl.col("end").fill_null(next_first), pl.lit(next_first)).alias("e"))["e"]
        nights = int(sum(max((e - b).days, 0) for b, e in zip(begin.to_list(), end.to_list())))
        places = max(1, round(nights / days / aim))
        if facility == "Tallen" and places > 2:
            # two fewer places until 1 April (a wing was renovated), then the full number
            low = places - 2
            low_days = (dt.date(year, 4, 1) - first).days
            places = max(1, round((nights / aim - low * low_days) / (days - low_days)))
            rows.append((facility, solution, low, f"{year - 3}-01-01", f"{year}-03-31"))
            rows.append((facility, solution, places, f"{year}-04-01", None))
        else:
            rows.append((facility, solution, places, f"{year - 3}-01-01", None))
    return pl.DataFrame(rows, schema=["Boende", "Kod", "Platser", "Fran_datum", "Till_datum"], orient="row")


def _write_extract(df: pl.DataFrame, path: Path) -> None:
    text = df.write_csv(separator=SEPARATOR, decimal_comma=True, float_precision=2, line_terminator=LINE_END)
    path.write_bytes(text.encode(ENCODING))


def _text(name: str, values: np.ndarray) -> pl.Series:
    # via a list: Polars cannot cast a numpy object array that happens to hold only None
    return pl.Series(name, values.tolist(), dtype=pl.Utf8)


def _day(d: dt.date) -> np.datetime64:
    return np.datetime64(d.isoformat(), "D")


def _date_parts(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = days.astype("datetime64[Y]").astype(np.int64) + 1970
    m = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    return y, m, d


def _weighted(rng: np.random.Generator, items: np.ndarray | int, size: int, weights: np.ndarray) -> np.ndarray:
    """rng.choice with weights, but also for zero draws from nothing."""
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    return rng.choice(items, size=size, p=weights / weights.sum())


def _pick(rng: np.random.Generator, options: Sequence[str | None], p, size: int) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=p / p.sum())]


# --------------------------------------------------------------------------- persons


def _age_density(ages: np.ndarray) -> np.ndarray:
    density = np.zeros(len(ages))
    for first, last, share in AGE_MIX:
        density[(ages >= first) & (ages <= last)] = share / (last - first + 1)
    return density


def _persons(rng: np.random.Generator, n: int, year: int, test_numbers: list[str]) -> pl.DataFrame:
    """n distinct persons: test numbers drawn to fit the age/sex mix, then samordningsnummer."""
    ref = _day(dt.date(year, 12, 31))
    pool = np.asarray(test_numbers, dtype=object)
    as_int = np.asarray(test_numbers, dtype=np.int64)
    births = _make_dates(as_int // 10**8, as_int // 10**6 % 100, as_int // 10**4 % 100)
    pool_men = (as_int // 10 % 10) % 2 == 1
    pool_age = _ages(births, ref)
    eligible = (pool_age >= _POOL_AGES[0]) & (pool_age <= _POOL_AGES[1])
    pool, births, pool_men, pool_age = pool[eligible], births[eligible], pool_men[eligible], pool_age[eligible]

    # Weighted sample without replacement (Efraimidis-Spirakis): weight = wanted share of the
    # (age, sex) cell divided by how many test numbers the cell has.
    cell = pool_age * 2 + pool_men
    cell_size = np.bincount(cell)[cell]
    weight = _age_density(pool_age) * np.where(pool_men, MEN_SHARE, 1 - MEN_SHARE) / cell_size
    usable = weight > 0
    keys = np.full(len(pool), np.inf)
    keys[usable] = rng.exponential(size=usable.sum()) / weight[usable]
    ranked = np.argsort(keys, kind="stable")[: int(usable.sum())]
    if n <= len(ranked):
        take = ranked[:n]
    else:
        # More persons than test numbers: take from each (age, sex) cell only its share of n;
        # generated samordningsnummer make up what each cell still lacks.
        wanted = np.ceil(n * weight * cell_size).astype(np.int64)
        rank_in_cell = np.empty(len(ranked), dtype=np.int64)
        ranked_cell = cell[ranked]
        order = np.argsort(ranked_cell, kind="stable")
        starts = np.searchsorted(ranked_cell[order], ranked_cell[order], side="left")
        rank_in_cell[order] = np.arange(len(order)) - starts
        take = ranked[rank_in_cell < wanted[ranked]]

    n_gen = n - len(take)
    all_ages = np.arange(_POOL_AGES[0], _POOL_AGES[1] + 1)
    grid_age, grid_man = np.repeat(all_ages, 2), np.tile([False, True], len(all_ages))
    target = n * _age_density(grid_age) * np.where(grid_man, MEN_SHARE, 1 - MEN_SHARE)
    taken = np.bincount((pool_age[take] - _POOL_AGES[0]) * 2 + pool_men[take], minlength=len(grid_age))
    lacking = np.clip(target - taken, 0, None)
    lacking = lacking if lacking.sum() > 0 else target
    cells = rng.choice(len(grid_age), size=n_gen, p=lacking / lacking.sum())
    gen_ids, gen_births = _samordningsnummer(rng, grid_age[cells], grid_man[cells], year)
    gen_men = grid_man[cells]
    ids = np.concatenate([pool[take], gen_ids])
    birth = np.concatenate([births[take], gen_births])
    men = np.concatenate([pool_men[take], gen_men])
    kind = np.array(["personnummer"] * len(take) + ["samordningsnummer"] * n_gen, dtype=object)
    return pl.DataFrame(
        {
            "pid": _text("pid", ids),
            "id_typ": _text("id_typ", kind),
            "man": men,
            "birth": birth,
            "age": _ages(birth, ref),
        }
    )


def _ages(births: np.ndarray, ref: np.datetime64) -> np.ndarray:
    by, bm, bd = _date_parts(births)
    ry, rm, rd = _date_parts(np.array([ref]))
    return ry[0] - by - ((rm[0] * 100 + rd[0]) < (bm * 100 + bd))


def _samordningsnummer(rng: np.random.Generator, ages: np.ndarray, men: np.ndarray, year: int):
    """Distinct samordningsnummer (12 digits, day + 60, Luhn-valid) for persons of the given
    ages on 31 December of ``year`` and sexes. Returns the numbers and the birth dates."""
    n = len(ages)
    birth_year = year - ages  # every birthday has passed by 31 December
    jan1 = _make_dates(birth_year, np.ones(n, np.int64), np.ones(n, np.int64))
    dec31 = _make_dates(birth_year, np.full(n, 12), np.full(n, 31))
    birth = np.minimum(jan1 + rng.integers(0, 366, n).astype("timedelta64[D]"), dec31)
    y, m, d = _date_parts(birth)
    numbers = np.zeros(n, dtype=np.int64)
    todo = np.arange(n)
    while len(todo):  # draw serials again for the few numbers that repeat
        serial = rng.integers(1, 500, size=len(todo)) * 2 + men[todo]  # last serial digit odd = man
        nine = (y[todo] % 100) * 10**7 + m[todo] * 10**5 + (d[todo] + 60) * 10**3 + serial
        numbers[todo] = y[todo] * 10**8 + m[todo] * 10**6 + (d[todo] + 60) * 10**4 + serial * 10 + _luhn(nine)
        keep = np.zeros(n, dtype=bool)
        keep[np.unique(numbers, return_index=True)[1]] = True
        todo = np.flatnonzero(~keep)
    return numbers.astype(str).astype(object), birth


def _make_dates(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    months = ((y - 1970) * 12 + (m - 1)).astype("timedelta64[M]")
    return (np.datetime64("1970-01", "M") + months).astype("datetime64[D]") + (d - 1).astype("timedelta64[D]")


def _luhn(nine: np.ndarray) -> np.ndarray:
    """Check digit over the 9 digits YYMMDDNNN (weights 2,1,2,...)."""
    total = np.zeros(len(nine), dtype=np.int64)
    for k in range(9):
        digit = (nine // 10 ** (8 - k)) % 10
        product = digit * (2 if k % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def _roles_and_households(
    rng: np.random.Generator, people: pl.DataFrame, n_stay: int, year: int, plan: np.ndarray | None = None
) -> tuple[pl.DataFrame, np.ndarray]:
    """Order persons (stay persons first, minors among them), give each stay person a primary
    solution, reserve numbers to a few, and households/children. Returns the persons and, for
    couples, the partner whose primary stay a person shares (-1 if none)."""
    n = people.height
    order = rng.permutation(n)
    if plan is None:
        order = order[np.argsort(people["age"].to_numpy()[order] >= 18, kind="stable")]
    else:  # the planned stay persons first (minors first among them), then payment-only persons
        order = order[np.lexsort((people["age"].to_numpy()[order] >= 18, plan[order] < 0))]
    people = people[order]
    age = people["age"].to_numpy()
    men = people["man"].to_numpy()

    primary = np.full(n, -1)
    sit = np.zeros(n, dtype=np.int64)
    if plan is None:
        sit[:n_stay] = rng.choice(4, size=n_stay, p=_situation_probs(with_excluded=True))
    else:
        sit[:n_stay] = plan[order][:n_stay]
    sit[:n_stay][age[:n_stay] < 18] = 2
    for s in (0, 1, 2, 3):
        for is_man in (False, True):
            who = np.flatnonzero((sit[:n_stay] == s) & (men[:n_stay] == is_man))
            primary[who] = _draw_solutions(rng, s, is_man, len(who))
    minors = np.flatnonzero(age[:n_stay] < 18)
    primary[minors] = rng.choice([_SOLUTION_INDEX["HVB Granen"], _SOLUTION_INDEX["Stödboendet Björken"]], len(minors))

    # Couples on social contracts share a household and the stay.
    partner = np.full(n, -1)
    contract = np.flatnonzero((primary == _SOLUTION_INDEX["Sociala kontrakt"]) & (age >= 20))
    n_pairs = len(contract) * 6 // 100
    if n_pairs:
        chosen = rng.choice(contract, size=2 * n_pairs, replace=False)
        heads, partners = chosen[:n_pairs], chosen[n_pairs:]
        partner[partners] = heads

    family_p = np.full(n, 0.05)
    for name, p in (
        ("Kvinnojouren Frida", 0.6), ("Skyddat boende (extern)", 0.5), ("Sociala kontrakt", 0.25),
        ("Träningslägenhet", 0.1), ("Hotell Baltic", 0.15), ("Familjehem (vuxen)", 0.0),
        ("HVB Granen", 0.03), ("LSS gruppbostad", 0.0), ("Särskilt boende Solgården", 0.0),
    ):
        family_p[primary == _SOLUTION_INDEX[name]] = p
    family_p[n_stay:] = 0.2  # payment-only: rent arrears often hit families
    family_p[(age < 20) | (age > 60)] = 0.0
    family = rng.random(n) < family_p
    children = np.where(family, np.minimum(rng.geometric(0.55, n), 5), 0)
    has_partner = partner >= 0
    family[partner[has_partner]] = True  # a couple is a household even without children
    household = np.where(family, np.arange(n), -1)
    household[has_partner] = household[partner[has_partner]]
    children[has_partner] = children[partner[has_partner]]
    # real systems number households their own way; a shuffled serial looks like one
    household_no = np.where(household >= 0, 100_000 + rng.permutation(n)[np.maximum(household, 0)], -1)

    # A few persons without a usable personnummer get reserve numbers (kon, fodelsear filled).
    n_reserve = max(3, n // 100) if n >= 100 else 0
    ids = people["pid"].to_numpy().astype(object)
    kinds = people["id_typ"].to_numpy().astype(object)
    if n_reserve:
        reserve = rng.choice(np.flatnonzero(age >= 18), size=n_reserve, replace=False)
        width = max(4, len(str(n_reserve)))
        ids[reserve] = [f"R-{year}-{i:0{width}d}" for i in rng.permutation(n_reserve) + 1]
        kinds[reserve] = "reservnummer"

    people = people.with_columns(
        _text("pid", ids),
        _text("id_typ", kinds),
        pl.Series("primary", primary),
        pl.Series("situation", np.where(np.arange(n) < n_stay, sit, -1)),
        pl.Series("household_no", household_no),
        pl.Series("antal_barn", children.astype(np.int64)),
    )
    people = people.with_columns(
        pl.when(pl.col("household_no") >= 0)
        .then(pl.concat_str(pl.lit("HH-"), pl.col("household_no").cast(pl.Utf8).str.zfill(6)))
        .alias("hushall_id")
    ).drop("household_no")
    return people, partner


def _situation_probs(with_excluded: bool) -> np.ndarray:
    excluded = EXCLUDED_SHARE if with_excluded else 0.0
    p = np.array([excluded] + [SITUATION_SHARES[s] * (1 - EXCLUDED_SHARE) for s in (1, 2, 3)])
    return p / p.sum()


def _weight(solution: _Solution, is_man: bool) -> float:
    """The solution's share among men where it has its own, else the common one."""
    return solution.weight_men if is_man and solution.weight_men is not None else solution.weight


def _draw_solutions(rng: np.random.Generator, situation: int, is_man: bool, size: int) -> np.ndarray:
    idx = [i for i, s in enumerate(SOLUTIONS) if s.situation == situation]
    w = np.array([_weight(SOLUTIONS[i], is_man) for i in idx])
    return np.asarray(idx)[rng.choice(len(idx), size=size, p=w / w.sum())]


# --------------------------------------------------------------------------- stays

# (minimum, mean of the exponential part, cap) of a stay's length in days, by situation
_STAY_LENGTH = {0: (365, 2000, 9000), 1: (1, 18, 365), 2: (30, 220, 1500), 3: (90, 1100, 4000)}


def _stays(
    rng: np.random.Generator, people: pl.DataFrame, partner: np.ndarray, n_stay: int, stays: int, year: int
) -> pl.DataFrame:
    primary = people["primary"].to_numpy()
    situation = people["situation"].to_numpy()
    age = people["age"].to_numpy()
    men = people["man"].to_numpy()

    # Extra stays go mostly to acute clients (many short stays); some change situation.
    n_extra = stays - n_stay
    extra_weight = np.array([0.1, 3.0, 1.0, 0.5])[situation[:n_stay]]
    extra_person = _weighted(rng, n_stay, n_extra, extra_weight)
    extra_sit = situation[extra_person].copy()
    move = (rng.random(n_extra) < 0.15) & (extra_sit > 0)
    new_sit = rng.choice([1, 2, 3], size=n_extra, p=[SITUATION_SHARES[s] for s in (1, 2, 3)])
    extra_sit[move] = new_sit[move]
    extra_sol = np.empty(n_extra, dtype=np.int64)
    for s in (0, 1, 2, 3):
        for is_man in (False, True):
            who = np.flatnonzero((extra_sit == s) & (men[extra_person] == is_man))
            extra_sol[who] = _draw_solutions(rng, s, is_man, len(who))
    again = (rng.random(n_extra) < 0.5) & ~move  # the same solution once more
    extra_sol[again] = primary[extra_person[again]]

    person = np.concatenate([np.arange(n_stay), extra_person])
    sol = np.concatenate([primary[:n_stay], extra_sol])
    sol_sit = np.array([s.situation for s in SOLUTIONS])[sol]
    unit = np.empty(stays, dtype=object)
    for i, option in enumerate(SOLUTIONS):
        who = np.flatnonzero(sol == i)
        unit[who] = _pick(rng, [u for u, _ in option.units], [w for _, w in option.units], len(who))
    unit[age[person] < 18] = BOF
    old = (age[person] >= 65) & (sol_sit > 0) & (rng.random(stays) < 0.4)
    unit[old] = ALD

    start, end, planned, arranged = _stay_dates(rng, sol_sit, year)

    # partners share the head's primary stay row for row
    has_partner = np.flatnonzero(partner[:n_stay] >= 0)
    heads = partner[has_partner]
    for arr in (sol, unit, start, end, planned, arranged):
        arr[has_partner] = arr[heads]

    y0, y1 = _day(dt.date(year, 1, 1)), _day(dt.date(year + 1, 1, 1))
    end_eff = np.where(np.isnat(end), y1, np.minimum(end, y1))
    nights = np.maximum((end_eff - np.maximum(start, y0)).astype(np.int64), 0)
    in_year = (start <= y1 - 1) & (np.isnat(end) | (end >= y0))
    rate = np.array([s.rate for s in SOLUTIONS])[sol]
    cost = np.round(nights * rate * rng.uniform(0.9, 1.1, stays), 2)
    no_cost = np.isin(unit, list(_UNIT_WITHOUT_COST)) | ~in_year
    gives_nights = np.isin(unit, list(_UNIT_GIVES_NIGHTS)) & (sol_sit == 1) & in_year

    rows = people.select(pl.all().gather(pl.Series(person)))
    decided = start - rng.integers(0, 11, stays).astype("timedelta64[D]")
    boende = np.where((sol_sit == 1) & (rng.random(stays) < 0.3), "Köpt plats", "Egen regi").astype(object)
    boende[sol_sit == 3] = "Blockhyresavtal"
    boende[sol_sit == 0] = None
    # Own facilities are named in boende (SPEC 9), so the places register finds their stays;
    # no random draw here, so every other figure stays as it was.
    for solution, (facility, _) in OWN_FACILITIES.items():
        boende[sol == _SOLUTION_INDEX[solution]] = facility
    df = rows.with_columns(
        _text("unit", unit),
        _text("insats", np.array([s.name for s in SOLUTIONS], dtype=object)[sol]),
        _text("boende", boende),
        pl.Series("beslutsdatum", decided),
        pl.Series("startdatum", start),
        pl.Series("slutdatum", end),
        pl.Series("planerat_slutdatum", planned),
        _text("ordnat_boende_efter", arranged),
        pl.Series("boendedygn", nights).scatter(np.flatnonzero(~gives_nights), None),
        pl.Series("kostnad", cost).scatter(np.flatnonzero(no_cost), None),
        pl.Series("ten_digit", rng.random(stays) < 0.03),
    )
    df = _identity_columns(df)
    return (
        df.sort(["unit", "startdatum"], maintain_order=True)
        .select(
            pl.col("person_id").alias("Person_ID"),
            pl.col("id_typ"),
            pl.col("kon").alias("Kon"),
            pl.col("fodelsear").alias("Fodelsear"),
            pl.col("unit").alias("Enhet"),
            pl.col("insats").alias("Insats"),
            pl.col("boende").alias("Boende"),
            pl.col("beslutsdatum").alias("Beslutsdatum"),
            pl.col("startdatum").alias("Startdatum"),
            pl.col("slutdatum").alias("Slutdatum"),
            pl.col("planerat_slutdatum").alias("Planerat_slutdatum"),
            pl.col("ordnat_boende_efter").alias("Ordnat_boende_efter"),
            pl.col("hushall_id").alias("Hushall_id"),
            pl.when((pl.col("antal_barn") > 0) | pl.col("unit").is_in(list(_UNIT_WRITES_ZERO_CHILDREN)))
            .then(pl.col("antal_barn"))
            .alias("Antal_barn"),
            pl.col("boendedygn").alias("Boendedygn"),
            pl.col("kostnad").alias("Kostnad"),
        )
    )


def _stay_dates(rng: np.random.Generator, situation: np.ndarray, year: int):
    """Start, end (NaT = ongoing), planned end and ordnat_boende_efter for each stay.

    Each stay is built around a day inside the year, so it belongs to the year; 3% are then
    moved wholly into the year before (they show the year rule). The extract is taken on
    20 January next year: stays ending later than that have no slutdatum yet."""
    n = len(situation)
    y0 = _day(dt.date(year, 1, 1))
    ref = _day(dt.date(year, 12, 31))
    extracted = _day(dt.date(year + 1, 1, 20))
    days_in_year = int((_day(dt.date(year + 1, 1, 1)) - y0).astype(np.int64))

    low = np.array([_STAY_LENGTH[s][0] for s in range(4)])[situation]
    mean = np.array([_STAY_LENGTH[s][1] for s in range(4)])[situation]
    cap = np.array([_STAY_LENGTH[s][2] for s in range(4)])[situation]
    length = np.minimum(low + rng.exponential(mean).astype(np.int64), cap)
    inside = y0 + rng.integers(0, days_in_year, n).astype("timedelta64[D]")
    start = inside - (rng.random(n) * length).astype(np.int64).astype("timedelta64[D]")
    end = start + length.astype("timedelta64[D]")
    last_year = (rng.random(n) < 0.03) & (situation > 0)
    end[last_year] = y0 - 1 - rng.integers(0, 120, last_year.sum()).astype("timedelta64[D]")
    start[last_year] = end[last_year] - np.minimum(length[last_year], 400).astype("timedelta64[D]")
    end = np.where(end > extracted, np.datetime64("NaT"), end).astype("datetime64[D]")

    planned = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    arranged = np.full(n, None, dtype=object)
    sit2 = situation == 2
    ongoing = sit2 & (start <= ref) & (np.isnat(end) | (end > ref))
    ended = sit2 & ~ongoing
    # ongoing at the reference date: some leave within three months, some later, some overdue
    kind = rng.choice(4, size=n, p=[0.45, 0.18, 0.12, 0.25])
    within = ongoing & (kind == 0)
    later = ongoing & (kind == 1)
    overdue = ongoing & (kind == 2)
    planned[within] = ref + rng.integers(1, 91, within.sum()).astype("timedelta64[D]")
    planned[later] = ref + rng.integers(91, 400, later.sum()).astype("timedelta64[D]")
    planned[overdue] = ref - rng.integers(0, 90, overdue.sum()).astype("timedelta64[D]")
    planned[overdue] = np.maximum(planned[overdue], start[overdue])
    with_plan = ended & (rng.random(n) < 0.5)
    planned[with_plan] = end[with_plan] + rng.integers(-30, 31, with_plan.sum()).astype("timedelta64[D]")
    answer_ongoing = _pick(rng, ["ja", "nej", None], [0.30, 0.50, 0.20], n)
    answer_ended = _pick(rng, ["ja", "nej", None], [0.55, 0.25, 0.20], n)
    arranged[ongoing] = answer_ongoing[ongoing]
    arranged[ended] = answer_ended[ended]
    # hotel and shelter stays are often decided for a fixed period
    fixed = (situation == 1) & ~np.isnat(end) & (rng.random(n) < 0.3)
    planned[fixed] = end[fixed]
    return start, end, planned, arranged


def _identity_columns(df: pl.DataFrame) -> pl.DataFrame:
    """person_id as the unit's system writes it, and kon/fodelsear where the system fills them."""
    style = pl.col("unit").replace_strict(_UNIT_SEX_STYLE, default=None, return_dtype=pl.Utf8)
    reserve = pl.col("id_typ") == "reservnummer"
    ten = (pl.col("ten_digit") | pl.col("unit").is_in(list(_UNIT_TEN_DIGIT))) & ~reserve
    short_sex = pl.when(pl.col("man")).then(pl.lit("M")).otherwise(pl.lit("K"))
    long_sex = pl.when(pl.col("man")).then(pl.lit("Man")).otherwise(pl.lit("Kvinna"))
    return df.with_columns(
        pl.when(ten)
        .then(pl.concat_str(pl.col("pid").str.slice(2, 6), pl.lit("-"), pl.col("pid").str.slice(8, 4)))
        .otherwise(pl.col("pid"))
        .alias("person_id"),
        pl.when(reserve | (style == "short"))
        .then(short_sex)
        .when(style == "long")
        .then(long_sex)
        .alias("kon"),
        pl.when(reserve | style.is_not_null()).then(pl.col("birth").dt.year()).alias("fodelsear"),
    )


# --------------------------------------------------------------------------- payments


def _payments(
    rng: np.random.Generator, people: pl.DataFrame, n_stay: int, payments: int, year: int
) -> tuple[pl.DataFrame, np.ndarray]:
    """Payment rows, and a mask of the persons who had rent arrears paid."""
    n = people.height
    situation = people["situation"].to_numpy()
    # payer type: 0 acute (hotel nights as bistånd), 1 rent arrears, 2 other assistance
    payer_type = np.full(n, -1)
    only = np.arange(n_stay, n)
    payer_type[only] = rng.choice(3, size=len(only), p=[0.15, 0.30, 0.55])
    stay_payer = np.zeros(n, dtype=bool)
    stay_payer[:n_stay] = rng.random(n_stay) < np.where(situation[:n_stay] == 1, 0.45, 0.10)
    spare = payments - len(only)
    candidates = np.flatnonzero(stay_payer)
    if len(candidates) > spare:  # fewer rows than payers: drop some stay persons' payments
        candidates = rng.choice(candidates, size=spare, replace=False)
        stay_payer[:] = False
        stay_payer[candidates] = True
    payer_type[stay_payer & (situation == 1)] = 0
    other = stay_payer & (situation != 1)
    payer_type[other] = np.where(rng.random(other.sum()) < 0.3, 1, 2)

    if payments and not (payer_type >= 0).any():
        payer_type[0] = 2
    payers = np.flatnonzero(payer_type >= 0)
    extra_w = np.array([3.0, 1.0, 2.5])[payer_type[payers]]
    extra = _weighted(rng, payers, payments - len(payers), extra_w)
    person = np.concatenate([payers, extra])
    ptype = payer_type[person]
    first = np.zeros(len(person), dtype=bool)
    first[: len(payers)] = True

    # purpose: the payer's defining purpose on the first row, then mostly other assistance
    purpose_kind = np.where(first, ptype, 2)
    purpose_kind[~first & (ptype == 0) & (rng.random(len(person)) < 0.7)] = 0
    purpose_kind[~first & (ptype == 1) & (rng.random(len(person)) < 0.2)] = 1
    m = len(person)
    acute = rng.choice(len(ACUTE_PURPOSES), size=m, p=[0.6, 0.3, 0.1])
    other_pick = rng.choice(len(OTHER_PURPOSES), size=m, p=[0.7, 0.2, 0.1])
    purpose = np.where(
        purpose_kind == 0,
        np.array([a[0] for a in ACUTE_PURPOSES], dtype=object)[acute],
        np.where(purpose_kind == 1, RENT_DEBT_PURPOSE[0],
                 np.array([o[0] for o in OTHER_PURPOSES], dtype=object)[other_pick]),
    )
    nights = np.where(purpose_kind == 0, np.minimum(rng.geometric(0.25, m), 31), -1)
    night_rate = np.array([a[2] for a in ACUTE_PURPOSES])[acute]
    amount = np.where(
        purpose_kind == 0,
        nights * night_rate,
        np.where(purpose_kind == 1, rng.uniform(2000, 45000, m), rng.uniform(500, 15000, m)),
    ).round(2)

    y0 = _day(dt.date(year, 1, 1))
    days_in_year = int((_day(dt.date(year + 1, 1, 1)) - y0).astype(np.int64))
    paid = y0 + rng.integers(0, days_in_year, m).astype("timedelta64[D]")
    december_before = rng.random(m) < 0.03  # extracts often run from 1 December: not in the year
    paid[december_before] = y0 - rng.integers(1, 32, december_before.sum()).astype("timedelta64[D]")
    unit = np.where((purpose_kind == 0) & (rng.random(m) < 0.15), MOTT, EB).astype(object)

    rows = people.select(pl.all().gather(pl.Series(person)))
    df = rows.with_columns(
        _text("unit", unit),
        pl.Series("utbetalningsdatum", paid),
        pl.Series("belopp", amount),
        _text("andamal", purpose),
        pl.Series("boendedygn", nights).scatter(np.flatnonzero(nights < 0), None),
        pl.Series("ten_digit", rng.random(m) < 0.02),
    )
    df = _identity_columns(df)
    rent_arrears = np.zeros(n, dtype=bool)
    rent_arrears[person[purpose_kind == 1]] = True
    return df.sort(["utbetalningsdatum"], maintain_order=True).select(
        pl.col("person_id").alias("Person_ID"),
        pl.col("id_typ"),
        pl.col("kon").alias("Kon"),
        pl.col("fodelsear").alias("Fodelsear"),
        pl.col("hushall_id").alias("Hushall_id"),
        pl.when(pl.col("antal_barn") > 0).then(pl.col("antal_barn")).alias("Antal_barn"),
        pl.col("utbetalningsdatum").alias("Utbetalningsdatum"),
        pl.col("belopp").alias("Belopp"),
        pl.col("andamal").alias("Andamal"),
        pl.col("boendedygn").alias("Boendedygn"),
        pl.col("unit").alias("Enhet"),
    ), rent_arrears


# --------------------------------------------------------------------------- debt counselling


def _debt_cases(
    rng: np.random.Generator, people: pl.DataFrame, rent_arrears: np.ndarray, cases: int, year: int
) -> pl.DataFrame:
    """Budget and debt counselling cases. Half name a person, preferably one who had rent
    arrears paid; the counselling service often records no personnummer at all."""
    with_number = people["id_typ"].to_numpy() != "reservnummer"
    weight = np.where(rent_arrears, 8.0, 1.0) * with_number
    named = rng.random(cases) < (0.5 if weight.sum() > 0 else 0.0)
    who = _weighted(rng, people.height, cases, weight) if weight.sum() > 0 else np.zeros(cases, np.int64)
    rent = rng.random(cases) < np.where(named & rent_arrears[who], 0.7, 0.3)

    y0 = _day(dt.date(year, 1, 1))
    days_in_year = int((_day(dt.date(year + 1, 1, 1)) - y0).astype(np.int64))
    received = y0 + rng.integers(0, days_in_year, cases).astype("timedelta64[D]")
    before = rng.random(cases) < 0.06  # cases from the year before are in the list too
    received[before] = y0 - rng.integers(1, 62, before.sum()).astype("timedelta64[D]")
    order = np.argsort(received, kind="stable")
    df = people.select(pl.col("pid").gather(pl.Series(who[order]))).with_columns(
        pl.Series("named", named[order]),
        pl.Series("ten_digit", rng.random(cases)[order] < 0.15),
        pl.Series("inkommet_datum", received[order]),
        pl.Series("hyresskuld", np.where(rent[order], "ja", "nej")),
        pl.Series("serial", np.arange(1, cases + 1)),
    )
    return df.select(
        pl.concat_str(
            pl.lit("BUS-"),
            pl.col("inkommet_datum").dt.year().cast(pl.Utf8),
            pl.lit("-"),
            pl.col("serial").cast(pl.Utf8).str.zfill(5),
        ).alias("Arende_ID"),
        pl.when(~pl.col("named"))
        .then(pl.lit(None, dtype=pl.Utf8))
        .when(pl.col("ten_digit"))
        .then(pl.concat_str(pl.col("pid").str.slice(2, 6), pl.lit("-"), pl.col("pid").str.slice(8, 4)))
        .otherwise(pl.col("pid"))
        .alias("Person_ID"),
        pl.col("inkommet_datum").alias("Inkommet_datum"),
        pl.col("hyresskuld").alias("Hyresskuld"),
    )
