"""Figures about the whole country, kept by a worker (``seguimiento.national_figures``).

Counting the late indicators and the due, fulfilled and overdue commitments of every
alliance reads every indicator and commitment of the country: seconds at a national
scale, so a visit must not do it. A beat task computes them every few minutes and keeps
them per alliance (``AllianceFigures``, which a filtered portfolio sums) and for whole
scopes (``NationalFigures``: the portfolio's totals, the map's counts).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AllianceFigures(models.Model):
    """One alliance's portfolio figures as of the last refresh: the sums of the rules of
    ``seguimiento.monitoring`` (``due_q``, ``overdue_q``) and ``seguimiento.due.late_q``.
    An alliance with nothing to count has no row (its figures are zero)."""

    alliance = models.OneToOneField(
        "alianzas.Alliance",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="kept_figures",
        verbose_name=_("alliance"),
    )
    due = models.PositiveIntegerField(_("due commitments"), default=0)
    fulfilled = models.PositiveIntegerField(_("fulfilled commitments"), default=0)
    overdue = models.PositiveIntegerField(_("overdue commitments"), default=0)
    late_indicators = models.PositiveIntegerField(_("late indicators"), default=0)

    class Meta:
        verbose_name = _("alliance's kept figures")
        verbose_name_plural = _("alliances' kept figures")

    def __str__(self):
        return str(self.alliance_id)


class NationalFigures(models.Model):
    """The figures of one scope of alliances (``scope``: the portfolio of every alliance,
    the map of every alliance or of the published ones) as a worker last computed them."""

    scope = models.CharField(_("scope"), max_length=100, unique=True)
    data = models.JSONField(_("figures"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("national figures")
        verbose_name_plural = _("national figures")

    def __str__(self):
        return f"{self.scope} ({self.computed_at:%Y-%m-%d %H:%M})"
