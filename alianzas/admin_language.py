"""The admin in the administrator's language, also where Django and django-axes write English.

Django stores each permission's name in the database in English when it creates it
("Can add alliance"), and shows that text in the admin's permission selectors. The name is
data; what people read is built here at display time from the permission's action and its
model's (translated) verbose name, so the 164 permissions read "Puede añadir alianza" in
Spanish and follow the administrator's language. Custom permissions, whose codename is not
one of Django's four actions, show their name through the catalogue.

django-axes ships no Spanish catalogue: its model and field names are listed here so that
the project's catalogue carries their translation (Django looks a message up in every
catalogue, the project's first), and its application gets a name people understand.
"""

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}

# django-axes' names, in its own (English) words: the msgids must match its source exactly.
AXES_MESSAGES = (
    _("access attempt"),
    _("access attempts"),
    _("access failure"),
    _("access failures"),
    _("access log"),
    _("access logs"),
    _("access attempt expiration"),
    _("access attempt expirations"),
    _("User Agent"),
    _("IP Address"),
    _("HTTP Accept"),
    _("Path"),
    _("Attempt Time"),
    _("Access lock out"),
    _("GET Data"),
    _("POST Data"),
    _("Failed Logins"),
    _("Access Attempt"),
    _("Expires At"),
    _("The time when access attempt expires and is no longer valid."),
    _("Logout Time"),
    _("Session key hash (sha256)"),
    _("Locked Out"),
)
AXES_NAME = pgettext_lazy("application name", "Sign-in security")


def permission_label(permission) -> str:
    """What an administrator reads for ``permission``: "<application> | <model> | <right>"."""
    content_type = permission.content_type
    model = content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is not None and action in ACTIONS and model_name == model._meta.model_name:
        right = ACTIONS[action] % {"model": model._meta.verbose_name}
    else:
        right = gettext(permission.name)
    return f"{content_type} | {right}"


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return permission_label(obj)


class TranslatedPermissionsMixin:
    """The permission selector of a user's or a group's page, labelled in the reader's
    language. The queryset (with its content types) is the one Django's admin gives."""

    permission_fields = ("user_permissions", "permissions")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.permission_fields:
            kwargs["form_class"] = PermissionChoiceField
            if "queryset" not in kwargs:
                kwargs["queryset"] = db_field.remote_field.model.objects.select_related(
                    "content_type"
                )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class GroupAdmin(TranslatedPermissionsMixin, DjangoGroupAdmin):
    pass


def install() -> None:
    """Called once from ``alianzas.admin``: the groups' page and axes' application name."""
    if admin.site.is_registered(Group):
        admin.site.unregister(Group)
    admin.site.register(Group, GroupAdmin)
    if apps.is_installed("axes"):
        apps.get_app_config("axes").verbose_name = AXES_NAME
