"""Persistence of imported extracts. Rows hold keyed pseudonyms (as integer surrogates) only."""

from django.db import models

from boendeinventering.core.import_state import import_state_label
from boendeinventering.core.taxonomy import EXTRACT_TITLES_SV

KIND_CHOICES = list(EXTRACT_TITLES_SV.items())


class Installation(models.Model):
    """The one municipality this installation serves."""

    kommun = models.CharField(max_length=4)
    kommun_name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # HMAC of a fixed label under the pseudonymisation key (never the key): a different key
    # would silently turn every person into a new one, so it is refused (services/installation.py).
    key_fingerprint = models.CharField(max_length=64, blank=True, default="")


class Pseudonym(models.Model):
    """Keyed HMAC-SHA256 digest of an identifier (person, household, case) and its surrogate id.

    The namespace is part of the HMAC input, so digests of different kinds never collide."""

    digest = models.CharField(max_length=64, unique=True)


class ImportBatch(models.Model):
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    # The inventory year the extract was taken for; None = the extract serves every year. Next
    # year's extract repeats this year's ongoing stays, so a year's figures read only the imports
    # made for it (and untagged ones), and --replace acts within one year.
    year = models.PositiveIntegerField(null=True, blank=True)
    file_name = models.CharField(max_length=255)
    file_digest = models.CharField(max_length=64, db_index=True)  # keyed, so no guessing the content
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.CharField(max_length=150, default="")
    active = models.BooleanField(default=True)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    replaced_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    skip_invalid = models.BooleanField(default=False)
    encoding = models.CharField(max_length=20, default="")
    delimiter = models.CharField(max_length=5, default="")
    rows_read = models.IntegerField(default=0)
    rows_imported = models.IntegerField(default=0)
    rows_invalid = models.IntegerField(default=0)
    rows_duplicate = models.IntegerField(default=0)
    rows_overlapping = models.IntegerField(default=0)  # identical to rows of another active import
    unknown_columns = models.JSONField(default=list)  # headers as written in the file (masked)
    # Refused rows and their reasons (values masked): kept so nothing is silently lost.
    issues = models.JSONField(default=list)
    # The extract's known columns the file had: a later file of the same kind that lacks one of
    # them is stopped for confirmation (a lost column loses every value in it).
    columns = models.JSONField(default=list)
    # Local names (insats, andamal) this import brought that no earlier active import had.
    new_local_names = models.JSONField(default=list)
    # Every local name in its rows, so the names seen in all active imports are read from here
    # and not out of every import's rows (issue 12). None: imported before this was kept; filled
    # from the rows when first needed (storage.active_local_names).
    local_names = models.JSONField(null=True, blank=True, default=None)
    keep_identical_rows = models.BooleanField(default=False)  # identical rows kept, not counted once
    # Withdrawn by a user (not replaced): inactive, kept in history, can be reactivated.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.CharField(max_length=150, default="", blank=True)
    # Which pseudonymisation key the rows were made with (services/history.key_fingerprint, set
    # on save): flows join persons across years and must not join rows of different keys.
    key_fingerprint = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-imported_at", "-id"]
        # The same file is one import per kind and inventory year, whatever happens to it later
        # (idempotent re-import); the same file may serve another year. NULL (all years) is not
        # equal to NULL in a unique index, hence the second, partial constraint.
        constraints = [
            models.UniqueConstraint(fields=["kind", "year", "file_digest"], condition=models.Q(year__isnull=False),
                                    name="one_import_per_file_and_year"),
            models.UniqueConstraint(fields=["kind", "file_digest"], condition=models.Q(year__isnull=True),
                                    name="one_import_per_file_all_years"),
        ]

    @property
    def state_label(self) -> str:
        """Swedish: Aktiv / Återkallad / Ersatt av N."""
        return import_state_label(self.active, self.withdrawn_at, self.replaced_by_id)


class ImportData(models.Model):
    """An import's pseudonymised rows, as zstd-compressed Parquet documents (one per part).

    An import never changes after it is made (a correction replaces it), and every use of its
    rows is analytical (whole-year scans grouped by person and code), so they are stored
    column-wise: for a large city's 650,000 payments this takes 0.2 s to write and 0.1 s to
    read, where row-by-row tables took 7 s and 5 s (docs/benchmarks.md). The columns are
    core.schema's validated frame with identifiers replaced by surrogate ids of keyed
    pseudonyms (see Pseudonym) and a keyed `row_digest`; nothing in it is a raw identifier.
    """

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="parts")
    # A large file is stored as it is read, a slice of rows at a time (issue 12); its rows are
    # the parts' rows in part order (storage.batch_rows).
    part = models.PositiveIntegerField(default=0)
    content = models.BinaryField()
    rows = models.IntegerField()
    columns = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "part"], name="importdata_batch_part")]
        ordering = ["batch_id", "part"]


class ImportDigests(models.Model):
    """Each stored part's row digests, cut to their first 128 bits, as a Parquet document of two
    unsigned 64-bit columns (``hi``, ``lo``): what the overlap check reads of an earlier import.

    Reading the full hex digests out of every earlier import's rows made each import slower than
    the one before as an installation grew (the national benchmark's 16th payments file read 9.4
    million of them). A table indexed on the digest would instead rewrite most of its index on
    every import, its keys being random, as the pseudonym table does; a part's keys are written
    once and never touched again (docs/benchmarks.md, "Stop 8"). That two different rows share the
    first 128 bits of their keyed digests anywhere in the national benchmark's series of imports
    has a probability of about 1e-25.
    """

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="digest_parts")
    part = models.PositiveIntegerField(default=0)  # the ImportData part whose rows these are
    keys = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "part"], name="importdigests_batch_part")]


class MappingEntry(models.Model):
    local_name = models.CharField(max_length=200)
    name_key = models.CharField(max_length=200, unique=True)  # taxonomy.normalise_name
    code = models.CharField(max_length=30)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, default="")

    class Meta:
        ordering = ["name_key"]

    def __str__(self):  # the activity log records this text when the mapping changes
        return f"{self.local_name} → {self.code}"


class ShreddedYear(models.Model):
    """An inventory year whose pseudonymised rows were shredded (`boinv retention apply`).

    What is kept: the imports' metadata (file name, counts; ImportBatch), the year's published
    report where there is one (InventoryYear.published_report) and, here, the protected report as
    computed just before shredding: the year's aggregates, which hold no pseudonyms."""

    year = models.PositiveIntegerField(unique=True)
    shredded_at = models.DateTimeField(auto_now_add=True)
    shredded_by = models.CharField(max_length=150, default="")
    batches = models.JSONField(default=list)  # [{id, kind, file_name, rows}] of the shredded imports
    rows = models.IntegerField(default=0)
    report = models.JSONField(null=True, blank=True)  # core.report.snapshot of the protected report

    class Meta:
        ordering = ["year"]
