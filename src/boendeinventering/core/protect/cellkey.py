"""The cell-key method: small, consistent noise on counts instead of suppression.

An alternative to cell suppression (``ProtectionSettings.method == "cellkey"``), the method
Statistics Sweden uses for its population statistics from reference year 2025. See
docs/disclosure.md for the user's view and the trade-offs.

1. Record keys. Every unit (person, household, debt case) gets a record key: a keyed hash
   (BLAKE2b with the installation's secret) of its surrogate id, read as a 32-bit integer.
   Keys are uniform on [0, 2**32) and cannot be computed without the secret.
2. Cell keys. A count cell's key is the sum of the record keys of the units it counts, modulo
   2**32, divided by 2**32: uniform on [0, 1), and the same set of units always gives the same
   key, whatever table it appears in. Integer arithmetic keeps the sum exact and independent of
   summation order (a float sum could differ in its last bit between two group_bys).
3. Perturbation. A p-table gives, for each original count i, a distribution over the published
   values i-D .. i+D; the cell key picks the value by its position in the cumulative
   distribution. Same cell, same key, same published value (consistency).

P-table construction (after Giessing 2016 and Enderle, Giessing & Tent 2018, the R package
``ptable``): for each i the distribution over the allowed values has mean exactly i (unbiased)
and variance V, and among those the maximum entropy (p_j proportional to exp(a d + b d^2),
d = j - i, found by Newton's method on the convex dual). Allowed values: 0 <= j, |j - i| <= D,
and j not in 1..js (no published 1..js; ``js`` <= D - 1, else the value js + 1 could not move
at all and would be published exactly). Zero maps to zero. Where the constraints make V
unreachable (i = 1 with js = 1: only 0 and 2, 3 are allowed) the variance is the one closest
to V that the constraints allow, from a two-point distribution (vertices of the feasible set
have at most two points, so the extremes are found by enumeration, no LP needed). For
i >= js + D + 1 nothing binds, so one row serves every larger i.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from .. import taxonomy
from ..tables import Report
from .audit import IntervalEngine, cell_protected, lower_bound_function, report_cells
from .pattern import CELL_KEYS, FOOTNOTE_SV, MagnitudeRule, apply_pattern
from .relations import Cell, build_relations
from .settings import ProtectionSettings, check_parameters
from .suppress import secondary

log = logging.getLogger(__name__)

KEY_BITS = 32
MOD = 1 << KEY_BITS


# --- record keys ----------------------------------------------------------------------------


class RecordKeys:
    """Keyed record keys for units; ``secret`` is installation-specific and never stored here."""

    def __init__(self, secret: bytes):
        if not secret:
            raise ValueError("Nyckeln för cellnycklar saknas.")
        # BLAKE2b takes a key of at most 64 bytes; a longer secret is condensed first.
        self._key = secret if len(secret) <= 64 else hashlib.blake2b(secret).digest()

    def key_of(self, label: bytes, value: object) -> int:
        data = label + b"\x00" + str(value).encode("utf-8")
        return int.from_bytes(hashlib.blake2b(data, key=self._key, digest_size=KEY_BITS // 8).digest(), "big")

    def column(self, frame: pl.DataFrame, source: str | pl.Expr, label: bytes, name: str) -> pl.DataFrame:
        """``frame`` with column ``name``: the record key (Int64 in [0, 2**32)) of ``source``.

        Hashing is done once per distinct value (a Python loop over distinct units, about a
        microsecond each); nulls get no key (null)."""
        expr = pl.col(source) if isinstance(source, str) else source
        values = frame.select(expr.alias("_v")).get_column("_v")
        distinct = values.drop_nulls().unique().to_list()
        keys = [self.key_of(label, v) for v in distinct]
        lookup = pl.DataFrame({"_v": distinct, name: keys}, schema={"_v": values.dtype, name: pl.Int64})
        return (
            frame.with_columns(expr.alias("_v"))
            .join(lookup, on="_v", how="left", maintain_order="left")
            .drop("_v")
        )


def cell_key_sum(column: str) -> pl.Expr:
    """Sum of record keys modulo 2**32 (an aggregation; see the module docstring)."""
    return pl.col(column).sum() % MOD


def as_cell_key(total: int) -> float:
    return (int(total) % MOD) / MOD


def cell_key_of(keys: Iterable[int]) -> float:
    """Cell key of a set of record keys (for tests and checks)."""
    return as_cell_key(sum(keys))


# --- the p-table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PTable:
    d: int
    v: float
    js: int
    # rows[i] = (values, probabilities) for original i; the last row, shifted, for larger i
    rows: tuple[tuple[tuple[int, ...], tuple[float, ...]], ...]

    def distribution(self, original: int) -> tuple[tuple[int, ...], tuple[float, ...]]:
        if original < 0:
            raise ValueError("Ett antal kan inte vara negativt.")
        top = len(self.rows) - 1
        if original <= top:
            return self.rows[original]
        values, probs = self.rows[top]
        return tuple(v + original - top for v in values), probs

    def perturb(self, original: int, cell_key: float) -> int:
        """The published value of a count with this cell key."""
        if not 0.0 <= cell_key < 1.0:
            raise ValueError("Cellnyckeln måste ligga i [0, 1).")
        values, probs = self.distribution(int(original))
        cumulative = 0.0
        for value, p in zip(values, probs):
            cumulative += p
            if cell_key < cumulative:
                return value
        return values[-1]  # rounding: the cumulative sum may end a hair below 1


def build_ptable(d: int = 2, v: float = 1.0, js: int = 1) -> PTable:
    check_parameters(d, v, js)
    rows = tuple(_row(i, d, v, js) for i in range(js + d + 2))
    return PTable(d=d, v=v, js=js, rows=rows)


def _row(i: int, d: int, v: float, js: int) -> tuple[tuple[int, ...], tuple[float, ...]]:
    if i == 0:
        return (0,), (1.0,)
    values = [j for j in range(max(0, i - d), i + d + 1) if not 1 <= j <= js]
    devs = [j - i for j in values]
    vertices = _vertices(devs)
    v_min = min(var for var, _ in vertices)
    v_max = max(var for var, _ in vertices)
    tol = 1e-12
    if v <= v_min + tol or v >= v_max - tol:
        # V is not reachable strictly inside: take the closest two-point distribution
        target = v_min if v <= v_min + tol else v_max
        probs = next(p for var, p in vertices if abs(var - target) <= tol)
    else:
        probs = _max_entropy(devs, v)
    kept = [(j, p) for j, p in zip(values, probs) if p > 0.0]
    return tuple(j for j, _ in kept), tuple(p for _, p in kept)


def _vertices(devs: list[int]) -> list[tuple[float, list[float]]]:
    """(variance, probabilities) of every distribution with mean 0 on at most two points."""
    out = []
    n = len(devs)
    for a in range(n):
        if devs[a] == 0:
            p = [0.0] * n
            p[a] = 1.0
            out.append((0.0, p))
        for b in range(n):
            lo, hi = devs[a], devs[b]
            if lo < 0 < hi:
                p = [0.0] * n
                p[a], p[b] = hi / (hi - lo), -lo / (hi - lo)
                out.append((float(-lo * hi), p))
    return out


def _max_entropy(devs: list[int], v: float) -> list[float]:
    """Maximum-entropy distribution on ``devs`` with mean 0 and variance ``v``.

    Minimises the convex dual f(a, b) = log sum exp(a d + b d^2) - b v with Newton's method;
    its gradient is (E d, E d^2 - v), its Hessian the covariance of (d, d^2)."""
    a = b = 0.0

    def moments(a: float, b: float):
        z = [a * x + b * x * x for x in devs]
        top = max(z)
        w = [math.exp(t - top) for t in z]
        s = sum(w)
        p = [x / s for x in w]
        m1 = sum(pi * x for pi, x in zip(p, devs))
        m2 = sum(pi * x * x for pi, x in zip(p, devs))
        m3 = sum(pi * x ** 3 for pi, x in zip(p, devs))
        m4 = sum(pi * x ** 4 for pi, x in zip(p, devs))
        f = top + math.log(s) - b * v
        return p, m1, m2, m3, m4, f

    p, m1, m2, m3, m4, f = moments(a, b)
    for _ in range(200):
        g1, g2 = m1, m2 - v
        if abs(g1) < 1e-14 and abs(g2) < 1e-14:
            break
        h11, h12, h22 = m2 - m1 * m1, m3 - m1 * m2, m4 - m2 * m2
        det = h11 * h22 - h12 * h12
        da, db = -(h22 * g1 - h12 * g2) / det, -(h11 * g2 - h12 * g1) / det
        step = 1.0
        while True:  # backtracking keeps Newton stable far from the optimum
            cand = moments(a + step * da, b + step * db)
            if cand[5] <= f + 1e-4 * step * (g1 * da + g2 * db) or step < 1e-10:
                break
            step /= 2
        a, b = a + step * da, b + step * db
        p, m1, m2, m3, m4, f = cand
    return p


# --- protecting a report --------------------------------------------------------------------


def protect_report_cellkey(report: Report, settings: ProtectionSettings) -> Report:
    """A new Report with perturbed counts and suppressed magnitudes; ``report`` is untouched.

    ``report`` must come from ``compute_tables(..., record_keys=...)``: every non-zero count
    carries its cell key in ``row["_cell_keys"]``. Magnitudes (nights, cost, amount) are not
    perturbed; they follow the suppression rules (row rule + secondary suppression, the LP on
    the magnitude relations only), see docs/disclosure.md."""
    if report.protected:
        raise ValueError("Rapporten är redan skyddad.")
    ptable = build_ptable(settings.cellkey_d, settings.cellkey_v, settings.cellkey_js)
    values, already_hidden = report_cells(report)
    if already_hidden:
        raise ValueError("Rapporten innehåller redan borttagna uppgifter.")
    present = set(values)
    rule = MagnitudeRule(report, present)

    published: dict[Cell, int] = {}
    for tid, table in report.tables.items():
        for row in table.rows:
            keys = row.get(CELL_KEYS) or {}
            for m in table.measures:
                if m not in taxonomy.COUNT_MEASURES:
                    continue
                value = int(row[m])
                if value == 0:
                    published[(tid, table.key(row), m)] = 0
                    continue
                if m not in keys:
                    raise ValueError(
                        f"Cellnyckel saknas för {table.title} ({m}); tabellerna måste räknas fram med "
                        "postnycklar för att kunna skyddas med cellnyckelmetoden."
                    )
                published[(tid, table.key(row), m)] = ptable.perturb(value, keys[m])

    # Magnitudes beside a small population count (true or published) are suppressed: no
    # published sum of nights or money covers fewer than `threshold` persons or households.
    # MagnitudeRule knows which populations each magnitude sums over: its own row's and the
    # linked rows of other tables (relations.population_links).
    t = settings.threshold
    primary: set[Cell] = {c for c, n in rule.small_population.items() if 1 <= n < t}
    small = {
        g for g in rule.dependents
        if 1 <= values.get(g, 0) < t or 1 <= published.get(g, 0) < t
    }
    primary |= rule.with_dependents(small) - small

    # The LP sees only relations among magnitudes (R2: nights and cost of a situation = sum of
    # its codes); counts are perturbed, not hidden, so no count relation constrains anything.
    all_relations = [
        r for r in build_relations(report.tables)
        if all(c[2] in taxonomy.MAGNITUDE_MEASURES for c, _ in r.terms)
    ]
    relations = [r for r in all_relations if r.holds(lambda c: values.get(c, 0.0))]
    skipped = sorted(r.name for r in all_relations if r not in relations)
    negative = sorted({f"{c[0]}.{c[2]}" for c, v in values.items() if v < 0 and c[2] not in taxonomy.COUNT_MEASURES})
    engine = IntervalEngine(relations, values, lower_bound_function(set(negative)))
    hidden = secondary(engine, values, primary, settings, rule, present)

    out, changed = apply_pattern(report, hidden, published)
    out.settings = dict(out.settings)
    out.settings["disclosure"] = {
        **settings.as_dict(),
        "perturbed_cells": len(published),
        "changed_cells": changed,
        "primary": len(primary),
        "secondary": len(hidden - primary),
        "skipped_relations": skipped,
        "negative_measures": negative,
    }
    out.method_notes = list(out.method_notes) + method_notes_sv(
        settings, len(primary), len(hidden - primary), FOOTNOTE_SV
    )
    return out


def method_notes_sv(settings: ProtectionSettings, n_primary: int, n_secondary: int, footnote: str) -> list[str]:
    d, t, js = settings.cellkey_d, settings.threshold, settings.cellkey_js
    small = (
        "" if js == 0 else
        (" Antalet 1 redovisas aldrig." if js == 1 else f" Antal från 1 till {js} redovisas aldrig.")
    )
    return [
        f"Röjandeskydd med cellnyckelmetoden (slumpmässig störning, samma metod som SCB använder i "
        f"befolkningsstatistiken från 2025): Antalen har slumpats något (högst ±{d}) för att skydda "
        f"enskilda personer; summor kan därför avvika från summan av delarna. Samma grupp av personer "
        f"får alltid samma störning, i alla tabeller. Noll redovisas som noll, men ett litet antal kan "
        f"redovisas som noll.{small}",
        f"Boendedygn, kostnader och belopp störs inte. De redovisas bara där radens antal personer, "
        f"hushåll och barn är 0 eller minst {t}, både före och efter störningen, och tas dessutom bort "
        f"där de annars skulle kunna räknas fram ur summor (varje borttaget belopp eller antal boendedygn "
        f"kan bara avgränsas till ett intervall som är minst {settings.magnitude_p:g} procent av sitt "
        f"största möjliga värde).",
        "Ingen uppgift har tagits bort för att skydda antalen, och antalen granskas inte med "
        "linjärprogrammering: skyddet bygger på störningen, inte på att uppgifter döljs.",
        f"I denna rapport: {n_primary} uppgifter om boendedygn eller belopp borttagna av primära skäl "
        f"och {n_secondary} av sekundära.",
        f"Borttagen uppgift: {footnote}.",
    ]


# --- checking a protected report -------------------------------------------------------------


def check_cellkey_report(protected: Report, settings: ProtectionSettings, unprotected: Report) -> list[str]:
    """Problems (Swedish, without figures) of a cell-key protected report; empty when fine.

    Every count within ±D of the true one and never in 1..js, zeros kept, every published
    magnitude true and not beside a small count, every suppressed magnitude's interval wide
    enough (the LP audit on the magnitude relations)."""
    problems: list[str] = []
    d, js, t = settings.cellkey_d, settings.cellkey_js, settings.threshold
    true_values, _ = report_cells(unprotected)
    values, hidden = report_cells(protected)
    for tid, table in protected.tables.items():
        for row in table.rows:
            key = table.key(row)
            for m in table.measures:
                cell = (tid, key, m)
                where = f"{table.title}, {m}"
                truth = true_values.get(cell)
                if truth is None:
                    problems.append(f"{where}: raden finns inte i underlaget")
                    continue
                if m in taxonomy.COUNT_MEASURES:
                    if cell in hidden:
                        problems.append(f"{where}: antal borttaget i stället för stört")
                        continue
                    v = values[cell]
                    if abs(v - truth) > d or v < 0 or 1 <= v <= js or (truth == 0 and v != 0):
                        problems.append(f"{where}: otillåten störning")
                elif cell not in hidden:
                    if values[cell] != truth:
                        problems.append(f"{where}: belopp eller boendedygn har ändrats")
                    small = any(
                        1 <= true_values.get((tid, key, x), 0) < t or 1 <= values.get((tid, key, x), 0) < t
                        for x in table.measures if x in taxonomy.POPULATION_MEASURES
                    )
                    if small:
                        problems.append(f"{where}: redovisas bredvid ett litet antal")
    magnitudes_hidden = {c for c in hidden if c[2] in taxonomy.MAGNITUDE_MEASURES}
    if magnitudes_hidden:
        relations = [
            r for r in build_relations(protected.tables)
            if all(c[2] in taxonomy.MAGNITUDE_MEASURES for c, _ in r.terms)
            and r.name not in set(protected.settings.get("disclosure", {}).get("skipped_relations", ()))
        ]
        negative = set(protected.settings.get("disclosure", {}).get("negative_measures", ()))
        engine = IntervalEngine(relations, values, lower_bound_function(negative))
        for cell, iv in engine.intervals(magnitudes_hidden).items():
            if not cell_protected(cell, iv, settings):
                problems.append(f"{protected.tables[cell[0]].title}, {cell[2]}: kan räknas fram för noga")
    return problems
