"""Retention (gallring): shred the pseudonymised rows of old inventory years (docs/gallring.md).

``BOINV_RETENTION_YEARS`` = N keeps the rows of the N latest inventory years before the current
calendar year, and the current one: in 2026 with N = 5, imports tagged 2021-2026 are kept and
those tagged 2020 or earlier are shredded. Shredding a year deletes its imports' rows (the
pseudonymised stays, payments and cases) and the error logs of those imports, and then every
pseudonym that no remaining import refers to. It keeps the imports' metadata (file name, date,
counts), the year's published report (InventoryYear.published_report) and a protected snapshot
of the year's report computed just before shredding (ShreddedYear.report): aggregates only.

Imports without a year serve every year and cannot be dated by inventory year. An active one is
never shredded here (the report says how many there are); one that was withdrawn or replaced
counts nowhere, so it is dated by when it was imported, and shredded once that is before the
first kept year, with no summary to keep. Everything happens in one transaction: a year whose
report cannot be computed safely (unmapped names, disclosure control) stops the whole run and
nothing is shredded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from boendeinventering.inventory.models import ImportBatch, ImportData, Pseudonym, ShreddedYear
from boendeinventering.services.storage import bytes_to_frame, delete_batch_rows

MIN_RETENTION_YEARS = 1
SURROGATE_COLUMNS = ("person", "household", "case")  # stored columns that hold pseudonym ids
_CHUNK = 10_000


class RetentionError(Exception):
    """Swedish message; nothing was shredded."""


@dataclass
class YearPlan:
    year: int
    batches: list[dict] = field(default_factory=list)  # id, kind, file_name, rows
    rows: int = 0
    published: bool = False  # a published report is kept for the year


@dataclass
class RetentionOutcome:
    keep_years: int
    first_kept_year: int
    years: list[YearPlan]
    untagged_imports: int
    dry_run: bool
    pseudonyms_deleted: int = 0
    # withdrawn or replaced imports without a year, imported before the first kept year
    untagged_inactive: list[dict] = field(default_factory=list)

    @property
    def untagged_inactive_rows(self) -> int:
        return sum(b["rows"] for b in self.untagged_inactive)

    def as_text(self) -> str:
        lines = [f"Gallring: pseudonymiserade rader sparas för {self.keep_years} år "
                 f"(år {self.first_kept_year} och senare behålls)."]
        if not self.years and not self.untagged_inactive:
            lines.append("Inga importer att gallra.")
        for plan in self.years:
            kept = ("publicerad rapport och sammanställning sparas" if plan.published
                    else "sammanställning (röjandeskyddad rapport) sparas")
            verb = "gallras" if self.dry_run else "gallrade"
            lines.append(f"  {plan.year}: {len(plan.batches)} importer, {plan.rows} rader {verb}; {kept}.")
        if self.untagged_inactive:
            verb = "gallras" if self.dry_run else "gallrade"
            lines.append(f"  Utan år: {len(self.untagged_inactive)} återkallade eller ersatta importer från före "
                         f"{self.first_kept_year}, {self.untagged_inactive_rows} rader {verb} (de räknas inte i "
                         "något år, så ingen sammanställning behövs).")
        if self.untagged_imports:
            lines.append(f"  {self.untagged_imports} aktiva importer saknar år och gallras inte automatiskt "
                         "(de gäller alla år); ersätt dem med importer för ett år.")
        if self.dry_run:
            lines.append("Provkörning (--dry-run): ingenting har ändrats.")
        else:
            lines.append(f"{self.pseudonyms_deleted} pseudonymer som inte längre används har raderats.")
        return "\n".join(lines)


def retention_years() -> int:
    years = settings.BOINV_RETENTION_YEARS
    if years < MIN_RETENTION_YEARS:
        raise RetentionError(f"BOINV_RETENTION_YEARS måste vara minst {MIN_RETENTION_YEARS}.")
    return years


def plan(today: dt.date | None = None, keep_years: int | None = None) -> RetentionOutcome:
    """What ``apply`` would shred, without changing anything."""
    keep = retention_years() if keep_years is None else keep_years
    if keep < MIN_RETENTION_YEARS:
        raise RetentionError(f"Antal år att spara måste vara minst {MIN_RETENTION_YEARS}.")
    today = today or dt.date.today()
    first_kept = today.year - keep
    from boendeinventering.organisation.models import InventoryYear

    published = set(InventoryYear.objects.exclude(published_report=None).values_list("year", flat=True))
    years: dict[int, YearPlan] = {}
    old = (ImportBatch.objects.filter(year__lt=first_kept, year__isnull=False, parts__isnull=False)
           .annotate(stored_rows=Sum("parts__rows")).order_by("year", "kind", "id"))
    for batch in old:
        p = years.setdefault(batch.year, YearPlan(batch.year, published=batch.year in published))
        rows = batch.stored_rows
        p.batches.append({"id": batch.id, "kind": batch.kind, "file_name": batch.file_name, "rows": rows,
                          "active": batch.active})
        p.rows += rows
    untagged = ImportBatch.objects.filter(year__isnull=True, active=True).count()
    stale = (ImportBatch.objects.filter(year__isnull=True, active=False, parts__isnull=False,
                                        imported_at__lt=dt.datetime(first_kept, 1, 1, tzinfo=dt.UTC))
             .annotate(stored_rows=Sum("parts__rows")).order_by("id"))
    untagged_inactive = [{"id": b.id, "kind": b.kind, "file_name": b.file_name, "rows": b.stored_rows,
                          "imported_at": b.imported_at.date().isoformat()} for b in stale]
    return RetentionOutcome(keep, first_kept, [years[y] for y in sorted(years)], untagged, dry_run=True,
                            untagged_inactive=untagged_inactive)


def apply(*, dry_run: bool = False, today: dt.date | None = None, keep_years: int | None = None,
          user: str = "") -> RetentionOutcome:
    """Shred the rows of the years older than the retention period (module docstring)."""
    outcome = plan(today, keep_years)
    if dry_run or not (outcome.years or outcome.untagged_inactive):
        outcome.dry_run = dry_run
        return outcome
    from boendeinventering.core.protect import DisclosureError
    from boendeinventering.core.classify import UnmappedNamesError
    from boendeinventering.core.report.snapshot import report_to_snapshot
    from boendeinventering.services import audit, figures

    with transaction.atomic():
        for year_plan in outcome.years:
            # The aggregates first, from the rows about to go; an active import is needed for that.
            snapshot = None
            if any(b["active"] for b in year_plan.batches):
                try:
                    snapshot = report_to_snapshot(figures.build_report(year_plan.year))
                except (DisclosureError, UnmappedNamesError) as exc:
                    raise RetentionError(
                        f"Sammanställningen för {year_plan.year} kunde inte tas fram, så inget gallrades:\n{exc}"
                    ) from exc
            record, created = ShreddedYear.objects.get_or_create(year=year_plan.year)
            record.shredded_by = user
            record.batches = [*record.batches, *year_plan.batches]
            record.rows += year_plan.rows
            if snapshot is not None or created:
                record.report = snapshot
            record.save()
            ids = [b["id"] for b in year_plan.batches]
            delete_batch_rows(ids)  # and their digests' keys
            # The imports' logs may quote refused rows; they go with the rows.
            ImportBatch.objects.filter(id__in=ids).update(active=False, issues=[])
            audit.record(user or "boinv", audit.RETENTION, detail=f"år {year_plan.year}: {year_plan.rows} rader")
        if outcome.untagged_inactive:
            ids = [b["id"] for b in outcome.untagged_inactive]
            delete_batch_rows(ids)
            ImportBatch.objects.filter(id__in=ids).update(issues=[])
            audit.record(user or "boinv", audit.RETENTION, detail=f"importer utan år ({', '.join(map(str, ids))}): "
                                                                  f"{outcome.untagged_inactive_rows} rader")
        outcome.pseudonyms_deleted = _delete_unused_pseudonyms()
    outcome.dry_run = False
    return outcome


def _delete_unused_pseudonyms() -> int:
    """Delete the pseudonyms (keyed digests) that no stored import refers to any more."""
    used: set[int] = set()
    for content, columns in ImportData.objects.values_list("content", "columns").iterator(chunk_size=20):
        wanted = [c for c in SURROGATE_COLUMNS if c in (columns or [])]
        if wanted:
            frame = bytes_to_frame(content).select(wanted)
            for c in wanted:
                used.update(frame.get_column(c).drop_nulls().unique().to_list())
    unused = sorted(set(Pseudonym.objects.values_list("id", flat=True)) - used)
    for i in range(0, len(unused), _CHUNK):
        Pseudonym.objects.filter(id__in=unused[i:i + _CHUNK]).delete()
    return len(unused)
