"""What a service raises when it refuses a request, whichever app it belongs to.

Each app names its own refusals (``CommitmentError``, ``PhaseChangeError``…) as subclasses
of these, so that the pages can answer every one of them the same way
(``alianzas.views.submit``): a refusal is shown on the form, a refusal for lack of
permission is a 403. Services raise nothing else when they refuse (never a bare
``PermissionDenied``); ``NotPermitted`` is also a ``PermissionDenied``, so one that no view
catches is still answered 403, never 500.
"""

from django.core.exceptions import PermissionDenied


class Refused(Exception):
    """A request refused as a whole, with the reason in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotPermitted(Refused, PermissionDenied):
    """Refused because the person may not do it."""
