"""Property-based tests: arbitrary input to every form and to the RUC validator.

The forms are discovered by importing the modules that define them, so a new form without
a page to post it to fails ``test_every_form_is_exercised`` instead of going unchecked.
Each form is posted, as a person allowed to use it, to the page that uses it, with
arbitrary values (unicode text, huge and negative numbers, impossible dates, empty
values, ids that do not exist or belong to something else): the answer is never a server
error, and a refused form leaves every table as it was.

Every example is classified: refused (the form came back with errors, or the answer was a
4xx) or accepted, and counted; an example holding a value known to be invalid (an id the
database cannot hold, a date outside the models' bounds) must be refused. Locally the
examples are derandomised (the same ones each run, so a failure replays); under CI=true
Hypothesis explores new ones with more examples each run. The same properties run on
SQLite too, in a process of its own (``test_the_properties_hold_on_sqlite_too``).
"""

import datetime
import inspect
import os
import pkgutil
from collections import Counter
from importlib import import_module

import pytest
from django import forms
from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http.multipartparser import MultiPartParser
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from alianzas import form_fields
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
    sign_agreement_for_every_member,
)
from tests.governance_world import property_objects
from tests.processes import run_python
from tests.support import IN_CI

pytestmark = pytest.mark.django_db

FORM_MODULES = [
    "alianzas.forms",
    "fases.agreement_forms",
    "fases.forms",
    "fases.governance_forms",
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
# Derandomised locally (a failure replays on the next run); under CI new examples each run.
PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "60" if IN_CI else "25")),
    deadline=None,
    derandomize=not IN_CI,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def form_modules() -> list[str]:
    """Every module of the three apps that defines forms (``forms``, ``*_forms``,
    ``*_views``...), found by walking the packages: a new one cannot be forgotten here."""
    found = []
    for package in ("alianzas", "fases", "seguimiento"):
        root = import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            leaf = info.name.rsplit(".", 1)[-1]
            if "migrations" in info.name or "management" in info.name:
                continue
            if "form" in leaf or leaf.endswith("views") or leaf == "views":
                found.append(info.name)
    return sorted(found)


