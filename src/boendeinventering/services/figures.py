"""Compiling the year's figures from stored extracts: classify -> measure -> protect -> report."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.conf import settings

from boendeinventering.core import quality as quality_rules
from boendeinventering.core.measure import compute_tables
from boendeinventering.core.protect import ProtectionSettings, audit_report, protect_report
from boendeinventering.core.protect import DisclosureError, RecordKeys, check_cellkey_report
from boendeinventering.core.report import write_html, write_json, write_xlsx
from boendeinventering.core.schema import MEASURE_DEBT_CASES, MEASURE_PAYMENTS, MEASURE_STAYS
from boendeinventering.core.tables import Report
from boendeinventering.inventory.models import ImportBatch
from boendeinventering.services import history
from boendeinventering.services.installation import current_installation
from boendeinventering.services.installation import key as installation_key
from boendeinventering.services.mapping import current_mapping
from boendeinventering.services.storage import active_batches, active_rows

log = logging.getLogger("boendeinventering.figures")

WRITERS = {"json": write_json, "xlsx": write_xlsx, "html": write_html}


@dataclass
class YearData:
    stays: pl.DataFrame
    payments: pl.DataFrame
    debt_cases: pl.DataFrame
    payments_outside_year: int
    batches: list[ImportBatch]


def protection_settings() -> ProtectionSettings:
    return ProtectionSettings(
        threshold=settings.BOINV_SUPPRESSION_THRESHOLD,
        width=settings.BOINV_SUPPRESSION_WIDTH,
        method=getattr(settings, "BOINV_DISCLOSURE_METHOD", "suppression"),
        cellkey_d=getattr(settings, "BOINV_CELLKEY_D", 2),
        cellkey_v=getattr(settings, "BOINV_CELLKEY_V", 1.0),
        cellkey_js=getattr(settings, "BOINV_CELLKEY_JS", 1),
    )


def record_keys() -> RecordKeys:
    """Record keys for the cell-key method, from the installation's pseudonymisation key.

    A separate secret is derived (HMAC with a fixed label), so the noise reveals nothing about
    the pseudonymisation key, and stays the same for the same person in every report and year."""
    return RecordKeys(hmac.new(installation_key(), b"boinv cellkey record keys v1", hashlib.sha256).digest())


def load_year(year: int) -> YearData:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    stays = active_rows("insatser", {**MEASURE_STAYS, "id_kind": pl.Utf8}, year).filter(
        (pl.col("start_date") <= last) & (pl.col("end_date").is_null() | (pl.col("end_date") >= first))
    )
    all_payments = active_rows("utbetalningar", {**MEASURE_PAYMENTS, "id_kind": pl.Utf8}, year)
    in_year = pl.col("payment_date").is_between(first, last)
    payments = all_payments.filter(in_year)
    debt_cases = active_rows("skuldradgivning", MEASURE_DEBT_CASES, year).filter(
        pl.col("received_date").is_between(first, last)
    )
    batches = list(active_batches(year=year).order_by("kind", "id"))
    return YearData(stays, payments, debt_cases, all_payments.height - payments.height, batches)


def build_report(year: int, *, protected: bool = True, reference_date: dt.date | None = None) -> Report:
    """The year's report. Protected reports pass disclosure control and its audit, or raise."""
    installation = current_installation()
    data = load_year(year)
    mapping = current_mapping()
    reference_date = reference_date or dt.date(year, 12, 31)
    rules = protection_settings()
    cellkey = protected and rules.method == "cellkey"
    tables = compute_tables(
        data.stays.select(list(MEASURE_STAYS)),
        data.payments.select(list(MEASURE_PAYMENTS)),
        data.debt_cases,
        mapping,
        year,
        reference_date,
        **({"record_keys": record_keys()} if cellkey else {}),
    )
    # Year over year (SPEC 8): trends, flows and length of stay, beside the year's own tables.
    tables.update(history.year_over_year_tables(
        year, mapping, stays=data.stays, payments=data.payments, reference_date=reference_date,
        **({"record_keys": record_keys()} if cellkey else {})))
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
        return report
    safe = protect_report(report, rules)
    if cellkey:
        # The LP audit is about hidden counts; with noise nothing is hidden except magnitudes,
        # so the cell-key check looks at the noise bounds and the magnitudes' intervals.
        problems = check_cellkey_report(safe, rules, report)
        if problems:
            raise DisclosureError(
                "Röjandekontrollen underkände tabellerna; inget skrevs.\n" + "\n".join(problems[:20])
            )
        return safe
    result = audit_report(safe, rules, unprotected=report)
    if not result.ok:
        raise DisclosureError("Röjandekontrollen underkände tabellerna; inget skrevs.\n" + result.as_text())
    return safe


def audit_year(year: int, *, reference_date: dt.date | None = None) -> tuple[bool, str]:
    """(passed, Swedish text) of the disclosure check of the year's report, for either method."""
    from boendeinventering.core.protect import audit_report

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


def export(year: int, fmt: str, out: Path, *, unprotected: bool = False,
           reference_date: dt.date | None = None) -> Path:
    if fmt not in WRITERS:
        raise ValueError(f"Okänt format '{fmt}'. Välj json, xlsx eller html.")
    report = build_report(year, protected=not unprotected, reference_date=reference_date)
    path = WRITERS[fmt](report, Path(out))
    log.info("export year=%s format=%s protected=%s", year, fmt, not unprotected)
    return path
