"""Property-based tests: arbitrary input to every form and to the RUC validator.

The forms are discovered by importing the modules that define them, so a new form without
a page to post it to fails ``test_every_form_is_exercised`` instead of going unchecked.
Each form is posted, as a person allowed to use it, to the page that uses it, with
arbitrary values (unicode text, huge and negative numbers, impossible dates, empty
values, ids that do not exist or belong to something else): the answer is never a server
error, and a refused form leaves every table as it was.
"""

import datetime
import inspect
from importlib import import_module

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alianzas.validators import RUC_PREFIXES, ruc_check_digit, validate_ruc
from fases.services import change_phase
from seguimiento.evidence import clean_filename
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    EvaluationFactory,
    MembershipFactory,
    UserFactory,
    measure_every_indicator,
    ready_for_implementation,
)

pytestmark = pytest.mark.django_db

FORM_MODULES = [
    "alianzas.forms",
    "fases.forms",
    "seguimiento.forms",
    "seguimiento.monitoring_views",
    "seguimiento.reminder_views",
]


def discovered_forms() -> list[type[forms.BaseForm]]:
    found = {}
    for module_name in FORM_MODULES:
        module = import_module(module_name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(value, forms.BaseForm)
                and value.__module__ == module_name
                and value not in (forms.Form, forms.ModelForm)
            ):
                found[f"{module_name}.{value.__name__}"] = value
    return [found[name] for name in sorted(found)]


FORMS = discovered_forms()
PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- The world the forms are posted in ------------------------------------------------


@pytest.fixture
def world(coordinator, member_representative):
    """An alliance in Monitoreo with the member representative's actor responsible for an
    indicator and owning a commitment; another alliance in Evaluación; a stranger actor."""
    monitored = ready_for_implementation(AllianceFactory(coordinators=[coordinator]))
    mine = ActorFactory(representatives=[member_representative])
    membership = MembershipFactory(alliance=monitored, actor=mine)
    indicator = monitored.objectives.get().indicators.get()
    indicator.responsible_actor = mine
    indicator.save()
    commitment = CommitmentFactory(alliance=monitored, actor=mine)
    change_phase(alliance=monitored, transition="start_implementation", user=coordinator)
    change_phase(alliance=monitored, transition="start_monitoring", user=coordinator)

    evaluated = ready_for_implementation(AllianceFactory(coordinators=[coordinator]))
    for transition in ("start_implementation", "start_monitoring"):
        change_phase(alliance=evaluated, transition=transition, user=coordinator)
    measure_every_indicator(evaluated)
    change_phase(alliance=evaluated, transition="start_evaluation", user=coordinator)
    EvaluationFactory(alliance=evaluated, author=coordinator)
    ActorFactory(name="Actor ajeno")
    UserFactory(username="persona-ajena")
    return {
        "coordinator": coordinator,
        "member_representative": member_representative,
        "monitored": monitored,
        "evaluated": evaluated,
        "mine": mine,
        "membership": membership,
        "objective": monitored.objectives.get(),
        "indicator": indicator,
        "commitment": commitment,
    }


def objective_fields(w):
    return {"position": "1", "title": w["objective"].title}


