"""Personal API tokens: created, found and revoked here, and nowhere else.

A token reads ``alz_`` followed by 43 URL-safe characters (256 random bits). Its SHA-256 is
stored, never the token; the first characters are kept as a prefix so that its owner can
tell their tokens apart on the page. A person may only see and revoke their own tokens.
"""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alianzas.models import ApiToken, User
from alianzas.refusals import NotPermitted, Refused

TOKEN_PREFIX = "alz_"
# A person has few integrations; a cap keeps a leaked session from minting thousands.
MAX_ACTIVE_TOKENS = 20
# Writing ``last_used_at`` on every request would make every read a write: once a minute.
LAST_USED_RESOLUTION_SECONDS = 60


class TokenError(Refused):
    pass


class TokenNotPermitted(TokenError, NotPermitted):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, user, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token for ``user``: the row, and the token itself, which is shown once."""
    if not (user.is_authenticated and user.is_active):
        raise TokenNotPermitted(_("Sign in to create a token."))
    with transaction.atomic():
        # The user's row is the lock: two requests at once never pass the cap together.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= (
            MAX_ACTIVE_TOKENS
        ):
            raise TokenError(
                _("You already have %(count)s active tokens: revoke one you no longer use.")
                % {"count": MAX_ACTIVE_TOKENS}
            )
        plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(
            user=user,
            name=(name or "").strip(),
            scope=scope,
            prefix=plain[: len(TOKEN_PREFIX) + 6],
            key_hash=hash_token(plain),
        )
        token.full_clean()
        token.save()
    return token, plain


def revoke_token(*, user, token: ApiToken) -> ApiToken:
    """Revoke ``token`` for good (its row stays, with the date, so its owner sees when)."""
    if token.user_id != user.pk:
        raise TokenNotPermitted(_("Only its owner may revoke a token."))
    if token.revoked_at is not None:
        raise TokenError(_("This token was already revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def authenticate(plain: str) -> ApiToken | None:
    """The active token whose text is ``plain`` (with its active user), or None."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(plain), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if (
        token.last_used_at is None
        or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_of(user):
    return ApiToken.objects.filter(user=user)
