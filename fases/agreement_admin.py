"""The partnering agreement in the admin: read, and correct within the services' rules.

Agreements, versions and signatures are written by ``fases.agreements`` (the pages); here an
administrator reads them and corrects mistakes: a version's text only while nobody has
signed it (after a signature a change is an amendment, made on the agreement's page), and a
signature's signatory, date or evidence. Nothing is added here, and each correction is kept
in the object's history.
"""

from django.contrib import admin

from alianzas.admin import HistoryAdmin, ModelValidationForm, ReadOnlyAdminMixin
from fases.models import Agreement, AgreementContribution, AgreementSignature, AgreementVersion


class AgreementVersionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AgreementVersion
    fields = ["number", "amendment_reason", "starts_on", "ends_on", "created_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["alliance", "cycle", "renewed_from", "created_at"]
    list_select_related = ["alliance", "renewed_from"]
    search_fields = ["alliance__name"]
    inlines = [AgreementVersionInline]


class AgreementSignatureInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AgreementSignature
    fields = ["actor", "method", "signatory", "signed_on", "adhesion"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


class AgreementContributionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AgreementContribution
    fields = ["actor", "contribution", "responsibilities"]
    readonly_fields = fields
    extra = 0


@admin.register(AgreementVersion)
class AgreementVersionAdmin(HistoryAdmin):
    form = ModelValidationForm
    list_display = ["agreement", "number", "starts_on", "ends_on", "created_at"]
    list_select_related = ["agreement__alliance"]
    search_fields = ["agreement__alliance__name"]
    readonly_fields = ["agreement", "number", "document", "created_by", "created_at"]
    fields = [
        "agreement",
        "number",
        "amendment_reason",
        "objective",
        "decision_making",
        "committee_frequency",
        "conflict_resolution",
        "returns_sharing",
        "starts_on",
        "ends_on",
        "document",
        "created_by",
        "created_at",
    ]
    inlines = [AgreementContributionInline, AgreementSignatureInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # A signed text is not corrected behind its signatories' backs: it is amended.
        if obj is not None and obj.signatures.exists():
            return False
        return super().has_change_permission(request, obj)


@admin.register(AgreementSignature)
class AgreementSignatureAdmin(HistoryAdmin):
    form = ModelValidationForm
    list_display = ["version", "actor", "method", "signatory", "signed_on", "adhesion"]
    list_filter = ["method", "adhesion"]
    list_select_related = ["version__agreement__alliance", "actor"]
    search_fields = ["actor__name", "version__agreement__alliance__name", "signatory"]
    fields = [
        "version",
        "actor",
        "method",
        "adhesion",
        "signatory",
        "signed_on",
        "evidence",
        "recorded_by",
        "created_at",
    ]
    readonly_fields = ["version", "actor", "method", "adhesion", "recorded_by", "created_at"]

    def has_add_permission(self, request):
        return False
