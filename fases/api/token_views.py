"""The page where a person creates, names, scopes and revokes their own API tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from alianzas import tokens
from alianzas.views import submit
from fases.api.token_forms import TokenForm


@never_cache  # the answer to a creation holds the token itself: no cache keeps it
@login_required
def token_list(request):
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        created = submit(
            form,
            tokens.create_token,
            user=request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
        )
        if created is not None:
            form = TokenForm()
    context = {
        "form": form,
        "created": created[0] if created else None,
        "plain_token": created[1] if created else None,
        "tokens": tokens.tokens_of(request.user),
        "api_url": request.build_absolute_uri(reverse("api:alliance-list")),
    }
    return render(request, "api/tokens.html", context)


@require_POST
@login_required
def token_revoke(request, token_pk):
    # Someone else's token answers 404, even to an administrator: tokens are personal.
    token = get_object_or_404(tokens.tokens_of(request.user), pk=token_pk)
    try:
        tokens.revoke_token(user=request.user, token=token)
    except tokens.TokenError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            _("The token “%(name)s” was revoked: it no longer opens the API.")
            % {"name": token.name},
        )
    return redirect("api_tokens:list")