def test_every_choice_of_an_object_refuses_ids_out_of_range():
    """No form of the three apps keeps Django's own ModelChoiceField or
    ModelMultipleChoiceField, which hand a huge id to the database (a 500 on SQLite and
    PostgreSQL): declared fields and model forms' generated ones alike."""
    plain = []
    for module_name in form_modules():
        module = import_module(module_name)
        for name, value in inspect.getmembers(module, inspect.isclass):
            if not (issubclass(value, forms.BaseForm) and value.__module__ == module_name):
                continue
            for field_name, field in value.base_fields.items():
                if isinstance(field, forms.ModelMultipleChoiceField):
                    ok = isinstance(field, form_fields.ModelMultipleChoiceField)
                elif isinstance(field, forms.ModelChoiceField):
                    ok = isinstance(field, form_fields.ModelChoiceField)
                else:
                    ok = True
                if not ok:
                    plain.append(f"{module_name}.{name}.{field_name}")
    assert plain == []


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
    sign_agreement_for_every_member(monitored)  # the member added above signs too
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
        # A new alliance, for bringing one in mid-course (fases.mid_course).
        "fresh": AllianceFactory(coordinators=[coordinator]),
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
    # The place picker's search (alianzas.views.place_search).
    "PlaceSearchForm": (
        "coordinator",
        "get",
        lambda w: reverse("alianzas:place_search"),
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
    "CancelCommitmentForm": (
        "coordinator",
        "post",
        lambda w: reverse(
            "seguimiento:cancel_commitment", args=[w["monitored"].pk, w["commitment"].pk]
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
    # The partnering agreement (fases/agreement_forms.py): the monitored alliance's is signed,
    # so its text changes by amendment; its member representative has signed already.
    "AgreementForm": (
        "coordinator",
        "post",
        lambda w: reverse("fases:agreement_amend", args=[w["monitored"].pk]),
        None,
        True,
    ),
    "SignForm": (
        "member_representative",
        "post",
        lambda w: reverse("fases:agreement_sign", args=[w["monitored"].pk]),
        None,
        True,
    ),
    "PaperSignatureForm": (
        "coordinator",
        "post",
        lambda w: reverse("fases:agreement_paper_signature", args=[w["monitored"].pk]),
        None,
        True,
    ),
    "DocumentForm": (
        "coordinator",
        "post",
        lambda w: reverse("fases:agreement_attach", args=[w["monitored"].pk]),
        None,
        True,
    ),
    "MidCourseForm": (
        "coordinator",
        "post",
        lambda w: reverse("fases:enter_mid_course", args=[w["fresh"].pk]),
        None,
        False,
    ),
    # Governance (fases/governance_forms.py): the monitored alliance's committee, meetings,
    # decisions, action points (the member representative owns one) and risks.
    "CommitteeMemberForm": (
        "coordinator",
        "post",
        lambda w: reverse("fases:committee_member_add", args=[w["monitored"].pk]),
        None,
        False,
    ),
    "MeetingForm": (
        "coordinator",
        "post",
        lambda w: reverse("fases:meeting_create", args=[w["monitored"].pk]),
        None,
        False,
    ),
    "DecisionForm": (
        "coordinator",
        "post",
        lambda w: reverse(
            "fases:decision_create",
            args=[w["monitored"].pk, property_objects(w)["meeting"].pk],
        ),
        None,
        False,
    ),
    "ActionPointForm": (
        "coordinator",
        "post",
        lambda w: reverse(
            "fases:action_point_create",
            args=[
                w["monitored"].pk,
                property_objects(w)["meeting"].pk,
                property_objects(w)["decision"].pk,
            ],
        ),
        None,
        False,
    ),
    "CloseActionPointForm": (
        "member_representative",
        "post",
        lambda w: reverse(
            "fases:action_point_close",
            args=[w["monitored"].pk, property_objects(w)["action_point"].pk],
        ),
        None,
        False,
    ),
    "RiskForm": (
        "coordinator",
        "post",
        lambda w: reverse(
            "fases:risk_edit", args=[w["monitored"].pk, property_objects(w)["risk"].pk]
        ),
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


# Ids: whole numbers across (and beyond) every column's range, negative ones included.
BIG_IDS = [str(2**31), str(2**63 - 1), str(2**63), str(-(2**63) - 1), "9" * 40, "-1", "0"]
IDS = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.sampled_from(BIG_IDS),
)
# Dates across the whole calendar, and the edges the models' bounds sit on.
DATES = st.one_of(
    st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)),
    st.sampled_from(
        [
            datetime.date(1, 1, 1),
            datetime.date(1900, 1, 1),
            datetime.date(1989, 12, 31),
            datetime.date(2999, 12, 31),
            datetime.date(9999, 12, 31),
        ]
    ),
).map(lambda day: day.isoformat())
# The model fields whose dates have bounds (alianzas.date_bounds), by form field name.
BOUNDED_DATES = {
    "start_date",
    "end_date",
    "baseline_date",
    "target_date",
    "due_date",
    "joined_on",
    "left_on",
}


def out_of_range_id(value) -> bool:
    """An id no integer column holds (PostgreSQL's bigint, SQLite's 64-bit integer)."""
    try:
        number = int(str(value).strip())
    except ValueError:
        return False
    return not -(2**63) <= number < 2**63


def implausible_date(value) -> bool:
    """A date outside every bound of ``alianzas.date_bounds`` (before 1990 or more than
    thirty years from today): whatever the field, it must be refused."""
    try:
        day = datetime.date.fromisoformat(str(value))
    except ValueError:
        return False
    return day < datetime.date(1990, 1, 1) or day.year > datetime.date.today().year + 31


def known_invalid(fields, payload) -> list[str]:
    """The fields of ``payload`` holding a value that must be refused."""
    bad = []
    for name, field in fields.items():
        values = payload.get(name)
        values = values if isinstance(values, list) else [values]
        is_id = isinstance(field, forms.ModelChoiceField)
        is_bounded = name.rsplit("-", 1)[-1] in BOUNDED_DATES
        if (is_id and any(map(out_of_range_id, values))) or (
            is_bounded and any(map(implausible_date, values))
        ):
            bad.append(name)
    return bad


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
    if isinstance(field, forms.ModelChoiceField):
        values = st.one_of(IDS, JUNK)
    elif isinstance(field, forms.DateField):
        values = st.one_of(DATES, JUNK)
    if options := plausible(field):
        values = st.one_of(st.sampled_from(options), values)
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return st.lists(values, max_size=4)
    return values


PDF = b"%PDF-1.4\n%%EOF\n"


def uploaded(name: str, content: bytes) -> SimpleUploadedFile:
    """A file as it reaches a form: its name as Django's upload parser leaves it (the base
    name, printable; "/" or ".." arrive as no name at all, which a browser never sends)."""
    return SimpleUploadedFile(MultiPartParser.sanitize_file_name(None, name) or "x", content)


FILES = st.one_of(
    st.binary(max_size=2000),
    st.just(PDF),
    st.binary(max_size=200).map(lambda tail: b"MZ" + tail),
).flatmap(lambda content: st.text(max_size=200).map(lambda name: uploaded(name, content)))


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
    """Row counts and the objects the forms edit, field by field: their rows as the
    database holds them (read with SQL, whatever a manager would hide; and, taken twice for
    each of thousands of examples, a third of the time the ORM took)."""
    edited = [
        w["monitored"],
        w["evaluated"],
        w["mine"],
        w["membership"],
        w["objective"],
        w["indicator"],
        w["commitment"],
    ]
    found = []
    with connection.cursor() as cursor:
        for obj in edited:
            table = connection.ops.quote_name(obj._meta.db_table)
            cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [obj.pk])
            found.append(tuple(cursor.fetchall()))
    return rows(), found


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

    counted = Counter()

    @PROPERTY_SETTINGS
    @given(values=st.fixed_dictionaries({}, optional=strategies))
    def post(values):
        before = state(world)
        payload = {**fixed, **values}
        response = getattr(client, method)(address, payload)
        assert response.status_code < 500
        if method == "post":
            # A change that is made redirects; anything else (the form again with its
            # errors, a refusal page, a 4xx) is a refusal.
            refused = response.status_code != 302
        else:
            refused = any(form.is_bound and form.errors for form in forms_in(response, form_class))
        if response.status_code == 302 and form_class.__name__ == "PhaseChangeForm":
            # A refused change redirects back with the reason as an error message (those
            # added by this request: earlier ones wait, unread, in the same storage).
            queued = messages.get_messages(response.wsgi_request)._queued_messages
            refused = any(message.level >= messages.ERROR for message in queued)
        outcome = "refused" if refused else "accepted"
        counted[outcome] += 1
        event(outcome)
        if bad := known_invalid(fields, payload):
            counted["known invalid"] += 1
            assert refused, (bad, payload)
        if refused or method == "get":
            assert state(world) == before, payload

    post()
    # Every example was classified, and the refusals happened (the strategies are mostly
    # junk: a form that never refuses would not be tested by them).
    assert counted["refused"] + counted["accepted"] == PROPERTY_SETTINGS.max_examples
    assert counted["refused"] > 0, counted


