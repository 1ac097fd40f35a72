"""Templates are compiled once per language, their constant ``{% translate %}`` written in
(``config/templates.py``): they render exactly what Django's own loader renders, in each
language, and a template fetched in one language never answers in the other."""

import pytest
from django.template import engines
from django.template.base import TextNode
from django.template.context import Context
from django.template.engine import Engine
from django.templatetags.i18n import TranslateNode
from django.utils import translation

from config.templates import write_translations

SOURCE = """{% load i18n %}<p>{% translate "Edit the alliance" %}</p>
{% translate "Sign out" as label %}<b>{{ label }}</b>
{% if show %}<i>{% translate "Sign out" %}</i>{% else %}-{% endif %}
{% for name in names %}<li>{% translate "Edit the alliance" %} {{ name }}</li>{% endfor %}
{% with who=names.0 %}{% translate "Sign out" %} {{ who }}{% endwith %}
<em>{% translate message %}</em><s>{% translate "Sign out"|upper %}</s>
<u>{% translate "Sign out" noop %}</u><q>{% translate "May" context "month name" %}</q>
{% blocktranslate with cycle=3 %}Cycle {{ cycle }}{% endblocktranslate %}
<a title="{% translate '100%' %}">{% translate "Not in any catalogue & <b>" %}</a>"""
CONTEXT = {"show": True, "names": ["Ana", "<Luis>"], "message": "Sign out"}


def engine(*, writing: bool) -> Engine:
    source = ("django.template.loaders.locmem.Loader", {"page.html": SOURCE})
    libraries = {"i18n": "django.templatetags.i18n"}
    if writing:
        return Engine(loaders=[("config.templates.Loader", [source])], libraries=libraries)
    return Engine(loaders=[source], libraries=libraries)


@pytest.mark.parametrize("language", ["es-pe", "en"])
def test_a_template_renders_what_djangos_own_loader_renders(language):
    with translation.override(language):
        expected = engine(writing=False).get_template("page.html").render(Context(CONTEXT))
        written = engine(writing=True).get_template("page.html").render(Context(CONTEXT))
    assert written == expected
    if language == "es-pe":
        assert "Editar la alianza" in written
        assert "Cerrar sesión" in written
    else:
        assert "Edit the alliance" in written
    assert "&lt;Luis&gt;" in written  # variables are still escaped


def test_each_language_has_its_own_compiled_template():
    writing = engine(writing=True)
    with translation.override("es-pe"):
        spanish = writing.get_template("page.html")
    with translation.override("en"):
        english = writing.get_template("page.html")
    with translation.override("es-pe"):
        assert writing.get_template("page.html") is spanish
        assert "Editar la alianza" in spanish.render(Context(CONTEXT))
    assert english is not spanish
    with translation.override("en"):
        assert "Edit the alliance" in english.render(Context(CONTEXT))
        assert "Editar" not in english.render(Context(CONTEXT))


def test_the_constant_translations_become_text_and_the_others_stay():
    with translation.override("es-pe"):
        template = engine(writing=True).get_template("page.html")
    translated = list(template.nodelist.get_nodes_by_type(TranslateNode))
    # Left: the variable, the filtered one, the noop and the one with a context.
    assert len(translated) == 4
    assert any(
        isinstance(node, TextNode) and node.s == "Editar la alianza"
        for node in template.nodelist.get_nodes_by_type(TextNode)
    )


def test_writing_twice_changes_nothing():
    with translation.override("es-pe"):
        template = engine(writing=True).get_template("page.html")
        before = template.render(Context(CONTEXT))
        write_translations(template.nodelist)
        assert template.render(Context(CONTEXT)) == before


@pytest.mark.parametrize(("language", "text"), [("es-pe", "Cerrar sesión"), ("en", "Sign out")])
def test_the_projects_pages_are_compiled_with_their_translations_written_in(
    client, django_user_model, language, text
):
    user = django_user_model.objects.create_user("lector", password="x-secret-9")
    client.force_login(user)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language, follow=True)
    assert response.status_code == 200
    assert text in response.content.decode()
    loader = engines["django"].engine.template_loaders[0]
    with translation.override(language):
        base = loader.get_template("base.html")
    assert base.translations_written
    constant = [
        node
        for node in base.nodelist.get_nodes_by_type(TranslateNode)
        if isinstance(node.filter_expression.var.literal, str)
    ]
    assert constant == []
