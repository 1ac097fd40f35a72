"""The partnering agreement as PDF: one version, its text, each member's contribution and
who signed it. Everything people typed goes through ``report_pdf.text``, which escapes
reportlab's paragraph markup."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from alianzas.models import Alliance
from fases.agreements import version_details
from fases.models import AgreementVersion
from seguimiento.monitoring import format_date
from seguimiento.report_pdf import Styles, table, text


def agreement_pdf(alliance: Alliance, version: AgreementVersion) -> bytes:
    styles = Styles()
    cycle = version.agreement.cycle
    story = [
        Paragraph(text(_("Partnering agreement")), styles.title),
        Paragraph(text(alliance.name), styles.h2),
        Paragraph(
            text(
                _("Cycle %(cycle)s, version %(number)s of %(date)s.")
                % {
                    "cycle": cycle,
                    "number": version.number,
                    "date": format_date(timezone.localtime(version.created_at).date()),
                }
            ),
            styles.muted,
        ),
        Spacer(1, 0.3 * cm),
    ]
    if version.amendment_reason:
        story += [
            Paragraph(text(_("Reason for the amendment")), styles.h3),
            Paragraph(text(version.amendment_reason), styles.body),
        ]
    for title, value in (
        (_("Shared objective"), version.objective),
        (_("How decisions are taken"), version.decision_making),
        (_("How often the committee meets"), version.committee_frequency),
        (_("How conflicts are resolved"), version.conflict_resolution),
        (_("How returns are shared"), version.returns_sharing),
        (
            _("Duration"),
            f"{format_date(version.starts_on)} – {format_date(version.ends_on)}",
        ),
    ):
        story += [Paragraph(text(title), styles.h3), Paragraph(text(value), styles.body)]

    rows = version_details(version, alliance)
    story.append(Paragraph(text(_("Contributions and responsibilities")), styles.h2))
    story.append(
        table(
            styles,
            [_("Member"), _("Contribution"), _("Responsibilities"), _("Commitments")],
            [
                [
                    row.actor,
                    row.contribution.contribution if row.contribution else "",
                    row.contribution.responsibilities if row.contribution else "",
                    "; ".join(c.description for c in row.contribution.commitments.all())
                    if row.contribution
                    else "",
                ]
                for row in rows
            ],
            [3.5, 4.5, 4.5, 4.5],
        )
    )
    story.append(Paragraph(text(_("Signatures")), styles.h2))
    story.append(
        table(
            styles,
            [_("Member"), _("Signed by"), _("Date"), _("How")],
            [
                [
                    row.actor,
                    row.signature.signatory if row.signature else _("Not signed yet"),
                    format_date(row.signature.signed_on) if row.signature else "",
                    (
                        row.signature.get_method_display()
                        + (f" ({_('adhesion')})" if row.signature.adhesion else "")
                    )
                    if row.signature
                    else "",
                ]
                for row in rows
            ],
            [4.5, 4.5, 2.5, 5.5],
        )
    )
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=alliance.name,
        author=_("Alianzas Multiactor"),
    ).build(story)
    return buffer.getvalue()
