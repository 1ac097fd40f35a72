"""Personal tokens (``alianzas.tokens``) as a DRF authentication: ``Authorization: Token alz_…``
(``Bearer`` is accepted too, as many HTTP clients send it)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from alianzas import tokens

KEYWORDS = ("token", "bearer")


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    """``request.user`` is the token's owner and ``request.auth`` the token, whose scope
    ``permissions.TokenScope`` checks. A request without the header is left to the next
    authentication (the session); a wrong, revoked or malformed token is refused outright."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header: give the keyword Token, a space and the token.")
            )
        try:
            plain = header[1].decode()
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from error
        token = tokens.authenticate(plain)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        return token.user, token

    def authenticate_header(self, request):
        # Makes an unauthenticated request a 401 (with this challenge), not a 403.
        return 'Token realm="api"'


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    target_class = PersonalTokenAuthentication
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": str(_("A personal token, created at /cuenta/tokens/: “Token alz_…”.")),
        }
