"""The national actor network's figures, as a worker last computed them (``fases.network``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NetworkFigures(models.Model):
    """The graph's figures, layout and drawn links of one scope of the actor network.

    Computing them takes seconds at the national scale (betweenness above all), so they are
    kept here and renewed by a worker when the memberships they were computed from change
    (``fingerprint``), instead of by the visit that happens to come first after a change."""

    scope = models.CharField(_("scope"), max_length=100, unique=True)
    fingerprint = models.CharField(_("fingerprint of the memberships"), max_length=64)
    data = models.JSONField(_("figures"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("actor network figures")
        verbose_name_plural = _("actor network figures")

    def __str__(self):
        return f"{self.scope} ({self.computed_at:%Y-%m-%d %H:%M})"