# Form class name -> (who, method, url, data always sent, whether files are sent).
TARGETS = {
    "AllianceForm": (
        "coordinator",
        "post",
        lambda w: reverse("alianzas:alliance_edit", args=[w["monitored"].pk]),
        None,
        False,
    ),
    "MembershipForm": (
        "coordinator",
        "post",
        lambda w: reverse("alianzas:member_add", args=[w["monitored"].pk]),
        None,
        False,
    ),
    "MembershipEndForm": (
        "coordinator",
        "post",
        lambda w: reverse("alianzas:member_end", args=[w["monitored"].pk, w["membership"].pk]),
        None,
        False,
    ),
    "ObjectiveForm": (
        "coordinator",
        "post",
        lambda w: reverse("alianzas:objective_edit", args=[w["monitored"].pk, w["objective"].pk]),
        None,
        False,
    ),
    "IndicatorForm": (
        "coordinator",
        "post",
        lambda w: reverse("alianzas:indicator_edit", args=[w["monitored"].pk, w["indicator"].pk]),
        None,
        False,
    ),
    # The reason of an adjustment, asked beside a valid change of an objective.
    "AdjustmentForm": (
        "coordinator",
        "post",
        lambda w: reverse("alianzas:objective_edit", args=[w["monitored"].pk, w["objective"].pk]),
        objective_fields,
        False,
    ),
    "ActorForm": (
        "member_representative",
        "post",
        lambda w: reverse("alianzas:actor_edit", args=[w["mine"].pk]),
        None,
        False,
    ),
    "AllianceFilterForm": (
        "coordinator",
        "get",
        lambda w: reverse("seguimiento:alliance_list"),
        None,
        False,
    ),
    "ActorFilterForm": (
        "coordinator",
        "get",
        lambda w: reverse("alianzas:actor_list"),
        None,
        False,
    ),
    "PhaseChangeForm": (
        "coordinator",
        "post",
        lambda w: reverse("fases:change_phase", args=[w["monitored"].pk, "close_early"]),
        None,
        False,
    ),
    "EvaluationForm": (
        "coordinator",
        "post",
        lambda w: reverse("fases:record_evaluation", args=[w["evaluated"].pk]),
        None,
        False,
    ),
    "HealthCheckForm": (
        "member_representative",
        "post",
        lambda w: reverse("seguimiento:health_check", args=[w["monitored"].pk]),
        None,
        False,
    ),
    "CommitmentForm": (
        "member_representative",
        "post",
        lambda w: reverse(
            "seguimiento:commitment_edit", args=[w["monitored"].pk, w["commitment"].pk]
        ),
        None,
        False,
    ),
    "ProgressForm": (
        "member_representative",
        "post",
        lambda w: reverse("seguimiento:log_progress", args=[w["monitored"].pk, w["commitment"].pk]),
        None,
        True,
    ),
    "MeasurementForm": (
        "member_representative",
        "post",
        lambda w: reverse(
            "seguimiento:report_measurement", args=[w["monitored"].pk, w["indicator"].pk]
        ),
        None,
        True,
    ),
    "MyCommitmentsFilterForm": (
        "member_representative",
        "get",
        lambda w: reverse("seguimiento:my_commitments"),
        None,
        False,
    ),
    "CycleForm": (
        "coordinator",
        "get",
        lambda w: reverse("seguimiento:monitoring", args=[w["monitored"].pk]),
        None,
        False,
    ),
    "EmailPreferencesForm": (
        "member_representative",
        "post",
        lambda w: reverse("seguimiento:reminder_preferences"),
        None,
        False,
    ),
}


def test_every_form_is_exercised():
    assert sorted(form.__name__ for form in FORMS) == sorted(TARGETS)


# Posted to a page that only takes POST (it redirects back to the alliance with the reason).
POST_ONLY = {"PhaseChangeForm"}


def forms_in(response, form_class):
    context = response.context
    if context is None:
        return []
    contexts = context if isinstance(context, list) else [context]
    values = [value for each in contexts for value in each.flatten().values()]
    for value in list(values):
        if isinstance(value, list | tuple):
            values.extend(value)
    return [value for value in values if isinstance(value, form_class)]


@pytest.mark.parametrize("form_class", FORMS, ids=[f.__name__ for f in FORMS])
def test_each_target_page_shows_its_form(client, world, form_class):
    """The page a form is posted to below does use that form (so the properties test it)."""
    role, _method, url, _base, _files = TARGETS[form_class.__name__]
    client.force_login(world[role])
    response = client.get(url(world))
    if form_class.__name__ in POST_ONLY:
        assert response.status_code == 405
        return
    assert response.status_code == 200
    assert forms_in(response, form_class), form_class.__name__


# --- Arbitrary values --------------------------------------------------------------------

JUNK = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=6).map(str),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "999999999",
            "99999999999999999999999",
            "1e400",
            "NaN",
            "0000-01-01",
            "9999-12-31",
            "2026-02-30",
            "31/12/2026",
            "10000-01-01",
            "true",
            "\x00",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
        ]
    ),
    st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)).map(str),
)


def plausible(field) -> list[str]:
    """Values the field would accept, so that valid submissions are generated too."""
    if isinstance(field, forms.ModelChoiceField):
        return [str(pk) for pk in field.queryset.values_list("pk", flat=True)[:3]]
    if isinstance(field, forms.ChoiceField):
        return [str(key) for key, _label in field.choices if not isinstance(_label, list | tuple)][
            :12
        ]
    if isinstance(field, forms.DateField):
        return ["2026-03-31", "2026-12-31"]
    if isinstance(field, forms.DecimalField | forms.IntegerField):
        return ["0", "50", "100"]
    if isinstance(field, forms.BooleanField):
        return ["on"]
    return ["Texto válido"]


