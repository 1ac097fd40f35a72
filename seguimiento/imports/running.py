"""Starting, checking and confirming an import; the whole file at once, all or nothing.

Checking and importing are the same walk over the rows (``process``): each row is
imported through its service inside a savepoint, a refused row is rolled back to its
savepoint and its problems kept, and at the end everything is rolled back (a check, or an
import with any problem) or committed (an import without problems). So the check sees
what the import will do, rows that depend on earlier rows of the file included.
"""

import hashlib
import logging
from functools import partial

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alianzas import access
from alianzas.adjustments import AdjustmentReason
from alianzas.models import Alliance
from alianzas.refusals import NotPermitted, Refused
from seguimiento.evidence import clean_filename
from seguimiento.imports import reading
from seguimiento.imports.kinds import KINDS, NEW, Context, RowProblem
from seguimiento.models import Import

logger = logging.getLogger(__name__)

# Progress is written at most this often (in rows), for the polling page.
PROGRESS_EVERY = 100


class ImportNotPermitted(NotPermitted):
    pass


class ImportRefused(Refused):
    pass


def can_import(user, alliance: Alliance | None, kind: str) -> bool:
    """Coordinators import into their alliances; administrators into any alliance, and
    actors into the registry without one."""
    if alliance is None:
        return access.is_administrator(user) and not KINDS[kind].needs_alliance
    return access.can_manage_alliance(user, alliance)


def visible_imports(user) -> QuerySet[Import]:
    """Each person sees the imports they uploaded, while they may still import there."""
    if not (user.is_authenticated and user.is_active):
        return Import.objects.none()
    mine = Import.objects.filter(requested_by=user)
    if access.is_administrator(user):
        return mine
    return mine.filter(alliance__in=access.managed_alliances(user).values("pk"))


def start_import(
    *, user, alliance: Alliance | None, kind: str, upload, reason: AdjustmentReason | None = None
) -> Import:
    """Keep the uploaded file and queue its check (a worker reads it)."""
    if kind not in KINDS:
        raise ImportRefused(_("Choose what the file holds."))
    if not can_import(user, alliance, kind):
        raise ImportNotPermitted(_("Only the alliance's coordinators may import into it."))
    reading.validate_upload(upload)
    with transaction.atomic():
        imported = Import(
            alliance=alliance,
            kind=kind,
            requested_by=user,
            language=translation.get_language() or Import._meta.get_field("language").default,
            file_name=clean_filename(upload.name),
        )
        if reason is not None:
            imported.reason = reason.reason
            imported.reason_other = reason.reason_other
            imported.explanation = reason.explanation
        upload.seek(0)
        digest = hashlib.sha256(upload.read()).hexdigest()[:16]
        upload.seek(0)
        imported.file.save(f"{digest}-{timezone.now():%H%M%S%f}.data", upload, save=False)
        imported.save()
        transaction.on_commit(partial(queue, imported.pk, apply=False))
    return imported


def confirm_import(*, user, imported: Import) -> Import:
    """Import a checked file: once, however often it is confirmed."""
    if imported.requested_by_id != user.pk or not can_import(
        user, imported.alliance, imported.kind
    ):
        raise ImportNotPermitted(_("Only the person who uploaded the file may import it."))
    with transaction.atomic():
        claimed = Import.objects.filter(pk=imported.pk, status=Import.Status.CHECKED).update(
            status=Import.Status.IMPORTING, progress=0
        )
        if not claimed:
            raise ImportRefused(_("This file is not ready to import: check it again."))
        transaction.on_commit(partial(queue, imported.pk, apply=True))
    imported.refresh_from_db()
    return imported


def queue(import_id: int, *, apply: bool) -> None:
    # Imported here: the tasks module imports this one.
    from seguimiento.imports import tasks

    try:
        tasks.run_import.delay(import_id, apply)
    except Exception as error:
        logger.exception("Import %s could not be queued", import_id)
        Import.objects.filter(pk=import_id).update(
            status=Import.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )


