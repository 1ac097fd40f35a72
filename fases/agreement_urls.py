"""The partnering agreement's pages and the entry of a running alliance (included by
``fases/urls.py``)."""

from django.urls import path

from fases import agreement_views as views

urlpatterns = [
    path("alianzas/<int:pk>/acuerdo/", views.agreement, name="agreement"),
    path("alianzas/<int:pk>/acuerdo/redactar/", views.agreement_draft, name="agreement_draft"),
    path("alianzas/<int:pk>/acuerdo/adenda/", views.agreement_amend, name="agreement_amend"),
    path("alianzas/<int:pk>/acuerdo/firmar/", views.agreement_sign, name="agreement_sign"),
    path(
        "alianzas/<int:pk>/acuerdo/firma-en-papel/",
        views.agreement_paper_signature,
        name="agreement_paper_signature",
    ),
    path("alianzas/<int:pk>/acuerdo/documento/", views.agreement_attach, name="agreement_attach"),
    path("alianzas/<int:pk>/acuerdo/renovar/", views.agreement_renew, name="agreement_renew"),
    path(
        "alianzas/<int:pk>/acuerdo/versiones/<int:version_pk>/",
        views.agreement_version,
        name="agreement_version",
    ),
    path(
        "alianzas/<int:pk>/acuerdo/versiones/<int:version_pk>/pdf/",
        views.agreement_pdf,
        name="agreement_pdf",
    ),
    path(
        "alianzas/<int:pk>/acuerdo/versiones/<int:version_pk>/documento/",
        views.agreement_document,
        name="agreement_document",
    ),
    path(
        "alianzas/<int:pk>/acuerdo/firmas/<int:signature_pk>/evidencia/",
        views.agreement_signature_evidence,
        name="agreement_signature_evidence",
    ),
    path("alianzas/<int:pk>/en-curso/", views.enter_mid_course, name="enter_mid_course"),
]