def value_for(field):
    values = JUNK
    if options := plausible(field):
        values = st.one_of(st.sampled_from(options), JUNK)
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return st.lists(values, max_size=4)
    return values


PDF = b"%PDF-1.4\n%%EOF\n"
FILES = st.one_of(
    st.binary(max_size=2000),
    st.just(PDF),
    st.binary(max_size=200).map(lambda tail: b"MZ" + tail),
).flatmap(
    lambda content: st.text(max_size=200).map(lambda name: SimpleUploadedFile(name or "x", content))
)


def rows() -> tuple:
    """How many rows each project table has, in one query."""
    tables = [
        model._meta.db_table
        for label in ("alianzas", "fases", "seguimiento")
        for model in apps.get_app_config(label).get_models()
    ]
    sql = "SELECT " + ", ".join(
        f"(SELECT count(*) FROM {connection.ops.quote_name(table)})" for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def state(w) -> tuple:
    """Row counts and the objects the forms edit, field by field."""
    edited = [
        w["monitored"],
        w["evaluated"],
        w["mine"],
        w["membership"],
        w["objective"],
        w["indicator"],
        w["commitment"],
    ]
    return (
        rows(),
        [tuple(type(obj).objects.filter(pk=obj.pk).values_list()) for obj in edited],
    )


def _fields_of(client, world, form_class):
    role, _method, url, _base, _files = TARGETS[form_class.__name__]
    client.force_login(world[role])
    if form_class.__name__ in POST_ONLY:
        form = form_class()
    else:
        form = forms_in(client.get(url(world)), form_class)[0]
    return {form.add_prefix(name): field for name, field in form.fields.items()}


@pytest.mark.parametrize("form_class", FORMS, ids=[f.__name__ for f in FORMS])
def test_arbitrary_input_to_every_form(client, world, form_class):
    _role, method, url, base, with_files = TARGETS[form_class.__name__]
    fields = _fields_of(client, world, form_class)
    address = url(world)
    fixed = base(world) if base else {}
    file_fields = {name for name, field in fields.items() if isinstance(field, forms.FileField)}
    strategies = {
        name: (FILES if name in file_fields else value_for(field))
        for name, field in fields.items()
        if not (name in file_fields and not with_files)
    }

    @PROPERTY_SETTINGS
    @given(values=st.fixed_dictionaries({}, optional=strategies))
    def post(values):
        before = state(world)
        payload = {**fixed, **values}
        response = getattr(client, method)(address, payload)
        assert response.status_code < 500
        if method == "get":
            assert state(world) == before
            return
        refused = [form for form in forms_in(response, form_class) if form.is_bound and form.errors]
        if response.status_code == 302 and form_class.__name__ == "PhaseChangeForm":
            # A refused comment redirects back with the reason; tell it by the form itself.
            refused = not form_class(
                {k: v for k, v in payload.items() if not hasattr(v, "read")}
            ).is_valid()
        if refused:
            assert state(world) == before, payload

    post()


# --- The RUC validator --------------------------------------------------------------


@settings(max_examples=300, deadline=None, database=None)
@given(st.one_of(st.text(max_size=30), st.text(alphabet="0123456789", min_size=9, max_size=13)))
def test_any_string_is_either_a_valid_ruc_or_a_validation_error(value):
    try:
        validate_ruc(value)
    except ValidationError as refusal:
        codes = {refusal.code}
        assert codes <= {"ruc_length", "ruc_prefix", "ruc_check_digit"}
    else:
        assert len(value) == 11
        assert value.isdigit()
        assert value.startswith(RUC_PREFIXES)


@settings(max_examples=200, deadline=None, database=None)
@given(
    prefix=st.sampled_from(RUC_PREFIXES),
    body=st.text(alphabet="0123456789", min_size=8, max_size=8),
)
def test_a_ruc_with_its_computed_check_digit_is_accepted(prefix, body):
    first_ten = prefix + body
    ruc = first_ten + str(ruc_check_digit(first_ten))
    validate_ruc(ruc)
    wrong = first_ten + str((ruc_check_digit(first_ten) + 1) % 10)
    with pytest.raises(ValidationError):
        validate_ruc(wrong)


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=400))
def test_an_uploaded_name_is_always_a_safe_download_name(name):
    cleaned = clean_filename(name)
    assert 0 < len(cleaned) <= 150
    assert not set(cleaned) & set('/\\"<>:|?*')
    assert cleaned.isprintable()
    assert cleaned not in {".", ".."}
