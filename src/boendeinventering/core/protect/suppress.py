"""Primary and secondary cell suppression (SPEC 7).

Primary: counts from 1 to threshold - 1; and wherever a persons or households count is
suppressed, the nights and money that sum over that population too (a sum over fewer than
`threshold` persons tells about individuals): the row's own, and occupancy nights of the code
(MagnitudeRule). A suppressed children count alone does not hide them: the row's persons,
over whom the sums run, are published.

Secondary: greedy and audit-driven. Audit the suppressed cells (audit.IntervalEngine); for
each cell whose interval is too narrow, look at the relations that pin it (the constraints
with non-zero dual values in its min/max LPs), try their cheapest published non-zero cells with
the LP and suppress the cheapest one that protects it (else the one that widens it most);
audit again; repeat. Each round suppresses at least one more cell, so the loop ends; when the
pinning relations offer nothing, the whole component's relations are searched, and an
impossible case raises DisclosureError rather than publishing. Cells and candidates are taken
in a fixed order, so the same report always gives the same pattern.
"""

from __future__ import annotations

import logging

from .. import taxonomy
from ..tables import Report
from .audit import (
    DisclosureError,
    IntervalEngine,
    active_relations,
    cell_protected,
    describe,
    lower_bound_function,
    report_cells,
)
from .pattern import FOOTNOTE_SV, MagnitudeRule, apply_pattern
from .relations import Cell, cell_order
from .settings import ProtectionSettings

log = logging.getLogger(__name__)

def _row_rule(cell: Cell, rule: MagnitudeRule, present: set[Cell]) -> set[Cell]:
    """The magnitudes that must go with a suppressed population count."""
    return set(rule.dependents.get(cell, set()))


def _primary(values: dict[Cell, float], settings: ProtectionSettings, rule: MagnitudeRule, present) -> set[Cell]:
    hidden = {c for c, v in values.items() if c[2] in taxonomy.COUNT_MEASURES and 1 <= v < settings.threshold}
    hidden = rule.with_dependents(hidden)
    hidden |= {c for c, n in rule.small_population.items() if 1 <= n < settings.threshold}
    return hidden


def secondary(engine: IntervalEngine, values: dict[Cell, float], hidden: set[Cell],
              settings: ProtectionSettings, rule, present: set[Cell]) -> set[Cell]:
    hidden = set(hidden)
    # Suppressing one more cell only relaxes the LP (a fixed value becomes free), so intervals
    # only ever widen: a cell once protected stays protected and is not audited again.
    passed: set[Cell] = set()
    while True:
        intervals = engine.intervals(hidden, hidden - passed, settings)
        passed |= {c for c, iv in intervals.items() if cell_protected(c, iv, settings)}
        failing = sorted(set(intervals) - passed, key=cell_order)
        if not failing:
            return hidden
        touched: set[int] = set()
        added: set[Cell] = set()
        for cell in failing:
            iv = intervals[cell]
            if iv.binding & touched:
                continue  # a cell added this round already loosens what pins it: look again next round
            new = _choose(engine, cell, iv, hidden, values, settings, rule, present)
            if not new:
                continue
            hidden |= new
            added |= new
            touched |= set(iv.binding)
            for c in new:
                touched.update(engine.relations_of.get(c, ()))
        if not added:
            raise DisclosureError(
                "Röjandeskyddet kunde inte uppnås: " + "; ".join(describe(c) for c in failing[:5])
                + (" m.fl." if len(failing) > 5 else "") + ". Uppgifterna kan inte publiceras."
            )


TRIALS = 8  # candidates tried per failing cell and pool, cheapest first


def _candidates(engine: IntervalEngine, relation_ids, hidden: set[Cell], values: dict[Cell, float]) -> list[Cell]:
    # Zero is published as zero (SPEC 7), so only non-zero published cells are candidates.
    cands = {
        cell
        for r in relation_ids
        for cell, _ in engine.relations[r].terms
        if cell not in hidden and values.get(cell, 0.0) != 0.0
    }
    # Least information lost first: the smallest value (a relation never mixes counts with
    # money, so values are compared within one kind), then a fixed order.
    return sorted(cands, key=lambda c: (abs(values[c]), cell_order(c)))


