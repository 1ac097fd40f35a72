"""Publishing an alliance, its public page, the public portfolio and the open data."""

import csv
import datetime
import io
import json
import re
from decimal import Decimal
from urllib.parse import urljoin, urlsplit

import pytest
import time_machine
from django.urls import reverse

from alianzas.models import Actor, Alliance, PhaseChange, Place, Publication, Role, Sector
from alianzas.publishing import PublicationError, publish_alliance, withdraw_alliance
from alianzas.refusals import NotPermitted
from fases.models import Agreement, AgreementVersion
from tests.factories import (
    AllianceFactory,
    CommitmentFactory,
    IndicatorFactory,
    MeasurementFactory,
    MembershipFactory,
    ObjectiveFactory,
    UserFactory,
    ready_for_implementation,
)

pytestmark = pytest.mark.django_db


# --- Publishing ---------------------------------------------------------------------------


def test_a_coordinator_publishes_and_withdraws_and_each_choice_is_recorded(coordinator):
    alliance = AllianceFactory(coordinators=[coordinator])
    publish_alliance(user=coordinator, alliance=alliance, comment="Acordado en comité")
    alliance.refresh_from_db()
    assert alliance.published
    withdraw_alliance(user=coordinator, alliance=alliance)
    alliance.refresh_from_db()
    assert not alliance.published
    records = list(Publication.objects.filter(alliance=alliance).order_by("created_at", "pk"))
    assert [(r.published, r.user, r.comment) for r in records] == [
        (True, coordinator, "Acordado en comité"),
        (False, coordinator, ""),
    ]


def test_only_its_coordinators_and_administrators_publish(
    coordinator, member_representative, administrator
):
    alliance = AllianceFactory(coordinators=[coordinator])
    MembershipFactory(alliance=alliance, actor=Actor.objects.create(name="A", sector="public"))
    for person in (member_representative, UserFactory()):
        with pytest.raises(NotPermitted):
            publish_alliance(user=person, alliance=alliance)
    publish_alliance(user=administrator, alliance=alliance)
    assert Publication.objects.filter(alliance=alliance).count() == 1


def test_publishing_twice_is_refused_and_changes_nothing(coordinator):
    alliance = AllianceFactory(coordinators=[coordinator])
    publish_alliance(user=coordinator, alliance=alliance)
    with pytest.raises(PublicationError):
        publish_alliance(user=coordinator, alliance=alliance)
    with pytest.raises(PublicationError):
        withdraw_alliance(user=coordinator, alliance=AllianceFactory(coordinators=[coordinator]))
    assert Publication.objects.count() == 1


