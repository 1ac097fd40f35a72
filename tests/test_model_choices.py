"""The options of the model choice fields every form uses (``alianzas.form_fields``) are
read with one plain query: Django's own read them through ``QuerySet.iterator()``, a
server-side cursor on PostgreSQL (DECLARE, FETCH, CLOSE: three round trips)."""

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alianzas.form_fields import ModelChoiceField, ModelMultipleChoiceField
from alianzas.models import Actor
from tests.factories import ActorFactory

pytestmark = pytest.mark.django_db


class Ours(forms.Form):
    one = ModelChoiceField(queryset=Actor.objects.order_by("name"))
    several = ModelMultipleChoiceField(queryset=Actor.objects.order_by("name"))


class Djangos(forms.Form):
    one = forms.ModelChoiceField(queryset=Actor.objects.order_by("name"))
    several = forms.ModelMultipleChoiceField(queryset=Actor.objects.order_by("name"))


@pytest.fixture
def actors():
    return [ActorFactory(name=name) for name in ("Zeta", "Alfa & Cía", "Ñandú")]


@pytest.mark.parametrize("chosen", [False, True])
def test_the_options_are_djangos_own(actors, chosen):
    data = {"one": str(actors[1].pk), "several": [str(actors[0].pk)]} if chosen else None
    for name in ("one", "several"):
        assert str(Ours(data)[name]) == str(Djangos(data)[name])


@pytest.mark.postgres
def test_the_options_are_read_with_one_query_and_no_server_side_cursor(actors):
    for name in ("one", "several"):
        form = Ours()
        with CaptureQueriesContext(connection) as captured:
            html = str(form[name])
        statements = [query["sql"] for query in captured.captured_queries]
        assert len(statements) == 1, statements
        assert statements[0].startswith("SELECT"), statements
        assert "Ñandú" in html
        # Rendered again, read again (nothing kept on the field between renders).
        with CaptureQueriesContext(connection) as again:
            str(form[name])
        assert len(again.captured_queries) == 1
