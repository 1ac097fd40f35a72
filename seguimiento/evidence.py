"""Evidence files: checked by content, limited in size, stored under random names.

Files live in MEDIA_ROOT, outside ``static/``, and are served only by views that
first check that the person may see the alliance (``seguimiento.views``).
"""

import uuid

import filetype
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024

# Documents and images an actor would attach as proof, recognised by their first bytes.
ALLOWED_EXTENSIONS = {
    "pdf",
    "png",
    "jpg",
    "gif",
    "webp",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "pptx",
    "odt",
    "ods",
    "odp",
}
ALLOWED_DESCRIPTION = _(
    "PDF, image (PNG, JPEG, GIF, WebP) or office document (Word, Excel, PowerPoint, OpenDocument)"
)


def detected_extension(file) -> str | None:
    """The extension the file's content shows it to be, whatever its name says."""
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(8192)
    file.seek(position)
    kind = filetype.guess(head)
    return kind.extension if kind else None


def validate_evidence(file) -> None:
    if file.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            _("The file is %(size)s; evidence files can be at most %(limit)s."),
            code="evidence_too_large",
            params={
                "size": filesizeformat(file.size),
                "limit": filesizeformat(MAX_EVIDENCE_BYTES),
            },
        )
    if detected_extension(file) not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            _("This file's content is not an accepted type. Accepted: %(types)s."),
            code="evidence_type",
            params={"types": ALLOWED_DESCRIPTION},
        )


def evidence_path(instance, filename: str) -> str:
    """A random name with the extension of the content: the uploaded name is never used
    on disk (it is kept in ``evidence_name`` for the download)."""
    extension = detected_extension(instance.evidence.file) or "bin"
    return f"evidence/{instance._meta.model_name}/{uuid.uuid4().hex}.{extension}"


def clean_filename(filename: str) -> str:
    """The uploaded name without folders or control characters, for the download."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>:|?*')
    return name.strip(". ")[:150] or "evidencia"
