"""Persistence of imported extracts. Rows hold keyed pseudonyms (as integer surrogates) only.

The fact tables (Stay, Payment, DebtCase) are written in bulk by services.storage, not through
the ORM, for speed; the models define their schema and migrations.
"""

from django.db import models

KIND_CHOICES = [("insatser", "Insatser"), ("utbetalningar", "Utbetalningar"), ("skuldradgivning", "Skuldrådgivning")]


class Installation(models.Model):
    """The one municipality this installation serves."""

    kommun = models.CharField(max_length=4)
    kommun_name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Pseudonym(models.Model):
    """Keyed HMAC-SHA256 digest of an identifier (person, household, case) and its surrogate id.

    The namespace is part of the HMAC input, so digests of different kinds never collide."""

    digest = models.CharField(max_length=64, unique=True)


class ImportBatch(models.Model):
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
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
    unknown_columns = models.JSONField(default=list)
    # Refused rows and their reasons (values masked): kept so nothing is silently lost.
    issues = models.JSONField(default=list)

    class Meta:
        ordering = ["-imported_at", "-id"]


class _FactRow(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, db_index=True)
    row_no = models.IntegerField()
    row_digest = models.CharField(max_length=32)  # keyed digest of the raw row, for overlap checks

    class Meta:
        abstract = True


class Stay(_FactRow):
    person = models.BigIntegerField(db_index=True)
    id_kind = models.CharField(max_length=5)
    sex = models.CharField(max_length=6)
    birth_date = models.DateField(null=True)
    unit = models.CharField(max_length=200)
    insats = models.CharField(max_length=200)
    boende = models.CharField(max_length=200, null=True)
    decision_date = models.DateField(null=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True)
    planned_end_date = models.DateField(null=True)
    arranged_after = models.CharField(max_length=3, null=True)
    household = models.BigIntegerField(null=True)
    children = models.IntegerField(null=True)
    nights = models.IntegerField(null=True)
    cost = models.FloatField(null=True)


class Payment(_FactRow):
    person = models.BigIntegerField(db_index=True)
    id_kind = models.CharField(max_length=5)
    sex = models.CharField(max_length=6)
    birth_date = models.DateField(null=True)
    household = models.BigIntegerField(null=True)
    children = models.IntegerField(null=True)
    payment_date = models.DateField()
    amount = models.FloatField()
    purpose = models.CharField(max_length=200)
    nights = models.IntegerField(null=True)
    unit = models.CharField(max_length=200, null=True)


class DebtCase(_FactRow):
    case = models.BigIntegerField()
    person = models.BigIntegerField(null=True)
    id_kind = models.CharField(max_length=5, null=True)
    received_date = models.DateField()
    rent_debt = models.BooleanField()


class MappingEntry(models.Model):
    local_name = models.CharField(max_length=200)
    name_key = models.CharField(max_length=200, unique=True)  # taxonomy.normalise_name
    code = models.CharField(max_length=30)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, default="")

    class Meta:
        ordering = ["name_key"]
