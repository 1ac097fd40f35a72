"""Personal API tokens (``alianzas.tokens``): a person's credential for the REST API.

Imported at the end of ``alianzas.models`` so Django finds the model with the rest of the
app.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A personal token for the REST API (``fases.api``): named, scoped and revocable by its
    owner, who acts through it with exactly their own rights (``alianzas.access``).

    Only the SHA-256 of the token is stored: the token is 256 random bits, so a fast hash is
    as safe as a slow one and lets every request find its row by an index. The owner sees
    the token once, when it is created (``alianzas.tokens.create_token``).
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        READ_WRITE = "read_write", _("Read and write")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the token is for, e.g. “ActivityInfo sync”.")
    )
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def allows_writes(self) -> bool:
        return self.scope == self.Scope.READ_WRITE
