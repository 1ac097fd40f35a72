"""One search: alliances, actors and commitments a person may see, without case or accents,
by member name; the same on PostgreSQL (unaccent, trigram indexes) and on SQLite (the
embedded default); a bounded number of queries. And regions sorted as Spanish readers expect."""

import os

import pytest
from django.db import connection
from django.urls import reverse

from alianzas.models import Alliance, Region
from alianzas.search_key import search_key
from alianzas.validators import ruc_check_digit
from seguimiento.search import keyed, matches, search
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    MembershipFactory,
    UserFactory,
)
from tests.processes import run_python

pytestmark = pytest.mark.django_db

PICHARI_RUC = "2013131295" + str(ruc_check_digit("2013131295"))


@pytest.fixture
def cast(coordinator, outsider_representative):
    """Two alliances: the coordinator's, with the Municipalidad Distrital de Pichari as a
    member and a credit commitment; and a hidden one with secrets of its own."""
    pichari = ActorFactory(
        name="Municipalidad Distrital de Pichari", acronym="MDP", ruc=PICHARI_RUC
    )
    seen = AllianceFactory(
        name="Cacao del VRAEM", problem="Poco acceso a crédito agrícola", coordinators=[coordinator]
    )
    MembershipFactory(alliance=seen, actor=pichari)
    CommitmentFactory(alliance=seen, actor=pichari, description="Fondo de CRÉDITO rotatorio")
    hidden = AllianceFactory(name="Alianza reservada de Ñuñoa", coordinators=[UserFactory()])
    secret = ActorFactory(name="Empresa Minera Secreta")
    MembershipFactory(alliance=hidden, actor=secret)
    CommitmentFactory(alliance=hidden, actor=secret, description="Crédito reservado")
    return {"seen": seen, "hidden": hidden, "pichari": pichari, "secret": secret}


def names(results):
    return {
        "alliances": {a.name for a in results.alliances},
        "actors": {a.name for a in results.actors},
        "commitments": {c.description for c in results.commitments},
    }


def test_search_finds_without_accents_or_case(cast, coordinator):
    found = names(search(coordinator, "credito"))
    assert found["alliances"] == {"Cacao del VRAEM"}  # by its problem
    assert found["commitments"] == {"Fondo de CRÉDITO rotatorio"}
    assert names(search(coordinator, "CRÉDITO")) == found
    assert names(search(coordinator, "vraem"))["alliances"] == {"Cacao del VRAEM"}


def test_search_finds_the_alliances_of_a_member_by_its_name_acronym_or_ruc(cast, coordinator):
    for text in ("Pichari", "pichari", "MDP", PICHARI_RUC, f"{PICHARI_RUC[:2]} {PICHARI_RUC[2:]}"):
        found = names(search(coordinator, text))
        assert found["alliances"] == {"Cacao del VRAEM"}, text
        assert "Municipalidad Distrital de Pichari" in found["actors"], text
    # Its commitments too, by the actor's name.
    assert names(search(coordinator, "pichari"))["commitments"] == {"Fondo de CRÉDITO rotatorio"}


def test_search_never_returns_what_the_person_may_not_see(
    cast, coordinator, outsider_representative
):
    for person in (coordinator, outsider_representative):
        for text in ("reservad", "nunoa", "Ñuñoa", "secreta"):
            found = names(search(person, text))
            assert not found["alliances"], (person, text)
            assert not found["commitments"], (person, text)
    # The registry of actors is open to everyone signed in, as its pages are.
    assert names(search(outsider_representative, "secreta"))["actors"] == {"Empresa Minera Secreta"}
    assert not names(search(outsider_representative, "credito"))["commitments"]


def test_the_administrator_finds_everything(cast, administrator):
    found = names(search(administrator, "credito"))
    assert found["commitments"] == {"Fondo de CRÉDITO rotatorio", "Crédito reservado"}


def test_a_too_short_or_empty_query_finds_nothing(cast, coordinator):
    assert search(coordinator, "c").count == 0
    assert search(coordinator, "   ").count == 0
    assert search(coordinator, "%").count == 0  # LIKE's wildcards are plain text


