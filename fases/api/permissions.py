"""Who may call the API at all, and what a token's scope allows. Which alliances, and what
may be done with them, is ``alianzas.access``'s to say (through the querysets and the
services), as on the pages."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from alianzas.models import ApiToken


class TokenScope(permissions.BasePermission):
    """Signed-in people only (401 otherwise); a read-only token reads but never writes."""

    message = _("This token may only read: create a token with the “read and write” scope.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        return not isinstance(token, ApiToken) or token.allows_writes
