"""A meeting's minutes as PDF: when and where, the agenda, who attended, the minutes, the
decisions and their action points.

ReportLab's ``Paragraph`` reads its text as markup, so everything people typed goes
through ``_text`` (escaped, line breaks kept): a title such as ``<b>`` or ``&`` is printed
as typed, never interpreted.
"""

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

from fases.models import Meeting

BRAND = colors.HexColor("#0b5c73")


def _text(value) -> str:
    """What a person typed, safe inside a ``Paragraph``; the standard fonts cover
    Latin-1, so anything beyond it is replaced rather than drawn as a black box."""
    text = escape(str(value)).replace("\n", "<br/>")
    return text.encode("latin-1", "replace").decode("latin-1")


def render(meeting: Meeting) -> bytes:
    styles = getSampleStyleSheet()
    title_style = styles["Title"]
    title_style.textColor = BRAND
    heading = styles["Heading2"]
    heading.textColor = BRAND
    body = styles["BodyText"]

    decisions = list(
        meeting.decisions.prefetch_related("action_points__owner", "action_points__owner_actor")
    )
    attendees = [str(actor) for actor in meeting.attendees.order_by("name")]
    when = date_format(timezone.localtime(meeting.starts_at), "DATETIME_FORMAT")

    story = [
        Paragraph(_text(_("Minutes: %(title)s") % {"title": meeting.title}), title_style),
        Paragraph(_text(meeting.alliance.name), body),
        Paragraph(_text(_("Date: %(when)s") % {"when": when}), body),
    ]
    if meeting.place:
        story.append(Paragraph(_text(_("Place: %(place)s") % {"place": meeting.place}), body))
    if meeting.link:
        story.append(Paragraph(_text(_("Link: %(link)s") % {"link": meeting.link}), body))

    story += [Spacer(1, 0.3 * cm), Paragraph(_text(_("Agenda")), heading)]
    story.append(
        ListFlowable(
            [ListItem(Paragraph(_text(item), body)) for item in meeting.agenda_items],
            bulletType="1",
        )
    )
    story.append(Paragraph(_text(_("Actors present")), heading))
    story.append(Paragraph(_text(", ".join(attendees) or "—"), body))
    story.append(Paragraph(_text(_("Minutes")), heading))
    story.append(Paragraph(_text(meeting.minutes or "—"), body))
    story.append(Paragraph(_text(_("Decisions")), heading))
    if not decisions:
        story.append(Paragraph(_text("—"), body))
    for number, decision in enumerate(decisions, start=1):
        story.append(Paragraph(f"<b>{number}.</b> {_text(decision.text)}", body))
        for point in decision.action_points.all():
            line = _(
                "Action point: %(what)s (owner: %(owner)s, %(actor)s; due %(date)s; %(status)s)"
            ) % {
                "what": point.description,
                "owner": point.owner,
                "actor": point.owner_actor,
                "date": date_format(point.due_date, "SHORT_DATE_FORMAT"),
                "status": point.get_status_display(),
            }
            story.append(Paragraph("&nbsp;&nbsp;&nbsp;&nbsp;" + _text(line), body))

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=_text(meeting.title),
        author="Alianzas",
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
    )
    document.build(story)
    return buffer.getvalue()
