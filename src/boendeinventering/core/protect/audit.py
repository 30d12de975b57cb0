"""The LP audit: how well is each suppressed cell hidden, given everything else published?

For every suppressed cell the audit solves min and max of its value subject to every published
cell as a fixed value, every relation of relations.py, and the bounds an outsider knows:
suppressed counts are at least 1 (zero is always published, SPEC 7), magnitudes at least 0.
The LP is the usual relaxation (Tau-Argus and sdcTable audit the same way): integrality could
only narrow an interval by less than one unit at each end.

Suppressed cells that share no relation never influence each other, so the LP is split into
connected components (cells linked through relations); each component's constraint matrix is
built once (scipy.sparse) and reused for all its 2 x n solves, and solved components are cached
by their set of cells, which is what makes the secondary suppression loop cheap.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Set
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

try:  # HiGHS through its public Python package (a declared dependency); linprog is the fallback
    import highspy

    USE_DIRECT_HIGHS = True
except ImportError:  # pragma: no cover - only where highspy has no wheel for the platform
    USE_DIRECT_HIGHS = False

from .. import taxonomy
from ..tables import Report
from .pattern import MagnitudeRule
from .relations import Cell, Relation, build_relations, cell_order
from .settings import ProtectionSettings

INF = math.inf
_TOL = 1e-6
_CAP = 1e10  # far above any count, night or krona sum of one municipality


class DisclosureError(Exception):
    """Raised when figures cannot be published safely (the audit failed). Swedish message."""


@dataclass(frozen=True)
class Interval:
    lower: float
    upper: float
    binding: frozenset[int] = frozenset()  # relations that pin the bounds (non-zero duals)
    feasible: bool = True

    @property
    def width(self) -> float:
        return self.upper - self.lower


def is_count(measure: str) -> bool:
    return measure in taxonomy.COUNT_MEASURES


@functools.lru_cache(maxsize=65536)
def cell_protected(cell: Cell, iv: Interval, settings: ProtectionSettings) -> bool:
    if not iv.feasible:
        return False
    if is_count(cell[2]):
        return iv.width >= settings.width - _TOL
    if math.isinf(iv.upper):
        return True
    return iv.width >= settings.magnitude_p / 100.0 * abs(iv.upper) - _TOL


class IntervalEngine:
    """Feasible intervals of suppressed cells, for a fixed set of relations and known values.

    ``values`` holds the value of every cell that may be published (for protection: the true
    values; for an audit: the published ones). Values of suppressed cells are never read.
    """

    def __init__(self, relations: list[Relation], values: dict[Cell, float],
                 lower_bound: Callable[[Cell], float]):
        self.relations = relations
        self.values = values
        self.lower_bound = lower_bound
        self.relations_of: dict[Cell, list[int]] = {}
        for i, rel in enumerate(relations):
            for cell, _ in rel.terms:
                self.relations_of.setdefault(cell, []).append(i)
        self.neighbours: dict[Cell, set[Cell]] = {
            cell: {other for r in rels for other, _ in relations[r].terms} - {cell}
            for cell, rels in self.relations_of.items()
        }
        self._lps: dict[frozenset, _ComponentLP] = {}

    def component(self, start: Cell, suppressed: set[Cell]) -> list[Cell]:
        """The suppressed cells linked to ``start`` through relations, in cell order."""
        seen, stack = {start}, [start]
        while stack:
            for other in self.neighbours.get(stack.pop(), ()):
                if other in suppressed and other not in seen:
                    seen.add(other)
                    stack.append(other)
        return sorted(seen, key=cell_order)

    def component_relations(self, comp: list[Cell]) -> list[int]:
        return sorted({r for c in comp for r in self.relations_of.get(c, ())})

    def intervals(self, suppressed: set[Cell], targets: set[Cell] | None = None,
                  settings: ProtectionSettings | None = None) -> dict[Cell, Interval]:
        """Intervals of ``targets`` (default: every suppressed cell).

        With ``settings`` the search stops as soon as the verdict is known (max unbounded:
        protected; max too close to the lower bound: not protected); the lower end is then the
        cell's own bound, which is enough to decide cell_protected but is not the exact minimum.
        """
        out: dict[Cell, Interval] = {}
        for start in sorted(suppressed if targets is None else targets, key=cell_order):
            if start in out:
                continue
            comp = self.component(start, suppressed)
            todo = [c for c in comp if targets is None or c in targets]
            key = frozenset(comp)
            lp = self._lps.get(key)
            if lp is None:
                lp = self._lps[key] = _ComponentLP(self, comp)
            for cell in todo:
                out[cell] = lp.interval(cell, settings)
        return out


class _ComponentLP:
    """The LP of one connected component of suppressed cells, built once (scipy.sparse).

    Rows are ``row_lower <= A x <= row_upper``, one per relation (an equality with a rounding
    tolerance is one ranged row). Solved through the HiGHS that scipy bundles: directly (one
    HiGHS model per component, only the objective changes between solves, so each solve
    starts from the previous basis: about 7x faster than a fresh linprog call), or, where that
    binding is missing, through ``scipy.optimize.linprog(method="highs")``; both give the same
    intervals (tests/test_audit.py checks this).
    """

    def __init__(self, engine: IntervalEngine, comp: list[Cell]):
        self.comp = comp
        self.index = {c: i for i, c in enumerate(comp)}
        self.lower_bound = engine.lower_bound
        n = len(comp)
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        lower: list[float] = []
        upper: list[float] = []
        self.row_rel: list[int] = []
        for r in engine.component_relations(comp):
            rel = engine.relations[r]
            const = 0.0
            for cell, a in rel.terms:
                if cell in self.index:
                    rows.append(len(lower))
                    cols.append(self.index[cell])
                    vals.append(a)
                else:
                    const += a * engine.values.get(cell, 0.0)
            bound = rel.rhs - const
            lower.append(-INF if rel.sense == "<=" else bound - rel.tol)
            upper.append(bound + rel.tol)
            self.row_rel.append(r)
        self.matrix = sp.csc_array((vals, (rows, cols)), shape=(len(lower), n))
        self.row_lower, self.row_upper = np.array(lower), np.array(upper)
        # A finite cap on every variable: HiGHS' presolve can call an unbounded maximisation
        # "infeasible"; with the cap it is bounded, and reaching the cap means unbounded.
        self.col_lower = np.array([max(self.lower_bound(c), -_CAP) for c in comp])
        self.col_upper = np.full(n, _CAP)
        self.cache: dict[tuple[Cell, bool], Interval] = {}
        self._highs = None
        if USE_DIRECT_HIGHS and lower:
            self._highs = self._direct_model()

    def _direct_model(self):
        n, m = len(self.comp), len(self.row_lower)
        lp = highspy.HighsLp()
        lp.num_col_ = lp.a_matrix_.num_col_ = n
        lp.num_row_ = lp.a_matrix_.num_row_ = m
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = self.matrix.indptr
        lp.a_matrix_.index_ = self.matrix.indices
        lp.a_matrix_.value_ = self.matrix.data
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_, lp.col_upper_ = self.col_lower, self.col_upper
        lp.row_lower_, lp.row_upper_ = self.row_lower, self.row_upper
        # highspy's plain binding (exported in its __all__): highspy.Highs adds a Python callback
        # layer whose set-up prints HiGHS' banner to stdout, into the CLI's output.
        highs = highspy._Highs()
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("presolve", "off")  # tiny LPs, re-solved from the previous basis
        highs.passModel(lp)
        self._cols = np.arange(n, dtype=np.int32)
        return highs

    def _solve(self, cost: np.ndarray) -> tuple[float, np.ndarray] | None:
        """(min of cost @ x, row duals), or None when infeasible."""
        if self._highs is not None:
            h = self._highs
            h.changeColsCost(len(cost), self._cols, cost)
            h.run()
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None
            return h.getInfo().objective_function_value, np.asarray(h.getSolution().row_dual)
        eq = self.row_lower == self.row_upper
        upper_side = ~eq & np.isfinite(self.row_upper)
        lower_side = ~eq & np.isfinite(self.row_lower)
        a_ub = sp.vstack([self.matrix[upper_side], -self.matrix[lower_side]]).tocsc()
        b_ub = np.concatenate([self.row_upper[upper_side], -self.row_lower[lower_side]])
        res = linprog(cost, A_ub=a_ub if b_ub.size else None, b_ub=b_ub if b_ub.size else None,
                      A_eq=self.matrix[eq] if eq.any() else None, b_eq=self.row_lower[eq] if eq.any() else None,
                      bounds=list(zip(self.col_lower, self.col_upper)), method="highs")
        if res.status != 0:
            return None
        duals = np.zeros(len(self.row_lower))
        if b_ub.size:
            m_ub = res.ineqlin.marginals
            duals[np.flatnonzero(upper_side)] += m_ub[: upper_side.sum()]
            duals[np.flatnonzero(lower_side)] -= m_ub[upper_side.sum():]
        if eq.any():
            duals[np.flatnonzero(eq)] += res.eqlin.marginals
        return res.fun, duals

    def _end(self, i: int, sign: float) -> tuple[float, set[int], bool]:
        """The min (sign 1) or max (sign -1) of x_i, the relations that bind it, feasible."""
        cost = np.zeros(len(self.comp))
        cost[i] = sign
        solved = self._solve(cost)
        if solved is None:
            return math.nan, set(), False
        fun, duals = solved
        end = sign * fun
        if abs(end) >= _CAP * (1 - 1e-9):
            return math.copysign(INF, end), set(), True  # unbounded: nothing pins it
        binding = {self.row_rel[k] for k in np.flatnonzero(np.abs(duals) > 1e-9)}
        return end, binding, True

    def interval(self, cell: Cell, settings: ProtectionSettings | None) -> Interval:
        key = (cell, settings is None)
        if key in self.cache:
            return self.cache[key]
        if not self.row_rel:  # in no relation: only its own bounds
            iv = Interval(self.lower_bound(cell), INF)
        else:
            i = self.index[cell]
            upper, binding, feasible = self._end(i, -1.0)
            lower = self.lower_bound(cell)
            # min >= own lower bound, so an unbounded max or a max too close to that bound
            # already decides the verdict
            quick = settings is not None and feasible and (
                math.isinf(upper) or not cell_protected(cell, Interval(lower, upper), settings))
            if not quick and feasible:
                lower, low_binding, feasible = self._end(i, 1.0)
                binding |= low_binding
            iv = Interval(lower if feasible else math.nan, upper if feasible else math.nan,
                          frozenset(binding), feasible)
        self.cache[key] = iv
        return iv


# --- the audit of a report -------------------------------------------------------------------


@dataclass
class AuditCell:
    table: str
    key: tuple
    measure: str
    lower: float
    upper: float
    true_value: float | None = None


@dataclass
class AuditResult:
    ok: bool
    cells: list[AuditCell] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def as_text(self) -> str:
        lines = ["Granskning av röjandeskyddet: " + ("godkänd" if self.ok else "UNDERKÄND"),
                 f"Undertryckta uppgifter: {len(self.cells)}", ""]
        header = ("Tabell", "Rad", "Mått", "Nedre gräns", "Övre gräns", "Bredd", "Sant värde")
        body = [
            (c.table, ", ".join(str(v) for v in c.key) or "(total)",
             taxonomy.MEASURE_NAMES_SV.get(c.measure, c.measure),
             _num(c.lower), _num(c.upper), _num(c.upper - c.lower),
             "" if c.true_value is None else _num(c.true_value))
            for c in self.cells
        ]
        widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
        for r in [header, tuple("-" * w for w in widths), *body]:
            lines.append("  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())
        if self.problems:
            lines += ["", "Problem:"] + [f"- {p}" for p in self.problems]
        return "\n".join(lines) + "\n"


def _num(x: float) -> str:
    if math.isnan(x):
        return "?"
    if math.isinf(x):
        return "obegränsad"
    return str(int(round(x))) if abs(x - round(x)) < 1e-6 else f"{x:.2f}"


def describe(cell: Cell) -> str:
    tid, key, measure = cell
    where = ", ".join(str(v) for v in key) or "total"
    return f"{tid} [{where}] {taxonomy.MEASURE_NAMES_SV.get(measure, measure).lower()}"


def report_cells(report: Report) -> tuple[dict[Cell, float], set[Cell]]:
    """(published values, suppressed cells) of a report's tables."""
    values: dict[Cell, float] = {}
    suppressed: set[Cell] = set()
    for tid, table in report.tables.items():
        for row in table.rows:
            key = table.key(row)
            hidden = set(row.get("suppressed") or ())
            for m in table.measures:
                v = row.get(m)
                if m in hidden or v is None:
                    suppressed.add((tid, key, m))
                else:
                    values[(tid, key, m)] = float(v)
    return values, suppressed


