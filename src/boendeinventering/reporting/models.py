"""Answers to the supplementary forms: one UnitReport per unit, year and form kind, with its history."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils import timezone

from boendeinventering.organisation.models import InventoryYear, Unit

from .kinds import KIND_CHOICES, KINDS


class UnitReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Utkast")
        SUBMITTED = "submitted", _("Inskickat")

    inventory_year = models.ForeignKey(InventoryYear, on_delete=models.CASCADE, related_name="unit_reports",
                                       verbose_name="inventeringsår")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="unit_reports", verbose_name="enhet")
    kind = models.CharField("formulär", max_length=40, choices=KIND_CHOICES)
    status = models.CharField("status", max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Kept in the JSON too; a column makes "ej aktuellt" countable without reading every answer.
    not_applicable = models.BooleanField("ej aktuellt för enheten", default=False)
    # Normalised by reporting.forms.ReportForm.answers(); numbers are int, "saknas" or null (draft only).
    data = models.JSONField("svar", default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField("senast ändrad", default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="ändrad av")
    submitted_at = models.DateTimeField("inskickad", null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name="inskickad av")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inventory_year", "unit", "kind"],
                                               name="reporting_one_report_per_kind")]
        ordering = ["inventory_year", "unit__name", "kind"]

    def __str__(self):
        return f"{self.inventory_year} {self.unit} {self.kind}"

    @property
    def form_kind(self):
        return KINDS[self.kind]

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class UnitReportEvent(models.Model):
    """Who did what to a report and when; a reopening carries its reason."""

    class Action(models.TextChoices):
        SAVED = "saved", _("Sparat som utkast")
        SUBMITTED = "submitted", _("Inskickat")
        REOPENED = "reopened", _("Öppnat igen")

    report = models.ForeignKey(UnitReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("händelse", max_length=20, choices=Action.choices)
    at = models.DateTimeField("tidpunkt", default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    # The name as it was, so the history survives a removed account.
    username = models.CharField("användare", max_length=150, blank=True)
    reason = models.TextField("skäl", blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M} {self.username}"


class ReportText(models.Model):
    """The coordinator's own texts in the year's report: the introduction, the conclusions, a
    comment per answer (q1–q10) and per needs signal a comment or a dismissal.

    Printed in the report as the coordinator's words, beside the generated text (never mixed into it).
    """

    class Kind(models.TextChoices):
        INTRODUCTION = "introduction", _("Inledning")
        CONCLUSIONS = "conclusions", _("Slutsatser")
        ANSWER = "answer", _("Kommentar till svar")
        SIGNAL = "signal", _("Kommentar till behovssignal")

    inventory_year = models.ForeignKey(InventoryYear, on_delete=models.CASCADE, related_name="report_texts",
                                       verbose_name="inventeringsår")
    kind = models.CharField("typ", max_length=20, choices=Kind.choices)
    key = models.CharField("fråga eller signal", max_length=60, blank=True)  # q1…q10, a signal id, "" otherwise
    text = models.TextField("text", blank=True)
    dismissed = models.BooleanField("avfärdad", default=False)  # signals only
    updated_at = models.DateTimeField("senast ändrad", default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="ändrad av")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inventory_year", "kind", "key"],
                                               name="reporting_one_text_per_key")]
        ordering = ["inventory_year", "kind", "key"]

    def __str__(self):
        return f"{self.inventory_year} {self.kind} {self.key}"


class KronofogdenYear(models.Model):
    """One year of Kronofogden's eviction statistics for the installation's own municipality,
    imported by the coordinator for comparison (core/kronofogden.py; docs/format.md)."""

    year = models.PositiveIntegerField("år", unique=True)
    applications = models.PositiveIntegerField("ansökningar om avhysning")
    evictions = models.PositiveIntegerField("verkställda avhysningar")
    children = models.PositiveIntegerField("berörda barn")
    file_name = models.CharField("fil", max_length=255, blank=True)
    imported_at = models.DateTimeField("importerad", default=timezone.now)
    imported_by = models.CharField("importerad av", max_length=150, blank=True)

    class Meta:
        ordering = ["year"]

    def __str__(self):
        return f"Kronofogden {self.year}"


class SignalHistory(models.Model):
    """Which needs signals fired in an unpublished earlier year, kept so that the next year's report
    need not build that year's whole report again for its recurring signals (services/history.py).

    Valid only for the inputs it was computed from (``fingerprint``: the year's imports, the mapping,
    its forms and reference date, the settings and the program version); anything else recomputes."""

    year = models.PositiveIntegerField("år", unique=True)
    fingerprint = models.CharField(max_length=64)
    signals = models.JSONField(default=list)  # [[id, title], ...] of the signals that fired
    passed = models.BooleanField(default=True)  # False: the year did not pass disclosure control
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["year"]

    def __str__(self):
        return f"Signaler {self.year}"
