"""Several inventory years side by side (SPEC 8): loads the years and adds core/flows' tables.

Each year's persons come from that year's own imports (and untagged ones), classified with the
mapping in force now, by the same code as the year's own tables: the report's year hands over the
persons its tables found (measure.compute_year), earlier years are read and classified here
(measure.year_persons). A year HAS DATA when an active ``insatser`` import is tagged with
it. Flows join persons on their keyed pseudonyms, so they assume that every year was imported
with the installation's one key (docs/gallring.md).
"""

from __future__ import annotations

import datetime as dt
import logging

import polars as pl

from boendeinventering.core.classify import Mapping
from boendeinventering.core.flows import TREND_YEARS, exits_tables, flow_tables
from boendeinventering.core.measure import year_persons
from boendeinventering.core.schema import MEASURE_PAYMENTS, MEASURE_STAYS
from boendeinventering.core.tables import Table
from boendeinventering.inventory.models import ImportBatch
from boendeinventering.services.storage import active_batches, active_rows

log = logging.getLogger("boendeinventering.history")


def key_fingerprint() -> str:
    """The installation key's fingerprint (the one the database keeps, core.pseudonymise): says
    whether two imports were made with the same key, and reveals nothing about it."""
    from boendeinventering.core.pseudonymise import key_fingerprint as fingerprint_of
    from boendeinventering.services.installation import key

    return fingerprint_of(key())


def stamp_key_fingerprint(sender, instance, **kwargs) -> None:
    """pre_save of ImportBatch (inventory/apps.py): record the key a new import is made with."""
    if not instance.key_fingerprint and instance.pk is None:
        try:
            instance.key_fingerprint = key_fingerprint()
        except Exception:  # no readable key: the import itself reports that; unknown = ""
            log.warning("Nyckelns fingeravtryck kunde inte läsas för importen.")


def fingerprints(year: int) -> set[str]:
    """The key fingerprints of the active imports a year's figures read (tagged or untagged)."""
    from django.db.models import Q

    found = (ImportBatch.objects.filter(active=True).filter(Q(year=year) | Q(year__isnull=True))
             .exclude(key_fingerprint="").values_list("key_fingerprint", flat=True).distinct())
    return set(found)


def key_change(year: int, earlier: list[int]) -> list[int]:
    """The earlier years whose imports were made with another key than ``year``'s.

    Imports from before fingerprints were recorded have none and count as the same key."""
    own = fingerprints(year)
    return [x for x in earlier if own and fingerprints(x) - own]


def years_with_data() -> list[int]:
    """Years with at least one active ``insatser`` import tagged with them (SPEC 8), ascending."""
    years = (ImportBatch.objects.filter(active=True, kind="insatser", year__isnull=False)
             .values_list("year", flat=True).distinct())
    return sorted(set(years))


def years_for(year: int) -> list[int]:
    """The years a report for ``year`` draws on: ``year`` and up to four earlier years with data
    (that also covers Y-1 and Y-2 for the flows, when they have data)."""
    earlier = [x for x in years_with_data() if x < year][-(TREND_YEARS - 1):]
    return [*earlier, year]


# What the earlier years need: who was where (no sex, age, cost, unit). Reading only these
# columns of each import's Parquet document is what keeps five years within twice one year.
_NARROW_STAYS = {"person": pl.Int64, "insats": pl.Utf8, "start_date": pl.Date, "end_date": pl.Date,
                 "nights": pl.Int64}
_NARROW_PAYMENTS = {"person": pl.Int64, "purpose": pl.Utf8, "payment_date": pl.Date}