def test_the_publication_panel_publishes(client, coordinator):
    alliance = AllianceFactory(coordinators=[coordinator])
    client.force_login(coordinator)
    page = client.get(reverse("fases:alliance_detail", args=[alliance.pk]))
    assert reverse("fases:publish_alliance", args=[alliance.pk]) in page.content.decode()
    response = client.post(reverse("fases:publish_alliance", args=[alliance.pk]), {"comment": "Sí"})
    assert response.status_code == 302
    alliance.refresh_from_db()
    assert alliance.published
    # Again: refused with a message, no second record, no error page.
    response = client.post(
        reverse("fases:publish_alliance", args=[alliance.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "already published" in response.content.decode()
    assert Publication.objects.filter(alliance=alliance).count() == 1


def test_a_too_long_reason_changes_nothing(client, coordinator):
    alliance = AllianceFactory(coordinators=[coordinator])
    client.force_login(coordinator)
    client.post(reverse("fases:publish_alliance", args=[alliance.pk]), {"comment": "x" * 1001})
    alliance.refresh_from_db()
    assert not alliance.published


# --- The public pages ------------------------------------------------------------------------

SECRETS = {
    "coordinator_name": "Zoraida",
    "coordinator_last": "Quispetupa",
    "coordinator_email": "zoraida.q@correo-privado.pe",
    "coordinator_username": "zquispetupa",
    "representative_email": "rep.secreto@correo-privado.pe",
    "representative_name": "Hermenegildo",
    "actor_email": "contacto@actor-privado.pe",
    "actor_phone": "987654321",
    "actor_address": "Jr. Escondido 123",
    "phase_comment": "comentario-interno-de-fase",
    "measurement_note": "nota-interna-de-medicion",
    "unpublished_alliance": "Alianza Reservada del Sur",
    "unpublished_problem": "problema-de-alianza-no-publicada",
    "publication_comment": "razon-interna-de-publicar",
    "commitment_description": "descripcion-interna-de-compromiso",
    "amendment_reason": "razon-interna-de-adenda",
}


@pytest.fixture
def site(db):
    coordinator = UserFactory(
        username=SECRETS["coordinator_username"],
        first_name=SECRETS["coordinator_name"],
        last_name=SECRETS["coordinator_last"],
        email=SECRETS["coordinator_email"],
    )
    representative = UserFactory(
        first_name=SECRETS["representative_name"], email=SECRETS["representative_email"]
    )
    alliance = AllianceFactory(name="Agua segura para Huamanga", coordinators=[coordinator])
    ready_for_implementation(alliance)
    member = Actor.objects.create(
        name="Red de Juntas de Agua",
        sector=Sector.CIVIL_SOCIETY,
        email=SECRETS["actor_email"],
        phone=SECRETS["actor_phone"],
        address=SECRETS["actor_address"],
    )
    member.representatives.add(representative)
    MembershipFactory(alliance=alliance, actor=member, role=Role.TECHNICAL_ALLY)
    alliance.places.set(Place.objects.filter(code__in=["05", "050101"]))
    CommitmentFactory(
        alliance=alliance, actor=member, description=SECRETS["commitment_description"]
    )
    # The change of phase as change_phase records it (its conditions are tested elsewhere
    # and grow with other features: the row is what the public page reads).
    PhaseChange.objects.create(
        alliance=alliance,
        transition="start_implementation",
        source_phase="identification",
        target_phase="implementation",
        cycle=1,
        user=coordinator,
        comment=SECRETS["phase_comment"],
    )
    Alliance.objects.filter(pk=alliance.pk).update(phase="implementation")
    indicator = alliance.objectives.first().indicators.first()
    MeasurementFactory(
        indicator=indicator,
        note=SECRETS["measurement_note"],
        reported_by=representative,
        value=Decimal("300"),
    )
    # The agreement in force: its latest version (ready_for_implementation may draft one).
    agreement, _new = Agreement.objects.get_or_create(alliance=alliance, cycle=1)
    AgreementVersion.objects.create(
        agreement=agreement,
        number=agreement.versions.count() + 1,
        objective="Agua segura para 480 hogares",
        decision_making="Por consenso del comité",
        committee_frequency="Cada mes",
        conflict_resolution="Mediación del líder",
        returns_sharing="Datos abiertos",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2028, 12, 31),
        amendment_reason=SECRETS["amendment_reason"],
        created_by=coordinator,
    )
    publish_alliance(user=coordinator, alliance=alliance, comment=SECRETS["publication_comment"])
    hidden = AllianceFactory(
        name=SECRETS["unpublished_alliance"],
        problem=SECRETS["unpublished_problem"],
        coordinators=[coordinator],
    )
    hidden.places.set([Place.objects.get(code="08")])
    MembershipFactory(alliance=hidden, actor=member)
    return {"alliance": alliance, "hidden": hidden, "coordinator": coordinator}


def test_the_public_page_shows_the_alliance_and_its_organisations(client, site):
    response = client.get(
        reverse("public:alliance", args=[site["alliance"].pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    content = response.content.decode()
    for text in (
        "Agua segura para Huamanga",
        "Baja cobertura de agua segura",
        "Ayacucho",
        "Municipalidad Provincial de Huamanga",
        "Red de Juntas de Agua",
        "Technical ally",
        "Implementation",
        "300",  # the latest value of its indicator
        "S/ 450,000.00",  # three commitments of S/ 150,000
        "Agua segura para 480 hogares",  # the agreement's shared objective
        "Por consenso del comité",
    ):
        assert text in content, text


def test_an_unpublished_or_withdrawn_alliance_has_no_public_page(client, site):
    assert client.get(reverse("public:alliance", args=[site["hidden"].pk])).status_code == 404
    withdraw_alliance(user=site["coordinator"], alliance=site["alliance"])
    assert client.get(reverse("public:alliance", args=[site["alliance"].pk])).status_code == 404
    assert (
        client.get(reverse("public:alliance_iati", args=[site["alliance"].pk])).status_code == 404
    )
    assert client.get(reverse("public:data_iati")).status_code == 404  # nothing published


def test_the_public_portfolio_lists_and_maps_published_alliances_only(client, site):
    response = client.get(reverse("public:portfolio"))
    assert response.status_code == 200
    assert [a.pk for a in response.context["page"]] == [site["alliance"].pk]
    counts = {a.code: a.count for a in response.context["territory"].areas}
    assert counts["05"] == 1
    assert counts["08"] == 0
    filtered = client.get(reverse("public:portfolio"), {"phase": "closed"})
    assert list(filtered.context["page"]) == []


def test_the_public_portfolio_reads_a_fixed_number_of_queries(
    client, site, django_assert_max_num_queries
):
    client.get(reverse("public:portfolio"))
    for _ in range(10):
        alliance = AllianceFactory(published=True)
        alliance.places.set([Place.objects.get(code="04")])
    with django_assert_max_num_queries(10):
        client.get(reverse("public:portfolio"))


def test_the_open_data_files(client, site):
    alliance = site["alliance"]
    rows = list(
        csv.DictReader(io.StringIO(client.get(reverse("public:data_csv")).content.decode()[1:]))
    )
    assert [int(r["id"]) for r in rows] == [alliance.pk]
    assert rows[0]["places_ubigeo"] == "05;050101"
    assert rows[0]["committed_pen"] == "450000"
    data = json.loads(client.get(reverse("public:data_json")).content)
    assert data["licence"] == "CC-BY-4.0"
    (record,) = data["alliances"]
    assert {o["name"] for o in record["organisations"]} >= {"Red de Juntas de Agua"}
    values = record["objectives"][0]["indicators"][0]["values"]
    assert [v["value"] for v in values] == ["300"]
    iati = client.get(reverse("public:data_iati"))
    assert iati.status_code == 200
    assert b"<iati-activities" in iati.content
    page = client.get(reverse("public:open_data"), HTTP_ACCEPT_LANGUAGE="en")
    assert "CC BY 4.0" in page.content.decode()


def test_anonymous_requests_are_throttled(client, site, settings):
    settings.PUBLIC_REQUESTS_PER_MINUTE = 3
    # Within one minute (the counter starts again with the next one).
    with time_machine.travel(
        datetime.datetime(2026, 6, 1, 10, 0, 5, tzinfo=datetime.UTC), tick=False
    ):
        check_throttle(client, site)
    with time_machine.travel(
        datetime.datetime(2026, 6, 1, 10, 1, 5, tzinfo=datetime.UTC), tick=False
    ):
        assert client.get(reverse("public:portfolio")).status_code == 200


def check_throttle(client, site):
    statuses = [client.get(reverse("public:portfolio")).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    response = client.get(reverse("public:data_csv"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many requests" in response.content.decode()
    # Another address is counted apart; a signed-in person is not counted.
    assert client.get(reverse("public:portfolio"), REMOTE_ADDR="10.0.0.9").status_code == 200
    client.force_login(site["coordinator"])
    assert client.get(reverse("public:portfolio")).status_code == 200


# --- The crawl -------------------------------------------------------------------------------

LINK = re.compile(r"""(?:href|action)=["']([^"'#]+)""")


def test_the_public_site_shows_nothing_private(client, site, settings):
    """From the public front page, follow every link of the site as an anonymous visitor:
    no page or file names an unpublished alliance, a person, an e-mail or a private field."""
    settings.PUBLIC_REQUESTS_PER_MINUTE = 10_000
    start = reverse("public:portfolio")
    seen, queue, visited_public = set(), [start], []
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200:
            assert response.status_code in (302, 404), (url, response.status_code)
            continue
        content = response.content.decode("utf-8", errors="replace")
        for name, secret in SECRETS.items():
            assert secret.lower() not in content.lower(), (url, name)
        assert "@" not in re.sub(r"@(?:media|import|keyframes|font-face)", "", content), url
        if urlsplit(url).path.startswith("/publico/"):
            visited_public.append(url)
        if "html" not in response.get("Content-Type", ""):
            continue
        for link in LINK.findall(content):
            target = urljoin(url, link.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc and parts.netloc != "testserver":
                continue  # the licence's page, outside the site
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if parts.path.startswith(("/static/", "/i18n/")):
                continue
            queue.append(local)
    paths = {urlsplit(u).path for u in visited_public}
    # It did reach every kind of public page and file.
    for name in ("portfolio", "open_data", "data_csv", "data_json", "data_iati"):
        assert reverse(f"public:{name}") in paths, name
    assert reverse("public:alliance", args=[site["alliance"].pk]) in paths
    assert reverse("public:alliance_iati", args=[site["alliance"].pk]) in paths
    assert any("department=05" in u for u in visited_public)  # the map's drill-down
    assert len(seen) > 30


def test_the_indicator_with_no_measurement_and_no_member_is_fine(client, site):
    other = AllianceFactory(published=True)
    IndicatorFactory(objective=ObjectiveFactory(alliance=other), baseline_value=None)
    assert client.get(reverse("public:alliance", args=[other.pk])).status_code == 200
