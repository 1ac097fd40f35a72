"""Spreadsheet imports: a file a coordinator (or an administrator) uploads, checked row by
row, then imported whole or not at all (``seguimiento.imports``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Import(models.Model):
    """One uploaded file and what became of it: checked (with every row's errors, or
    ready to import), imported, or failed. Kept after it ends, as the record of the import."""

    class Kind(models.TextChoices):
        ACTORS = "actors", _("Actors")
        MEMBERS = "members", _("Members with their role")
        INDICATORS = "indicators", _("Objectives and indicators")
        COMMITMENTS = "commitments", _("Commitments")
        MEASUREMENTS = "measurements", _("Indicator values by period")

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking the file")
        INVALID = "invalid", _("Has errors")
        CHECKED = "checked", _("Ready to import")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    # The alliance the rows go into; empty for an administrator's import into the registry.
    alliance = models.ForeignKey(
        "alianzas.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        related_name="imports",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.CASCADE,
        related_name="imports",
    )
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=200)
    file_name = models.CharField(_("file name"), max_length=150)
    # The reason recorded for each change when the alliance is past Identificación.
    reason = models.CharField(_("reason"), max_length=30, blank=True)
    reason_other = models.CharField(_("other reason"), max_length=300, blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CHECKING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    new_rows = models.PositiveIntegerField(_("new rows"), default=0)
    unchanged_rows = models.PositiveIntegerField(_("rows already there"), default=0)
    # Every problem found: [{"row": 3, "column": "RUC", "value": "…", "message": "…"}].
    problems = models.JSONField(_("problems"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.file_name}"

    @property
    def pending(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)
