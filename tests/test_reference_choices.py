"""The filters' options of reference rows (regions, SDGs) are kept in the cache: the same
HTML as a field that reads them every time, in each language, no query on later visits,
what is posted still checked against the database, and a migration forgets them."""

import pytest
from django import forms
from django.apps import apps
from django.db.models.signals import post_migrate
from django.utils import translation

from alianzas.form_fields import ModelChoiceField
from alianzas.forms import ActorFilterForm, AllianceFilterForm
from alianzas.models import Region, SustainableDevelopmentGoal
from alianzas.widgets import QuickSelect

pytestmark = pytest.mark.django_db


class ReadEveryTime(forms.Form):
    """The filter's two reference fields as they were: options read on every render."""

    region = ModelChoiceField(
        label="Region", queryset=Region.objects.all(), required=False, widget=QuickSelect
    )
    goal = ModelChoiceField(
        label="SDG",
        queryset=SustainableDevelopmentGoal.objects.all(),
        required=False,
        widget=QuickSelect,
    )


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("chosen", [False, True])
def test_the_kept_options_render_what_reading_them_every_time_rendered(language, chosen):
    data = {"region": str(Region.objects.get(code="08").pk), "goal": "6"} if chosen else {}
    with translation.override(language):
        kept = AllianceFilterForm(data)
        plain = ReadEveryTime(data)
        for name in ("region", "goal"):
            assert str(kept[name]) == str(plain[name])
        assert ("selected>Cusco</option>" in str(kept["region"])) == chosen
        english = "Clean water and sanitation" in str(kept["goal"])
        assert english == (language == "en")


def test_later_filters_read_no_option_from_the_database(django_assert_num_queries):
    str(AllianceFilterForm({}))  # the first reads and keeps them
    with django_assert_num_queries(0):
        form = AllianceFilterForm({})
        html = str(form["region"]) + str(form["goal"]) + str(ActorFilterForm({})["region"])
    regions = Region.objects.count()
    assert html.count("<option") == (1 + regions) + (1 + 17) + (1 + regions)


def test_what_is_posted_is_still_checked_against_the_database():
    str(AllianceFilterForm({})["region"])
    cusco = Region.objects.get(code="08")
    form = AllianceFilterForm({"region": str(cusco.pk), "goal": "6"})
    assert form.is_valid()
    assert form.cleaned_data["region"] == cusco
    assert form.cleaned_data["goal"] == SustainableDevelopmentGoal.objects.get(number=6)
    with translation.override("es"):
        refused = AllianceFilterForm({"region": "999999", "goal": "99"})
        assert not refused.is_valid()
        assert "Escoja una opción válida" in str(refused.errors["region"])
        assert set(refused.errors) == {"region", "goal"}


def test_a_migration_forgets_the_kept_options():
    str(AllianceFilterForm({})["region"])
    Region.objects.filter(code="08").update(name="Qosqo")
    assert "Qosqo" not in str(AllianceFilterForm({})["region"])  # kept until…
    config = apps.get_app_config("alianzas")
    # …``migrate`` sends post_migrate (here as it does, to every receiver).
    post_migrate.send(
        sender=config,
        app_config=config,
        verbosity=0,
        interactive=False,
        using="default",
        plan=[],
        apps=apps,
    )
    assert "Qosqo" in str(AllianceFilterForm({})["region"])


def test_a_cache_that_does_not_answer_costs_the_query_not_the_filter(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    html = str(AllianceFilterForm({})["region"])
    assert ">Cusco</option>" in html
    post_migrate.send(
        sender=apps.get_app_config("alianzas"),
        app_config=apps.get_app_config("alianzas"),
        verbosity=0,
        interactive=False,
        using="default",
        plan=[],
        apps=apps,
    )


def test_a_process_keeps_what_it_read_from_the_cache_for_a_while():
    from django.core.cache import cache

    from alianzas import form_fields

    str(AllianceFilterForm({})["region"])  # read from the database, kept in both
    cache.clear()
    Region.objects.filter(code="08").update(name="Qosqo")
    # Neither the cache nor the database asked: what this process read is kept…
    assert "Qosqo" not in str(AllianceFilterForm({})["region"])
    # …for REFERENCE_CHOICES_PROCESS_SECONDS, then read again.
    for key, (read_at, rows) in list(form_fields._read_here.items()):
        form_fields._read_here[key] = (
            read_at - form_fields.REFERENCE_CHOICES_PROCESS_SECONDS,
            rows,
        )
    assert "Qosqo" in str(AllianceFilterForm({})["region"])
