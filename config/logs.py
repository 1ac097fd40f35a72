"""Log lines: readable in development, one JSON object per line in production.

Both Django (``settings.LOGGING``) and gunicorn (``config/gunicorn.py``) format their
records with :class:`JsonFormatter` when ``LOG_FORMAT`` is ``json``, so a log collector
reads every line of a container the same way.
"""

import datetime

from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

# gunicorn's access log passes the request's "atoms" as the record's arguments
# (gunicorn.glogging.Logger.atoms); these are kept as fields of their own.
ACCESS_ATOMS = {
    "m": "method",
    "U": "path",
    "q": "query",
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
    "h": "remote_addr",
    "{x-forwarded-for}i": "forwarded_for",
    "a": "user_agent",
}


class JsonFormatter(BaseJsonFormatter):
    """``time``, ``level``, ``logger`` and ``message``, plus the request's method, path
    and status when the record carries them (``django.request``, ``django.security.*``,
    ``gunicorn.access``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        super().__init__(PLAIN_FORMAT, *args, **kwargs)

    def formatTime(self, record, datefmt=None):
        # ISO 8601 in UTC with milliseconds, whatever TIME_ZONE says.
        created = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
        return created.isoformat(timespec="milliseconds")

    def add_fields(self, log_data, record, message_dict):
        super().add_fields(log_data, record, message_dict)
        # Django passes the HttpRequest itself (or, in runserver, a socket): it is not
        # JSON, and only what identifies the request is worth a field.
        request = log_data.pop("request", None)
        if hasattr(request, "path") and hasattr(request, "method"):
            log_data["method"] = request.method
            log_data["path"] = request.path
        if "status_code" in log_data:
            log_data["status"] = log_data.pop("status_code")
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            for atom, field in ACCESS_ATOMS.items():
                value = record.args.get(atom)
                if value not in (None, "", "-"):
                    log_data[field] = value
            status = str(log_data.get("status", ""))
            if status.isascii() and status.isdigit():
                log_data["status"] = int(status)
