"""Background work of the monitoring pages. Tasks take ids, never model instances."""

import logging

from celery import shared_task
from django.utils import translation

from seguimiento import exports, national_figures

# Registers the imports' and reminders' tasks with the worker, which discovers each app's
# tasks.py.
from seguimiento.imports import tasks as import_tasks  # noqa: F401
from seguimiento.models import Export
from seguimiento.reminders import tasks as reminder_tasks  # noqa: F401

logger = logging.getLogger(__name__)


@shared_task
def build_export(export_id: int) -> None:
    """Build the file of export ``export_id`` in the language of the person who asked.

    A finished export is left alone, so a task delivered twice builds the file once.
    """
    export = Export.objects.select_related("alliance").filter(pk=export_id).first()
    if export is None or export.status == Export.Status.DONE:
        return
    with translation.override(export.language):
        exports.build(export)


@shared_task(name="seguimiento.refresh_portfolio_figures")
def refresh_portfolio_figures() -> None:
    """Count the portfolio's figures of every alliance again and keep them (beat runs it
    every ``FIGURES_REFRESH_SECONDS``): seconds at the national scale, off the requests."""
    national_figures.refresh()


def queue_export(export_id: int) -> None:
    """Hand the export to a worker (in-process without a broker). If the broker cannot be
    reached the export is marked failed instead of the request failing."""
    try:
        build_export.delay(export_id)
    except Exception as error:
        logger.exception("Export %s could not be queued", export_id)
        Export.objects.filter(pk=export_id).update(
            status=Export.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
