"""Compiling the year's figures from stored extracts: classify -> measure -> protect -> report."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from django.conf import settings

from boendeinventering.core import quality as quality_rules
from boendeinventering.core.measure import compute_year, dated_in_year, stays_in_year
from boendeinventering.core.protect import ProtectionSettings, protect_report
from boendeinventering.core.report.exporters import get_exporter
from boendeinventering.core.schema import MEASURE_DEBT_CASES, MEASURE_PAYMENTS, MEASURE_PLACES, MEASURE_STAYS
from boendeinventering.core.tables import Report
from boendeinventering.inventory.models import ImportBatch
from boendeinventering.services import history
from boendeinventering.services.installation import current_installation
from boendeinventering.services.installation import key as installation_key
from boendeinventering.services.mapping import current_mapping
from boendeinventering.services.storage import active_batches, active_rows

if TYPE_CHECKING:
    from boendeinventering.core.protect import RecordKeys

log = logging.getLogger("boendeinventering.figures")


@dataclass
class YearData:
    stays: pl.DataFrame
    payments: pl.DataFrame
    debt_cases: pl.DataFrame
    payments_outside_year: int
    batches: list[ImportBatch]
    places: pl.DataFrame | None = None  # the platser register (SPEC 9), all its rows


def protection_settings() -> ProtectionSettings:
    return ProtectionSettings(
        threshold=settings.BOINV_SUPPRESSION_THRESHOLD,
        width=settings.BOINV_SUPPRESSION_WIDTH,
        method=settings.BOINV_DISCLOSURE_METHOD,
        cellkey_d=settings.BOINV_CELLKEY_D,
        cellkey_v=settings.BOINV_CELLKEY_V,
        cellkey_js=settings.BOINV_CELLKEY_JS,
    )


def record_keys() -> RecordKeys:
    """Record keys for the cell-key method, from the installation's pseudonymisation key.

    A separate secret is derived (HMAC with a fixed label), so the noise reveals nothing about
    the pseudonymisation key, and stays the same for the same person in every report and year."""
    from boendeinventering.core.protect import RecordKeys

    return RecordKeys(hmac.new(installation_key(), b"boinv cellkey record keys v1", hashlib.sha256).digest())


def load_year(year: int) -> YearData:
    stays = active_rows("insatser", {**MEASURE_STAYS, "id_kind": pl.Utf8, "boende": pl.Utf8}, year).filter(
        stays_in_year(year))
    all_payments = active_rows("utbetalningar", {**MEASURE_PAYMENTS, "id_kind": pl.Utf8}, year)
    payments = all_payments.filter(dated_in_year("payment_date", year))
    debt_cases = active_rows("skuldradgivning", MEASURE_DEBT_CASES, year).filter(
        dated_in_year("received_date", year))
    batches = list(active_batches(year=year).order_by("kind", "id"))
    places = active_rows("platser", MEASURE_PLACES, year)
    return YearData(stays, payments, debt_cases, all_payments.height - payments.height, batches, places)


def build_report(year: int, *, protected: bool = True, reference_date: dt.date | None = None,
                 with_history: bool = True) -> Report:
    """The year's report. Protected reports pass disclosure control and its audit, or raise.

    ``with_history=False`` leaves out what needs other years (the year-over-year tables and the
    signals' history): that is how an earlier year's signals are computed for this year's."""
    installation = current_installation()
    data = load_year(year)
    mapping = current_mapping()
    reference_date = reference_date or dt.date(year, 12, 31)
    rules = protection_settings()
    cellkey = protected and rules.method == "cellkey"
    year_figures = compute_year(
        data.stays.select(*MEASURE_STAYS, "boende"),
        data.payments.select(list(MEASURE_PAYMENTS)),
        data.debt_cases,
        mapping,
        year,
        reference_date,
        **({"record_keys": record_keys()} if cellkey else {}),
        places=data.places,
    )
    tables = year_figures.tables
    # Year over year (SPEC 8): trends, flows and length of stay, beside the year's own tables;
    # the year's own persons come with its tables (classified once).
    if with_history:
        tables.update(history.year_over_year_tables(
            year, mapping, persons=year_figures.persons, reference_date=reference_date,
            **({"record_keys": record_keys()} if cellkey else {})))
    forms = _forms_input(year)
    if forms is not None:
        # The units' submitted forms become tables of the report and pass the same disclosure control.
        from boendeinventering.core.answers.forms import form_tables

        extra = form_tables(forms)
        if cellkey:
            _form_cell_keys(extra)
        tables = {**tables, **extra}
    report = Report(
        kommun=installation.kommun,
        year=year,
        reference_date=reference_date,
        tables=tables,
        protected=False,
        method_notes=_method_notes(reference_date),
        quality=quality_rules.quality_table(
            data.stays, data.payments, data.debt_cases, mapping, year, _batch_summary(data),
            data.payments_outside_year,
        ),
        settings={"kommun_namn": installation.kommun_name},
    )
    if not protected:
        report.method_notes.append(
            "EJ RÖJANDESKYDDAD: tabellerna visar alla värden utan skydd och får inte publiceras. "
            "Endast för intern kvalitetssäkring."
        )
        return attach_answers(report, year, forms, with_history=with_history)
    # The audit (SciPy's LP solver) is loaded only for protected figures: see core/protect/__init__.py.
    from boendeinventering.core.protect import DisclosureError, audit_report, check_cellkey_report

    safe = protect_report(report, rules)
    if cellkey:
        # The LP audit is about hidden counts; with noise nothing is hidden except magnitudes,
        # so the cell-key check looks at the noise bounds and the magnitudes' intervals.
        problems = check_cellkey_report(safe, rules, report)
        if problems:
            raise DisclosureError(
                "Röjandekontrollen underkände tabellerna; inget skrevs.\n" + "\n".join(problems[:20])
            )
        return attach_answers(safe, year, forms, with_history=with_history)
    result = audit_report(safe, rules, unprotected=report)
    if not result.ok:
        raise DisclosureError("Röjandekontrollen underkände tabellerna; inget skrevs.\n" + result.as_text())
    return attach_answers(safe, year, forms, with_history=with_history)


def _forms_input(year: int):
    from boendeinventering.reporting.services import forms_input

    return forms_input(year)


def _form_cell_keys(tables) -> None:
    """Cell keys for the forms' counts under the cell-key method.

    Form cells are sums of the units' estimates, not of records, so there are no record keys to
    add up; the key is derived from the cell itself (keyed hash of table, row and value), which
    gives the same noise for the same cell every time, like a record key would."""
    from boendeinventering.core.protect.cellkey import CELL_KEYS
    from boendeinventering.core.taxonomy import COUNT_MEASURES

    secret = hmac.new(installation_key(), b"boinv cellkey form cells v1", hashlib.sha256).digest()
    for table in tables.values():
        for row in table.rows:
            keys = {}
            for m in table.measures:
                if m in COUNT_MEASURES and row.get(m):
                    label = f"{table.id}|{table.key(row)}|{m}|{row[m]}".encode()
                    digest = hmac.new(secret, label, hashlib.sha256).digest()
                    keys[m] = int.from_bytes(digest[:8], "big") / 2**64
            if keys:
                row[CELL_KEYS] = keys


def signal_settings():
    """The needs signals' thresholds from settings (BOINV_SIGNAL_*), as the core's plain dataclass."""
    from boendeinventering.core.signals import SignalSettings

    names = {
        "children_min": "BOINV_SIGNAL_CHILDREN_MIN",
        "long_stay_nights": "BOINV_SIGNAL_LONG_STAY_NIGHTS",
        "elderly_min": "BOINV_SIGNAL_ELDERLY_MIN",
        "occupancy_high": "BOINV_SIGNAL_OCCUPANCY_HIGH",
        "occupancy_low": "BOINV_SIGNAL_OCCUPANCY_LOW",
        "discharge_min": "BOINV_SIGNAL_DISCHARGE_MIN",
        "eviction_children_min": "BOINV_SIGNAL_EVICTION_CHILDREN_MIN",
        "rent_arrears_min": "BOINV_SIGNAL_RENT_ARREARS_MIN",
        "bme_gap_percent": "BOINV_SIGNAL_BME_GAP_PERCENT",
        "rough_sleepers_min": "BOINV_SIGNAL_ROUGH_SLEEPERS_MIN",
    }
    values = {field: getattr(settings, name) for field, name in names.items()}
    return SignalSettings(children_codes=tuple(settings.BOINV_SIGNAL_CHILDREN_CODES), **values)


def attach_answers(report: Report, year: int, forms=None, *, with_history: bool = True) -> Report:
    """The report's purpose: needs signals, answers q1–q10 and the recommendation, built from the
    report's own (protected) cells, with the coordinator's texts beside them. With
    ``with_history`` each signal also gets the earlier years it fired in (recurring signals)."""
    from boendeinventering.core.answers import build_answers
    from boendeinventering.core.recommendation import build_recommendation
    from boendeinventering.core.signals import build_signals
    from boendeinventering.reporting.services import report_texts

    texts = report_texts(year)
    signals = build_signals(report, signal_settings())
    if with_history:
        from boendeinventering.core.signals import mark_recurring

        mark_recurring(signals, year, earlier_signals(year))
    for signal in signals:
        comment, dismissed = texts["signals"].get(signal.id, ("", False))
        signal.comment = comment
        signal.status = "dismissed" if dismissed else ("commented" if comment else "open")
    answers = build_answers(report, forms, signals)
    for answer in answers:
        answer.comment = texts["answers"].get(answer.id, "")
    report.signals = signals
    report.answers = answers
    report.recommendation = build_recommendation(report, forms, signals)
    report.introduction = texts["introduction"]
    report.conclusions = texts["conclusions"]
    return report


def earlier_signals(year: int, cache: dict[int, list] | None = None) -> dict[int, list]:
    """year -> the needs signals that fired that year, for up to four years before ``year`` that
    have data or a published report.

    Each year's signals come from history.signals_of_year (a published year's snapshot, or an
    unpublished year's protected report without its own history, kept while its inputs are
    unchanged). A year whose report cannot be built (no data passing disclosure control) is left
    out. ``cache``: the caller's, so that one request computes each year once."""
    from boendeinventering.organisation.models import InventoryYear

    cache = {} if cache is None else cache
    published_years = set(InventoryYear.objects.exclude(published_at=None).values_list("year", flat=True))
    candidates = sorted(x for x in set(history.years_with_data()) | published_years if x < year)
    out = {}
    for x in candidates[-(history.TREND_YEARS - 1):]:
        if x not in cache:
            cache[x] = history.signals_of_year(x)
        if cache[x] is not None:
            out[x] = cache[x]
    return out


def audit_year(year: int, *, reference_date: dt.date | None = None) -> tuple[bool, str]:
    """(passed, Swedish text) of the disclosure check of the year's report, for either method."""
    from boendeinventering.core.protect import DisclosureError, audit_report

    rules = protection_settings()
    if rules.method == "cellkey":
        try:
            build_report(year, reference_date=reference_date)
        except DisclosureError as exc:
            return False, str(exc)
        return True, (
            "Cellnyckelmetoden: alla antal ligger inom ±"
            f"{rules.cellkey_d} från de verkliga, och borttagna belopp och boendedygn kan inte räknas fram."
        )
    report = build_report(year, protected=False, reference_date=reference_date)
    result = audit_report(protect_report(report, rules), rules, unprotected=report)
    return result.ok, result.as_text()


def _batch_summary(data: YearData) -> list[quality_rules.BatchSummary]:
    return [
        quality_rules.BatchSummary(
            kind=b.kind, file_name=b.file_name, rows_read=b.rows_read, rows_imported=b.rows_imported,
            rows_invalid=b.rows_invalid, rows_duplicate=b.rows_duplicate, rows_overlapping=b.rows_overlapping,
        )
        for b in data.batches
    ]


def _method_notes(reference_date: dt.date) -> list[str]:
    return [
        f"Referensdatum för ålder och utskrivningsrisk: {reference_date.isoformat()}.",
        "En person räknas en gång per grupp även om hen förekommer i flera enheter eller uttag "
        "(personnummer pseudonymiseras med nyckel; personer med reservnummer kan inte dubblettkontrolleras).",
        "Situationer enligt Socialstyrelsens definition av hemlöshet. Summan över boendeformer kan vara större "
        "än antalet personer i situationen, eftersom en person kan ha haft flera boendeformer under året.",
    ]


def published_report(year: int) -> Report | None:
    """The year's report as the coordinator published it (what readers see), or None."""
    import dataclasses

    from boendeinventering.core.report.snapshot import report_from_snapshot
    from boendeinventering.organisation.models import InventoryYear

    inventory_year = InventoryYear.objects.filter(year=year).exclude(published_at=None).first()
    if inventory_year is None or not inventory_year.published_report:
        return None
    report = report_from_snapshot(inventory_year.published_report)
    return dataclasses.replace(report, published=inventory_year.published_at.date())


def publish_year(year: int, user, *, ip: str | None = None) -> Report:
    """Freeze the year's protected report for readers (the coordinator's "Publicera", and the demo).
    Raises (and publishes nothing) when the figures do not pass disclosure control."""
    from django.utils import timezone

    from boendeinventering.core.report.snapshot import report_to_snapshot
    from boendeinventering.organisation.models import InventoryYear
    from boendeinventering.services import audit, checklist

    inventory_year, _ = InventoryYear.objects.get_or_create(year=year)
    report = build_report(year, protected=True, reference_date=inventory_year.effective_reference_date)
    username = user if isinstance(user, str) else user.get_username()
    inventory_year.published_report = report_to_snapshot(report)
    inventory_year.published_at = timezone.now()
    inventory_year.published_by = username
    inventory_year.save()
    # The protected report was just built, so it passed disclosure control on this data.
    checklist.record_audit(inventory_year, True, "Godkänd vid publiceringen.", user=username)
    audit.record(user, audit.PUBLISHED, f"Den röjandeskyddade rapporten för {year} är publicerad för läsare.", ip=ip)
    return published_report(year)


def report_for_export(year: int, *, unprotected: bool = False, reference_date: dt.date | None = None) -> Report:
    """What `boinv export` and the demo write: the published report once the year is published
    (the same file readers download), else today's protected figures marked "EJ PUBLICERAD".
    A reference date of one's own, or --unprotected, always means the live figures."""
    if not unprotected and reference_date is None:
        published = published_report(year)
        if published is not None:
            return published
    return build_report(year, protected=not unprotected, reference_date=reference_date)


def export(year: int, fmt: str, out: Path, *, unprotected: bool = False,
           reference_date: dt.date | None = None, user="", ip: str | None = None) -> Path:
    exporter = get_exporter(fmt)  # an unknown format fails before any figure is computed
    report = report_for_export(year, unprotected=unprotected, reference_date=reference_date)
    path = exporter.write(report, Path(out))
    log.info("export year=%s format=%s protected=%s published=%s", year, fmt, report.protected,
             report.published is not None)
    if unprotected:
        # every unprotected export is in the audit trail, whichever interface made it
        from boendeinventering.services import audit

        audit.record(user, audit.UNPROTECTED_DOWNLOADED,
                     f"Export utan röjandeskydd, {year}, {fmt}: {Path(path).name}", ip=ip)
    return path