def _choose(engine: IntervalEngine, cell: Cell, iv, hidden: set[Cell], values: dict[Cell, float],
            settings: ProtectionSettings, rule, present: set[Cell]) -> set[Cell] | None:
    """The cells to suppress next for a failing ``cell``.

    First the relations that pin it (non-zero duals), then every relation of its component.
    Within a pool the cheapest candidates are tried with the LP: the cheapest one that protects
    the cell wins, else the one that widens its interval most. With nothing that helps, the
    cheapest candidate is taken anyway, so every round makes progress."""
    width = engine.intervals(hidden, {cell})[cell].width
    comp = engine.component(cell, hidden)
    fallback = None
    for relation_ids in (sorted(iv.binding), engine.component_relations(comp)):
        cands = _candidates(engine, relation_ids, hidden, values)
        if not cands:
            continue
        fallback = fallback or cands[0]
        best, best_width = None, width + 1e-6
        for cand in cands[:TRIALS]:
            new = {cand} | _row_rule(cand, rule, present)
            trial = engine.intervals(hidden | new, {cell})[cell]
            if cell_protected(cell, trial, settings):
                return new
            if trial.width > best_width:
                best, best_width = new, trial.width
        if best:
            return best
    return {fallback} | _row_rule(fallback, rule, present) if fallback else None


def protect_report_suppression(report: Report, settings: ProtectionSettings) -> Report:
    """A new Report with primary and secondary suppression; ``report`` is left untouched."""
    if report.protected:
        raise ValueError("Rapporten är redan skyddad.")
    values, already_hidden = report_cells(report)
    if already_hidden:
        raise ValueError("Rapporten innehåller redan borttagna uppgifter.")
    present = set(values)
    rule = MagnitudeRule(report, present)

    all_relations = active_relations(report, None)
    relations = [r for r in all_relations if r.holds(lambda c: values.get(c, 0.0))]
    skipped = sorted(r.name for r in all_relations if r not in relations)
    if skipped:
        # Names only: they say which tables disagree, never a figure.
        log.warning("Röjandeskydd: %d samband gäller inte för dessa uppgifter och används inte: %s",
                    len(skipped), "; ".join(skipped))
    negative = sorted({f"{c[0]}.{c[2]}" for c, v in values.items() if v < 0 and c[2] not in taxonomy.COUNT_MEASURES})

    engine = IntervalEngine(relations, values, lower_bound_function(set(negative)))
    primary = _primary(values, settings, rule, present)
    hidden = secondary(engine, values, primary, settings, rule, present)

    out, _ = apply_pattern(report, hidden)
    out.settings = dict(out.settings)
    out.settings["disclosure"] = {
        **settings.as_dict(),
        "primary": len(primary),
        "secondary": len(hidden - primary),
        "skipped_relations": skipped,
        "negative_measures": negative,
    }
    out.method_notes = list(out.method_notes) + method_notes_sv(settings, len(primary), len(hidden - primary))
    return out


def method_notes_sv(settings: ProtectionSettings, n_primary: int, n_secondary: int) -> list[str]:
    t = settings.threshold
    return [
        f"Röjandeskydd: antal personer, hushåll, barn eller ärenden från 1 till {t - 1} redovisas inte "
        f"(primär undertryckning). Noll redovisas som noll. Där ett antal personer eller hushåll "
        f"har tagits bort tas också de boendedygn, belopp och den beläggning bort som gäller just dem.",
        f"Ytterligare uppgifter har tagits bort (sekundär undertryckning) så att ingen borttagen uppgift "
        f"kan räknas fram ur summor, andra tabeller eller att antal aldrig är negativa: varje borttaget "
        f"antal kan bara avgränsas till ett intervall som är minst {settings.width} brett, och varje "
        f"borttaget belopp eller antal boendedygn till ett intervall som är minst "
        f"{settings.magnitude_p:g} procent av sitt största möjliga värde.",
        f"I denna rapport: {n_primary} uppgifter borttagna av primära skäl och {n_secondary} av sekundära.",
        f"Borttagen uppgift: {FOOTNOTE_SV}.",
    ]