def lower_bound_function(negative_measures: Set[str] = frozenset()) -> Callable[[Cell], float]:
    def lower(cell: Cell) -> float:
        if is_count(cell[2]):
            return 1.0  # zero is always published, so a hidden count is at least 1
        return -INF if f"{cell[0]}.{cell[2]}" in negative_measures else 0.0

    return lower


def active_relations(report: Report, true_values: dict[Cell, float] | None) -> list[Relation]:
    """Relations of the report, without those its protection found not to hold for the data."""
    info = report.settings.get("disclosure", {}) if isinstance(report.settings, dict) else {}
    skipped = set(info.get("skipped_relations", ()))
    rels = [r for r in build_relations(report.tables) if r.name not in skipped]
    if true_values is not None:
        rels = [r for r in rels if r.holds(lambda c: true_values.get(c, 0.0))]
    return rels


def audit_report(protected: Report, settings: ProtectionSettings | None = None,
                 unprotected: Report | None = None) -> AuditResult:
    settings = settings or ProtectionSettings()
    values, suppressed = report_cells(protected)
    problems: list[str] = []
    truth: dict[Cell, float] | None = None
    if unprotected is not None:
        truth, _ = report_cells(unprotected)
    info = protected.settings.get("disclosure", {}) if isinstance(protected.settings, dict) else {}
    engine = IntervalEngine(active_relations(protected, truth), values,
                            lower_bound_function(set(info.get("negative_measures", ()))))
    intervals = engine.intervals(suppressed)

    cells = []
    for cell in sorted(suppressed, key=cell_order):
        iv = intervals[cell]
        true_value = truth.get(cell, 0.0) if truth is not None else None
        cells.append(AuditCell(cell[0], cell[1], cell[2], iv.lower, iv.upper, true_value))
        if not iv.feasible:
            problems.append(f"{describe(cell)}: tabellerna går inte ihop (motstridiga uppgifter).")
        elif not cell_protected(cell, iv, settings):
            need = (f"minst {settings.width}" if is_count(cell[2])
                    else f"minst {settings.magnitude_p:g} % av övre gränsen")
            problems.append(f"{describe(cell)}: kan räknas fram till intervallet [{_num(iv.lower)}, {_num(iv.upper)}], "
                            f"bredd {_num(iv.width)} ({need} krävs).")
        if true_value is not None and iv.feasible and not (iv.lower - 1e-4 <= true_value <= iv.upper + 1e-4):
            problems.append(f"{describe(cell)}: det sanna värdet ligger utanför intervallet.")

    for cell, v in sorted(values.items(), key=lambda kv: cell_order(kv[0])):
        if is_count(cell[2]) and 1 <= v < settings.threshold:
            problems.append(f"{describe(cell)}: värdet {_num(v)} är publicerat men under tröskeln "
                            f"{settings.threshold}.")
        if truth is not None and abs(truth.get(cell, 0.0) - v) > 1e-9:
            problems.append(f"{describe(cell)}: det publicerade värdet skiljer sig från det sanna.")
    if truth is not None:
        for cell in sorted(set(truth) - set(values) - suppressed, key=cell_order):
            if truth[cell] != 0:
                problems.append(f"{describe(cell)}: uppgiften saknas i den skyddade rapporten.")
    # No nights, money or occupancy beside a suppressed population (pattern.MagnitudeRule):
    # the same row's persons/households, and the linked rows of relations.population_links.
    hidden_all = set(suppressed)
    rule = MagnitudeRule(unprotected if unprotected is not None else protected, set(values) | hidden_all)
    for cell in rule.exposed(hidden_all, settings):
        problems.append(f"{describe(cell)}: publicerad trots att antalet personer eller hushåll den gäller "
                        "är undertryckt.")
    return AuditResult(ok=not problems, cells=cells, problems=problems)
