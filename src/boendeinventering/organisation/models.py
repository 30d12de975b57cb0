"""Who takes part in the year's inventory, and with which role."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "administrator", _("Administratör")
    COORDINATOR = "coordinator", _("Samordnare")
    REPORTER = "reporter", _("Rapportör (enhet)")
    READER = "reader", _("Läsare")


class Unit(models.Model):
    """A contributing unit or partner (mottagningsenhet, ekonomiskt bistånd, brukarråd, ...)."""

    name = models.CharField("namn", max_length=200, unique=True)
    is_partner = models.BooleanField("extern samarbetspartner", default=False)
    contact_name = models.CharField("kontaktperson", max_length=200, blank=True)
    contact_email = models.EmailField("e-post", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField("roll", max_length=20, choices=Role.choices)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, verbose_name="enhet")

    def __str__(self):
        return f"{self.user.username} ({self.get_role_display()})"


class InventoryYear(models.Model):
    year = models.PositiveIntegerField("år", unique=True)
    is_open = models.BooleanField("öppen för rapportering", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField("publicerad", null=True, blank=True)
    published_by = models.CharField(max_length=150, blank=True)
    # The protected report as it was published (core.report.snapshot): readers see this, not
    # figures recomputed after later imports or mapping changes.
    published_report = models.JSONField(null=True, blank=True)
    # Age and discharge risk are counted at this date (SPEC; the CLI's --reference-date).
    # Empty = 31 December of the year; see effective_reference_date.
    reference_date = models.DateField("referensdatum", null=True, blank=True)

    class Meta:
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)

    @property
    def effective_reference_date(self) -> dt.date:
        return self.reference_date or dt.date(self.year, 12, 31)


class Participation(models.Model):
    """A unit's part in one year: whom to ask and by when."""

    inventory_year = models.ForeignKey(InventoryYear, on_delete=models.CASCADE, related_name="participations")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="participations")
    contact_name = models.CharField("kontaktperson", max_length=200, blank=True)
    deadline = models.DateField("sista dag", null=True, blank=True)

    class Meta:
        unique_together = [("inventory_year", "unit")]
        ordering = ["unit__name"]

    def __str__(self):  # the activity log records this text when the participation changes
        return f"{self.unit} {self.inventory_year}"


class YearAudit(models.Model):
    """The last disclosure audit of a year's report and the state of the data it was run on.

    Auditing takes seconds to minutes for a large city, too slow for a page; the checklist shows
    this result while `state` (active imports, mapping, reference date, rules) is unchanged, and
    "not run" once anything it depended on has changed. Kept in the database, not a process
    cache, so every server process agrees."""

    inventory_year = models.OneToOneField(InventoryYear, on_delete=models.CASCADE, related_name="audit")
    state = models.CharField(max_length=300)
    passed = models.BooleanField()
    text = models.TextField(blank=True)
    checked_at = models.DateTimeField(auto_now=True)
    checked_by = models.CharField(max_length=150, blank=True)


class FormerParticipation(models.Model):
    """A unit removed from a year: its contact and deadline, restored if it is added again.

    Kept apart from Participation so that "a Participation exists" still means "takes part"
    everywhere (access to forms, progress, reminders)."""

    inventory_year = models.ForeignKey(InventoryYear, on_delete=models.CASCADE, related_name="former_participations")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    contact_name = models.CharField("kontaktperson", max_length=200, blank=True)
    deadline = models.DateField("sista dag", null=True, blank=True)
    removed_at = models.DateTimeField("borttagen", auto_now=True)
    removed_by = models.CharField(max_length=150, blank=True)

    class Meta:
        unique_together = [("inventory_year", "unit")]
        ordering = ["unit__name"]

    def __str__(self):  # the activity log records this text when the participation changes
        return f"{self.unit} {self.inventory_year}"


class AuditEvent(models.Model):
    """What people did that matters for accountability: sign-ins, imports, mapping changes,
    submissions, publications, and every look at figures without disclosure control.

    Model changes are also tracked field by field by django-auditlog; this table is the
    readable, explicit trail the coordinator reviews. Details never hold personal data."""

    at = models.DateTimeField("tidpunkt", auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    username = models.CharField("användare", max_length=150, blank=True)  # kept if the user is deleted
    action = models.CharField("händelse", max_length=40, db_index=True)
    detail = models.TextField("detaljer", blank=True)
    ip = models.GenericIPAddressField("IP-adress", null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}"


class ImportJob(models.Model):
    """An extract upload being imported in the background, and how it ended.

    The row is the queue (services.tasks): any server process or worker can claim it, follow its
    progress and read its outcome, so a poll that reaches another process, or a restarted one,
    still finds the job. A running job's heartbeat shows that its worker is alive."""

    QUEUED, RUNNING, DONE, REFUSED, FAILED = "queued", "running", "done", "refused", "failed"
    STATUS_CHOICES = [(QUEUED, "I kö"), (RUNNING, "Pågår"), (DONE, "Klar"), (REFUSED, "Avvisad"),
                      (FAILED, "Misslyckades")]

    id = models.UUIDField(primary_key=True)
    kind = models.CharField(max_length=20)
    file_name = models.CharField(max_length=255)
    replace = models.BooleanField(default=False)
    skip_invalid = models.BooleanField(default=False)
    year = models.PositiveIntegerField(null=True, blank=True)  # inventory year; None = all years
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=QUEUED)
    message = models.TextField(blank=True)
    batch_id = models.BigIntegerField(null=True, blank=True)  # inventory.ImportBatch; not an FK across apps
    already_imported = models.BooleanField(default=False)
    rows_invalid = models.IntegerField(default=0)
    # Refused file: every issue (values already masked by the validator), at most MAX_STORED_ISSUES.
    issues = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    # Extra keyword options for the import service (e.g. accepted columns), passed on as they are.
    options = models.JSONField(default=dict, blank=True)
    upload_path = models.CharField(max_length=500, blank=True)  # our copy in DATA_DIR/uploads; removed after
    progress = models.TextField(blank=True)  # latest progress text, written by the worker
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # the running worker's last sign of life
    worker = models.CharField(max_length=200, blank=True)  # "host:pid" of the process running the job
    # When the import stopped to ask, what the user must confirm ("columns", "empty").
    confirm = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="importjob_status_created")]
