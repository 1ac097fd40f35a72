"""The worker's side of imports. Tasks take ids, never model instances."""

from celery import shared_task
from django.utils import translation

from seguimiento.imports import running
from seguimiento.models import Import


@shared_task
def run_import(import_id: int, apply: bool) -> None:
    """Check or import the file of import ``import_id`` in its uploader's language; an
    import already past that step (a task delivered twice) is left alone."""
    expected = Import.Status.IMPORTING if apply else Import.Status.CHECKING
    imported = (
        Import.objects.select_related("alliance", "requested_by")
        .filter(pk=import_id, status=expected)
        .first()
    )
    if imported is None:
        return
    with translation.override(imported.language):
        running.process(imported, apply=apply)
