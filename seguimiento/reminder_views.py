"""The person's reminders in the application, their e-mail preferences and the one-click
opt-out link every reminder e-mail carries."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from seguimiento import reminders
from seguimiento.models import Reminder, ReminderRule

PAGE_SIZE = 25


class EmailPreferencesForm(forms.Form):
    rules = forms.MultipleChoiceField(
        label=gettext_lazy("Send me e-mails about"),
        choices=ReminderRule.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy(
            "Reminders of the kinds left unticked still appear on this page, "
            "but are no longer e-mailed."
        ),
    )


def _back(request, default: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
def notifications(request):
    rows = Reminder.objects.filter(recipient=request.user).order_by("-created_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": "notifications",
        "page": page,
        "items": reminders.describe(list(page), today=timezone.localdate()),
    }
    return render(request, "seguimiento/reminders/notifications.html", context)


@login_required
@require_POST
def mark_read(request, reminder_pk):
    if not reminders.mark_read(user=request.user, reminder_id=reminder_pk):
        raise Http404
    return redirect(_back(request, reverse("seguimiento:notifications")))


@login_required
@require_POST
def mark_all_read(request):
    count = reminders.mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All your reminders are marked as read."))
    return redirect(_back(request, reverse("seguimiento:notifications")))


@login_required
def preferences(request):
    initial = {"rules": sorted(reminders.email_enabled_rules(request.user))}
    form = EmailPreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        reminders.set_email_rules(user=request.user, enabled=form.cleaned_data["rules"])
        messages.success(request, _("Your e-mail preferences are saved."))
        return redirect("seguimiento:reminder_preferences")
    return render(
        request,
        "seguimiento/reminders/preferences.html",
        {"nav": "notifications", "form": form},
    )


# The link in the e-mail is the credential (signed, for one person and some kinds), so no
# sign-in is needed. GET only asks: mail scanners that follow links switch nothing off.
# POST is exempt from CSRF for the one-click "List-Unsubscribe-Post" of mail programs
# (RFC 8058), which send no token; without the signed link a forged POST does nothing.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, optout_token):
    found = reminders.read_unsubscribe_token(optout_token)
    if found is None:
        raise Http404
    person, rules = found
    labels = [ReminderRule(rule).label for rule in rules]
    with translation.override(reminders.language_of(person)):
        if request.method == "POST":
            reminders.switch_off(user=person, rules=rules)
            template = "seguimiento/reminders/unsubscribed.html"
        else:
            template = "seguimiento/reminders/unsubscribe.html"
        return render(request, template, {"person": person, "labels": labels})