class _Progress:
    """Writes the progress where the polling page can read it while the rows are still in
    the open transaction: through a second connection on PostgreSQL. SQLite allows one
    writer at a time, so there the page shows the progress when the walk ends."""

    def __init__(self, import_id: int):
        self.import_id = import_id
        self.side = None
        if connection.vendor == "postgresql":
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, value: int) -> None:
        if self.side is None:
            return
        try:
            with self.side.cursor() as cursor:
                cursor.execute(
                    "UPDATE seguimiento_import SET progress = %s WHERE id = %s",
                    [value, self.import_id],
                )
        except Exception:  # progress is a courtesy; the import goes on without it
            logger.warning("Progress of import %s not recorded", self.import_id, exc_info=True)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


class _RollBack(Exception):
    pass


def process(imported: Import, *, apply: bool) -> Import:
    """Check (``apply=False``) or import ``imported``'s file; record the outcome on the row.
    Never raises: a failure is shown on the import's page."""
    kind = KINDS[imported.kind]
    try:
        with imported.file.open("rb") as handle:
            data = handle.read()
        rows, missing = reading.read_rows(data, kind.headers())
        needed = [c.header for c in kind.columns if c.required and c.header in missing]
        if not rows:
            raise reading.FileRefused(_("The file has no rows under its header."))
        if needed:
            raise reading.FileRefused(
                _("The file lacks the required columns: %(columns)s.")
                % {"columns": ", ".join(needed)}
            )
    except reading.FileRefused as refusal:
        return _finish(imported, Import.Status.INVALID, problems=[_problem(0, "", refusal.message)])
    except OSError as error:
        logger.exception("Import %s: the file could not be opened", imported.pk)
        return _finish(imported, Import.Status.FAILED, error=f"{type(error).__name__}: {error}")

    context = Context(
        user=imported.requested_by,
        alliance=imported.alliance,
        reason=AdjustmentReason(imported.reason, imported.reason_other, imported.explanation)
        if imported.reason
        else None,
    )
    headers = kind.headers()
    problems, counts = [], {NEW: 0, "unchanged": 0}
    progress = _Progress(imported.pk)
    try:
        with transaction.atomic():
            if kind.prepare is not None:
                kind.prepare(context, [values for _number, values in rows])
            for index, (number, values) in enumerate(rows, start=1):
                try:
                    with transaction.atomic():
                        counts[kind.import_row(context, values)] += 1
                except RowProblem as problem:
                    for key, message in problem.problems:
                        problems.append(
                            _problem(number, headers.get(key, ""), message, values, key)
                        )
                except ValidationError as error:
                    problems.extend(_validation_problems(number, error, kind, values))
                except Refused as refusal:
                    problems.append(_problem(number, "", refusal.message))
                if index % PROGRESS_EVERY == 0:
                    progress(min(99, index * 100 // max(len(rows), 1)))
            if problems or not apply:
                raise _RollBack
    except _RollBack:
        pass
    except Exception as error:
        logger.exception("Import %s failed", imported.pk)
        return _finish(imported, Import.Status.FAILED, error=f"{type(error).__name__}: {error}")
    finally:
        progress.close()
    if problems:
        status = Import.Status.INVALID
    else:
        status = Import.Status.DONE if apply else Import.Status.CHECKED
    return _finish(
        imported,
        status,
        problems=problems,
        total_rows=len(rows),
        new_rows=counts[NEW],
        unchanged_rows=counts["unchanged"],
    )


def _problem(row: int, column: str, message, values=None, key: str = "") -> dict:
    return {
        "row": row,
        "column": column,
        "value": (values or {}).get(key, "")[:200],
        "message": str(message),
    }


def _validation_problems(number: int, error: ValidationError, kind, values) -> list[dict]:
    headers = kind.headers()
    if not hasattr(error, "error_dict"):
        return [_problem(number, "", message) for message in error.messages]
    found = []
    for name, errors in error.error_dict.items():
        key = kind.fields.get(name, "")
        for message in ValidationError(errors).messages:
            found.append(_problem(number, headers.get(key, ""), message, values, key))
    return found


def _finish(imported: Import, status: str, **changes) -> Import:
    changes.setdefault("error", "")
    changes["status"] = status
    changes["progress"] = 100
    changes["finished_at"] = timezone.now()
    for name, value in changes.items():
        setattr(imported, name, value)
    # Only from the state the walk started in: a second delivery of the task changes nothing.
    Import.objects.filter(pk=imported.pk).filter(
        Q(status=Import.Status.CHECKING) | Q(status=Import.Status.IMPORTING)
    ).update(**changes)
    return imported