def test_the_results_page_groups_by_kind_with_links_and_works_without_javascript(
    client, cast, coordinator
):
    client.force_login(coordinator)
    response = client.get(
        reverse("seguimiento:search"), {"q": "pichari"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    page = response.content.decode()
    assert response.status_code == 200
    for heading in ("Alliances (1)", "Actors (1)", "Commitments (1)"):
        assert heading in page
    assert reverse("fases:alliance_detail", args=[cast["seen"].pk]) in page
    assert reverse("seguimiento:actor_detail", args=[cast["pichari"].pk]) in page
    assert 'role="search"' in page  # the header's box, on every page
    assert "reservada" not in page


def test_the_results_page_runs_a_bounded_number_of_queries(
    client, coordinator, django_assert_max_num_queries
):
    for number in range(40):
        alliance = AllianceFactory(name=f"Crédito {number}", coordinators=[coordinator])
        actor = ActorFactory(name=f"Cooperativa de crédito {number}")
        MembershipFactory(alliance=alliance, actor=actor)
        CommitmentFactory(alliance=alliance, actor=actor, description=f"Crédito {number}")
    client.force_login(coordinator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("seguimiento:search"), {"q": "credito"})
    assert response.status_code == 200
    assert response.content.decode().count('class="search-results"') == 3


def test_regions_sort_as_spanish_readers_expect():
    regions = list(Region.objects.values_list("name", flat=True))
    assert regions.index("Áncash") == regions.index("Amazonas") + 1
    assert regions == sorted(regions, key=search_key)


def test_the_region_choices_of_the_forms_follow_that_order(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("alianzas:actor_create")).content.decode()
    assert page.index(">Amazonas<") < page.index(">Áncash<") < page.index(">Apurímac<")


@pytest.mark.postgres
def test_postgresql_and_python_give_the_same_key():
    """The SQLite fallback is the Python function: PostgreSQL's unaccent must agree with it."""
    texts = ["Crédito", "ÁNCASH", "Ñuñoa", "pingüino", "Çà et là", "São Tomé", "Apurímac", ""]
    with connection.cursor() as cursor:
        for text in texts:
            cursor.execute("SELECT search_key(%s)", [text])
            assert cursor.fetchone()[0] == search_key(text), text


@pytest.mark.postgres
def test_the_searched_columns_have_trigram_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname LIKE %s", ["%search_trgm"])
        definitions = " ".join(row[0] for row in cursor.fetchall())
    for column in ("alianzas_alliance", "alianzas_actor", "seguimiento_commitment"):
        assert column in definitions
    assert definitions.count("gin_trgm_ops") >= 6


def test_the_first_alliances_by_name_come_from_both_ways_of_being_found(coordinator):
    """The first of the alliances found by their text and of those found by a member, in
    name order, each once: each way read limited, then the two merged."""
    by_text = [
        AllianceFactory(name=name, problem="Agua segura", coordinators=[coordinator])
        for name in ("B", "D", "F", "H")
    ]
    irrigators = ActorFactory(name="Asociación de regantes del agua")
    by_member = [AllianceFactory(name=name, coordinators=[coordinator]) for name in ("A", "E")]
    both = AllianceFactory(name="C", problem="Agua", coordinators=[coordinator])
    for alliance in [*by_member, both]:
        MembershipFactory(alliance=alliance, actor=irrigators)
    AllianceFactory(name="AA", problem="agua", coordinators=[UserFactory()])  # not visible

    found = search(coordinator, "agua", limit=4)

    assert [a.name for a in found.alliances] == ["A", "B", "C", "D"]
    assert found.more["alliances"] is True
    everything = search(coordinator, "agua", limit=20)
    assert [a.name for a in everything.alliances] == ["A", "B", "C", "D", "E", "F", "H"]
    assert everything.more["alliances"] is False
    assert {a.pk for a in everything.alliances} == {a.pk for a in [*by_text, *by_member, both]}


def test_search_finds_a_problem_by_its_stored_key_after_each_change(coordinator):
    """The problem's key is kept by the database (``Alliance.problem_key``): it follows every
    change of the text, on PostgreSQL and on SQLite."""
    alliance = AllianceFactory(problem="Poco acceso a crédito", coordinators=[coordinator])
    assert [a.pk for a in search(coordinator, "CREDITO").alliances] == [alliance.pk]

    alliance.problem = "Agua segura en Ñuñoa"
    alliance.save()
    assert Alliance.objects.get(pk=alliance.pk).problem_key == "agua segura en nunoa"
    assert search(coordinator, "credito").alliances == []
    assert [a.pk for a in search(coordinator, "nunoa").alliances] == [alliance.pk]


@pytest.mark.postgres
def test_the_problem_is_matched_on_its_stored_key_with_its_own_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'alianzas_alliance'"
        )
        indexes = dict(cursor.fetchall())
    assert "(problem_key gin_trgm_ops)" in indexes["alianzas_alliance_problem_key_search_trgm"]
    assert "alianzas_alliance_problem_search_trgm" not in indexes
    sql = str(keyed(Alliance.objects.all(), "problem").filter(matches("problem", key="x")).query)
    assert "problem_key" in sql
    assert "search_key" not in sql


@pytest.mark.skipif(connection.vendor == "sqlite", reason="this is the run that starts the other")
def test_the_search_behaves_the_same_on_sqlite(tmp_path):
    """The embedded default (`make run`) is SQLite: the same tests, run there in a process of
    their own (with its own settings from DATABASE_URL)."""
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'search.sqlite3'}",
        "CI": "",
    }
    outcome = run_python(
        [
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "tests/test_search.py",
            "-k",
            "finds or never or short or regions or groups",
        ],
        environment,
        timeout=900,
    )
    assert outcome.returncode == 0, outcome.stdout[-4000:] + outcome.stderr[-2000:]
    assert " passed" in outcome.stdout
    assert "failed" not in outcome.stdout


@pytest.mark.parametrize(
    "query", ["credito\x00", "https://wapiti3.ovh//e.php\x00", "\x00\x01cacao\x1f"]
)
def test_control_characters_in_a_search_are_ignored_never_a_500(client, cast, coordinator, query):
    """wapiti found /buscar/?q=…%00 answering 500 on PostgreSQL (no NUL in a query's text)."""
    client.force_login(coordinator)
    response = client.get(reverse("seguimiento:search"), {"q": query})
    assert response.status_code == 200
    assert search_key(query) == search_key(query.replace("\x00", ""))
    if "credito" in query or "cacao" in query:
        assert names(search(coordinator, query))["alliances"] == {"Cacao del VRAEM"}
