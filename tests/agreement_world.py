"""The partnering agreement in the permission matrix's world (tests/test_permissions.py):
a first version with its signed document, signed by the member actor with evidence."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from fases.models import AgreementSignature, SignatureMethod
from tests.factories import agreement_version


def agreement_kwargs(alliance, member) -> dict:
    version = agreement_version(alliance)
    version.document = SimpleUploadedFile("convenio.pdf", b"%PDF-1.4\n%%EOF\n")
    version.save()
    signature = AgreementSignature(
        version=version,
        actor=member,
        method=SignatureMethod.PAPER,
        signatory="Representante",
        signed_on=datetime.date(2026, 1, 15),
    )
    signature.evidence = SimpleUploadedFile("firma.pdf", b"%PDF-1.4\n%%EOF\n")
    signature.save()
    return {"version_pk": version.pk, "signature_pk": signature.pk}
