"""Invitations and the team's history in the admin: read only, since they are records of
what coordinators and invitees did through ``alianzas.invitations`` (imported by
``alianzas.admin``)."""

from django.contrib import admin

from alianzas.admin import ReadOnlyAdminMixin
from alianzas.models import Invitation, PeopleEvent


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("email", "kind", "actor", "alliance", "status", "invited_by", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("email", "alliance__name", "actor__name")
    list_select_related = ("actor", "alliance", "invited_by")
    exclude = ("nonce",)  # with the secret key, it would make the link


@admin.register(PeopleEvent)
class PeopleEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "alliance", "person_label", "kind", "detail", "by")
    list_filter = ("kind",)
    search_fields = ("person_label", "alliance__name", "detail")
    list_select_related = ("alliance", "by")
