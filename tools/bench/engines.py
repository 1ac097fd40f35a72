"""Django's template engine beside Jinja2 on the same rows (``manage.py bench_templates``).

The issue asked whether Jinja2 would pay on the hottest pages. The rows of *Mis
compromisos* (the page's own template, its loop cut out) are rendered by Django and by a
Jinja2 port written to give the same HTML (checked, whitespace aside), each with the
project's translations, date formats and ``page_url``; the render alone is timed (CPU),
alternating the engines so that a busy machine slows both alike.
"""

import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import jinja2
from django.conf import settings
from django.template import engines
from django.template.defaultfilters import truncatechars
from django.utils import formats, translation

from alianzas.reversing import page_url
from seguimiento.views import with_row_facts

TEMPLATE = "seguimiento/my_commitments.html"
LOOP_START, LOOP_END = '    {% translate "overdue" as', "    {% endfor %}"

# The same rows in Jinja2: the loop of TEMPLATE, tag for tag.
JINJA_ROWS = """{% for commitment in page %}{% set overdue = commitment.is_overdue %}
    <tr id="commitment-{{ commitment.pk }}"{% if overdue %} class="is-overdue"{% endif %}>
      <td><a href="{{ url('fases:alliance_commitments', commitment.alliance_id) }}\
#commitments-actor-{{ commitment.actor_id }}">{{ commitment.alliance.name }}</a>
        <br><span class="small muted">{{ commitment.actor }} · \
{{ _('cycle %(cycle)s', cycle=commitment.cycle) }}</span></td>
      <td><a href="{{ url('seguimiento:commitment_detail', commitment.alliance_id, \
commitment.pk) }}">{{ commitment.description|truncatechars(120) }}</a></td>
      <td>{{ commitment.get_status_display() }}</td>
      <td>{{ commitment.due_date|date("SHORT_DATE_FORMAT") }}{% if overdue %} \
<span class="overdue">{{ _('overdue') }}</span>{% endif %}</td>
      <td><progress max="100" value="{{ commitment.progress }}" aria-label="{{ _('Progress') }}">\
{{ commitment.progress }}%</progress> {{ commitment.progress }}%</td>
      <td>{% if commitment.is_open %}{% if not commitment.alliance.is_closed %}<a \
class="button small" href="{{ url('seguimiento:log_progress', commitment.alliance_id, \
commitment.pk) }}" hx-get="{{ url('seguimiento:log_progress', commitment.alliance_id, \
commitment.pk) }}" hx-target="#my-commitments-form">{{ _('Log progress') }}</a>{% endif %}\
{% endif %}</td>
    </tr>
    {% else %}<tr><td colspan="6" class="muted">{{ _('Your organisations have no \
commitments yet.') }}</td></tr>{% endfor %}"""


@dataclass
class Comparison:
    rows: int
    django_ms: float  # median CPU of one render
    jinja_ms: float
    same_output: bool


def django_rows():
    text = (Path(settings.BASE_DIR) / "templates" / TEMPLATE).read_text()
    loop = text[text.index(LOOP_START) : text.index(LOOP_END) + len(LOOP_END)]
    return engines["django"].from_string("{% load i18n page_urls %}" + loop)


def jinja_rows():
    environment = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=translation.gettext, ngettext=translation.ngettext, newstyle=True
    )
    environment.globals["url"] = page_url
    environment.filters["date"] = lambda value, format: (
        formats.date_format(value, format) if value else ""
    )
    environment.filters["truncatechars"] = truncatechars
    return environment.from_string(JINJA_ROWS)


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


def compare(commitments: list, renders: int = 60, language: str = "es") -> Comparison:
    with translation.override(language):
        django_template, jinja_template = django_rows(), jinja_rows()

        def django_render():
            # What the page's view works out once for its rows, timed with the template.
            with_row_facts(commitments)
            return django_template.render({"page": commitments})

        same = _plain(django_render()) == _plain(jinja_template.render(page=commitments))
        spent: dict[str, list[float]] = {"django": [], "jinja": []}
        for _ in range(renders):
            started = time.process_time()
            django_render()
            spent["django"].append(time.process_time() - started)
            started = time.process_time()
            jinja_template.render(page=commitments)
            spent["jinja"].append(time.process_time() - started)
    return Comparison(
        rows=len(commitments),
        django_ms=statistics.median(spent["django"]) * 1000,
        jinja_ms=statistics.median(spent["jinja"]) * 1000,
        same_output=same,
    )
