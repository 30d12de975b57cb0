"""What a suppression pattern means for a report, shared by both methods and the audit.

`MagnitudeRule` says which nights, money and occupancy describe which population counts;
`apply_pattern` writes a set of suppressed cells (and, for the cell-key method, perturbed
counts) into a copy of the report. Suppression (suppress.py), the cell-key method (cellkey.py),
the audit (audit.py), the Tau-Argus comparison and the tests all use these, so the
imports run one way: settings, relations → pattern → audit → suppress → cellkey → __init__.
"""

from __future__ import annotations

import copy

from .. import taxonomy
from ..tables import Report
from .relations import Cell, cell_order, population_links
from .settings import ProtectionSettings

FOOTNOTE_SV = "Uppgiften har tagits bort för att skydda enskilda personers integritet"
# Private row entries that never leave the protection step: the distinct persons behind a
# row's sums, and the cell keys of the cell-key method.
CELL_KEYS = "_cell_keys"  # measure -> cell key in [0, 1) (cellkey.py); never exported
PRIVATE_ENTRIES = ("_population", CELL_KEYS)


class MagnitudeRule:
    """Which magnitudes (nights, money, occupancy) describe which population counts.

    A magnitude goes wherever a count of the population it sums over is suppressed: the
    persons or households of its own row (taxonomy.POPULATION_MEASURES), and for the tables
    relations.population_links names (occupancy per code) the persons/households of another
    table's row. A row may also carry its own population privately (``row["_population"]``,
    distinct persons; never exported): 1..threshold-1 hides its magnitudes in the primary step."""

    def __init__(self, report: Report, present: set[Cell]):
        self.guards: dict[Cell, set[Cell]] = {}  # magnitude -> population cells
        self.dependents: dict[Cell, set[Cell]] = {}  # population cell -> magnitudes
        self.small_population: dict[Cell, int] = {}
        for tid, table in report.tables.items():
            magnitudes = [m for m in table.measures if m in taxonomy.MAGNITUDE_MEASURES]
            if not magnitudes:
                continue
            for row in table.rows:
                key = table.key(row)
                own = {(tid, key, p) for p in table.measures if p in taxonomy.POPULATION_MEASURES}
                linked = set(population_links(tid, key))
                for m in magnitudes:
                    cell = (tid, key, m)
                    if cell not in present:
                        continue
                    guards = {c for c in own | linked if c in present}
                    self.guards[cell] = guards
                    for g in guards:
                        self.dependents.setdefault(g, set()).add(cell)
                    if "_population" in row:
                        self.small_population[cell] = int(row["_population"] or 0)

    def with_dependents(self, cells: set[Cell]) -> set[Cell]:
        out = set(cells)
        for c in cells:
            out |= self.dependents.get(c, set())
        return out

    def exposed(self, hidden: set[Cell], settings: ProtectionSettings) -> list[Cell]:
        """Published magnitudes beside a hidden population (the audit's check)."""
        t = settings.threshold
        return sorted(
            (cell for cell, guards in self.guards.items()
             if cell not in hidden and (guards & hidden or 1 <= self.small_population.get(cell, 0) < t)),
            key=cell_order,
        )



def apply_pattern(report: Report, hidden: set[Cell], published: dict[Cell, int] | None = None) -> tuple[Report, int]:
    """A protected copy of ``report``: the ``hidden`` cells set to None and named in each row's
    ``suppressed`` list, the ``published`` (perturbed) counts written over the true ones, the
    private entries dropped. Returns the copy and how many published counts differ from the
    true ones. ``report`` is left untouched."""
    out = copy.deepcopy(report)
    changed = 0
    for tid, table in out.tables.items():
        for row in table.rows:
            for private in PRIVATE_ENTRIES:
                row.pop(private, None)
            key = table.key(row)
            if published:
                for m in table.measures:
                    if (tid, key, m) in published:
                        changed += published[(tid, key, m)] != row[m]
                        row[m] = published[(tid, key, m)]
            gone = [m for m in table.measures if (tid, key, m) in hidden]
            for m in gone:
                row[m] = None
            row["suppressed"] = gone
    out.protected = True
    return out, changed