def _complete(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """``frame`` with ``schema``'s other columns as nulls (year_persons does not read them)."""
    return frame.with_columns(*(pl.lit(None, dtype=t).alias(c) for c, t in schema.items()
                                if c not in frame.columns)).select(list(schema))


def _persons_of(year: int, mapping: Mapping, stays: pl.DataFrame | None = None,
                payments: pl.DataFrame | None = None, reference_date: dt.date | None = None):
    if stays is None or payments is None:  # an earlier year: who was where, nothing more
        stays = _complete(active_rows("insatser", _NARROW_STAYS, year), MEASURE_STAYS)
        payments = _complete(active_rows("utbetalningar", _NARROW_PAYMENTS, year), MEASURE_PAYMENTS)
        return year_persons(stays, payments, mapping, year, attributes=False)
    return year_persons(stays.select(list(MEASURE_STAYS)), payments.select(list(MEASURE_PAYMENTS)),
                        mapping, year, reference_date)


def year_over_year_tables(year: int, mapping: Mapping, *, persons: dict[str, pl.DataFrame] | None = None,
                          stays: pl.DataFrame | None = None, payments: pl.DataFrame | None = None,
                          reference_date: dt.date | None = None, record_keys=None) -> dict[str, Table]:
    """SPEC 8's tables (and length of stay) for the report of ``year``.

    ``persons``: the year's own persons as the year's tables found them (measure.compute_year,
    figures.build_report), so the year is not classified again. Else ``stays``/``payments``: the
    year's own frames when the caller has loaded them already, so they are not read twice; else
    they are read. Earlier years use their own 31 December as reference date; only their persons
    and situations are used, not their ages."""
    own = persons if persons is not None else _persons_of(year, mapping, stays, payments, reference_date)
    persons_by_year = {year: own}
    for x in years_for(year)[:-1]:
        persons_by_year[x] = _persons_of(x, mapping)
    log.info("history year=%s years=%s", year, sorted(persons_by_year))
    tables = flow_tables(persons_by_year, year, record_keys)
    changed = key_change(year, [x for x in (year - 1, year - 2) if x in persons_by_year])
    if not changed:
        tables.update(exits_tables(persons_by_year, year, record_keys))
    else:
        # Another key gives every person another pseudonym: flows would show everyone as new
        # and nobody as continuing. No flows, rather than wrong ones (docs/gallring.md).
        log.warning("history year=%s: key changed since %s, flows left out", year, changed)
        for table_id in ("acute_inflow", "acute_outflow"):  # (and no q9/q10 exits tables)
            tables.pop(table_id, None)
        for table_id in ("trend_by_situation", "acute_trend"):
            tables[table_id].note += (
                f" Flöden in i och ut ur akut hemlöshet redovisas inte: uppgifterna för "
                f"{', '.join(map(str, changed))} importerades med en annan pseudonymiseringsnyckel, så samma "
                "person kan inte kännas igen mellan åren."
            )
    tables.update(eviction_tables(year, cellkey=record_keys is not None))
    return tables


def eviction_tables(year: int, *, cellkey: bool = False) -> dict[str, Table]:
    """Evictions year by year (issue 11 item 5): the units' eviction forms of ``year`` and up to
    four years before it (``form_avhysning_by_year``) and Kronofogden's statistics of the same
    years when imported (``kronofogden_by_year``). They pass disclosure control with the rest."""
    from boendeinventering.core.answers.forms import eviction_trend_table
    from boendeinventering.core.kronofogden import kronofogden_table
    from boendeinventering.reporting.services import forms_input, kronofogden_years

    window = range(year - TREND_YEARS + 1, year + 1)
    forms = {x: found for x in window if (found := forms_input(x)) is not None}
    out = {t.id: t for t in (eviction_trend_table(forms), kronofogden_table(kronofogden_years(window)))
           if t is not None}
    if cellkey:
        _cell_keys(out)
    return out


def _cell_keys(tables: dict[str, Table]) -> None:
    """Cell keys (cell-key method) as for the forms' tables: a year's row of the eviction trend
    gets the key of that year's own ``form_avhysning`` cell, so the same count gets the same
    noise in every report that shows it (two noisy copies could be averaged)."""
    from boendeinventering.core.answers.forms import T_EVICTIONS, T_EVICTIONS_BY_YEAR
    from boendeinventering.core.protect.pattern import CELL_KEYS
    from boendeinventering.services.figures import _form_cell_keys

    for table in tables.values():
        if table.id != T_EVICTIONS_BY_YEAR:
            _form_cell_keys({table.id: table})
            continue
        for row in table.rows:
            own = Table(T_EVICTIONS, "", [], table.measures, [{m: row[m] for m in table.measures}])
            _form_cell_keys({T_EVICTIONS: own})
            if CELL_KEYS in own.rows[0]:
                row[CELL_KEYS] = own.rows[0][CELL_KEYS]


# --- recurring needs signals: which signals fired in earlier years ------------------------------
# figures.earlier_signals asks signals_of_year for each earlier year.

def signals_of_year(year: int) -> list | None:
    """The needs signals that fired in an earlier ``year`` (figures.earlier_signals; the ids are
    what core/signals.mark_recurring reads), or None when its report does not pass disclosure control.

    A published year's signals are recomputed by today's rules from its published snapshot (the
    figures readers saw). A year not published is built as a protected report without its own
    history, once: its signals are kept (``SignalHistory``) with a fingerprint of everything they
    depend on, and reused while that is unchanged, so the next year's report does not build the
    earlier years' whole reports every time. Both read only protected cells."""
    from boendeinventering.core.signals import build_signals
    from boendeinventering.core.tables import Signal
    from boendeinventering.reporting.models import SignalHistory
    from boendeinventering.services import figures

    published = figures.published_report(year)
    if published is not None:
        return build_signals(published, figures.signal_settings())
    fingerprint = signal_inputs_fingerprint(year)
    stored = SignalHistory.objects.filter(year=year, fingerprint=fingerprint).first()
    if stored is None:
        signals = _built_signals(year)
        SignalHistory.objects.update_or_create(year=year, defaults={
            "fingerprint": fingerprint, "passed": signals is not None,
            "signals": [[s.id, s.title] for s in signals or []]})
        return signals
    log.info("history year=%s: signals from the kept computation", year)
    return [Signal(sid, title, "", "") for sid, title in stored.signals] if stored.passed else None


def _built_signals(year: int) -> list | None:
    from boendeinventering.core.protect import DisclosureError
    from boendeinventering.organisation.models import InventoryYear
    from boendeinventering.services import figures

    inventory_year = InventoryYear.objects.filter(year=year).first()
    reference_date = inventory_year.effective_reference_date if inventory_year else None
    try:
        return figures.build_report(year, protected=True, reference_date=reference_date, with_history=False).signals
    except DisclosureError:
        log.warning("history year=%s: earlier year's report did not pass disclosure control; no signals", year)
        return None


def signal_inputs_fingerprint(year: int) -> str:
    """SHA-256 of everything a year's protected report without history, and so its signals,
    depends on: the active imports it reads (an import's rows never change), the mapping, the
    year's submitted forms, units and reference date, the disclosure and signal settings, the
    municipality, the key's fingerprint and the program's code. A change to any of them recomputes the signals."""
    import dataclasses
    import hashlib
    import json

    from boendeinventering.inventory.models import MappingEntry
    from boendeinventering.organisation.models import InventoryYear
    from boendeinventering.reporting.services import forms_input
    from boendeinventering.services import figures
    from boendeinventering.services.installation import current_installation

    inventory_year = InventoryYear.objects.filter(year=year).first()
    forms = forms_input(year)
    inputs = {
        "code": _code_digest(),
        "kommun": current_installation().kommun,
        "key": key_fingerprint(),  # the cell-key method's noise comes from the key
        "batches": sorted(active_batches(year=year).values_list("id", flat=True)),
        "mapping": sorted(MappingEntry.objects.values_list("local_name", "code")),
        "reference_date": str(inventory_year.effective_reference_date if inventory_year else None),
        "forms": dataclasses.asdict(forms) if forms is not None else None,
        "protection": dataclasses.asdict(figures.protection_settings()),
        "signal_settings": dataclasses.asdict(figures.signal_settings()),
    }
    text = json.dumps(inputs, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _code_digest() -> str:
    """A digest of the source that computes a report (the core, and figures.py that drives it):
    an update of the program, or a rule changed in development, recomputes. Read once per process."""
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        import hashlib
        from pathlib import Path

        import boendeinventering.core as core

        digest = hashlib.sha256()
        for path in [*sorted(Path(core.__file__).parent.rglob("*.py")), Path(__file__).with_name("figures.py")]:
            digest.update(path.read_bytes())
        _CODE_DIGEST = digest.hexdigest()
    return _CODE_DIGEST


_CODE_DIGEST: str | None = None