# --- Known invalid values, one field at a time --------------------------------------


def _honest(field):
    """A value the field accepts in the world (the first plausible one), or None."""
    options = [value for value in plausible(field) if value != ""]
    if isinstance(field, forms.ModelChoiceField) and not options:
        return None
    return options[0] if options else "Texto válido"


def _bad_values(name, field):
    if isinstance(field, forms.ModelChoiceField):
        return [value for value in BIG_IDS if out_of_range_id(value)]
    if name.rsplit("-", 1)[-1] in BOUNDED_DATES:
        return ["0001-01-01", "1900-01-01", "2999-12-31", "9999-12-01"]
    return []


@pytest.mark.parametrize("form_class", FORMS, ids=[f.__name__ for f in FORMS])
def test_out_of_range_ids_and_dates_are_refused_on_their_field(client, world, form_class):
    """Each id field with an id no column holds, and each bounded date with a date outside
    its bounds, in an otherwise plausible submission: refused, with the error on that very
    field, and nothing changes."""
    _role, method, url, base, _files = TARGETS[form_class.__name__]
    fields = _fields_of(client, world, form_class)
    address = url(world)
    honest = {
        name: value
        for name, field in fields.items()
        if not isinstance(field, forms.FileField) and (value := _honest(field)) is not None
    }
    honest.update(base(world) if base else {})
    tried = 0
    for name, field in fields.items():
        for bad in _bad_values(name, field):
            multiple = isinstance(field, forms.ModelMultipleChoiceField)
            payload = {**honest, name: [bad] if multiple else bad}
            before = state(world)
            response = getattr(client, method)(address, payload)
            assert response.status_code < 500, (name, bad)
            erred = [form for form in forms_in(response, form_class) if form.errors]
            assert erred, (name, bad)
            assert name.split("-", 1)[-1] in erred[0].errors or name in erred[0].errors, (
                name,
                bad,
                erred[0].errors,
            )
            assert state(world) == before, (name, bad)
            tried += 1
    checked = [name for name, field in fields.items() if _bad_values(name, field)]
    assert tried == sum(len(_bad_values(n, fields[n])) for n in checked)


def test_the_properties_hold_on_sqlite_too(tmp_path):
    """SQLite (``make run``) answers an id out of range with OverflowError where PostgreSQL
    answers DataError: the same properties, run there in a process of its own."""
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'properties.sqlite3'}",
        "PROPERTY_EXAMPLES": "15",
    }
    outcome = run_python(
        [
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "tests/test_properties.py",
            "-k",
            "arbitrary_input or out_of_range_ids_and_dates",
        ],
        environment,
        timeout=1800,
    )
    assert outcome.returncode == 0, outcome.stdout[-4000:] + outcome.stderr[-2000:]
    assert " passed" in outcome.stdout
    assert "failed" not in outcome.stdout


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
