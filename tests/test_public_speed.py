"""What the cheaper public pages must keep: the portfolio's rows (link, phase, places, SDGs)
worked out once in Python and the alliance page's objectives read in two queries, in a number
of queries that does not grow with the alliances or indicators shown, still right in Spanish
and English, and still without personal data."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alianzas.models import Place
from seguimiento.models import CommitmentStatus
from tests.factories import (
    AllianceFactory,
    CommitmentFactory,
    IndicatorFactory,
    MeasurementFactory,
    MembershipFactory,
    ObjectiveFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_throttle(settings):
    settings.PUBLIC_REQUESTS_PER_MINUTE = 10_000


def queries_of(client, url, **extra) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(captured), response


def rows_of(response) -> list[list[str]]:
    """The cells (tags stripped) of the portfolio table's body rows."""
    listing = response.content.decode().split('id="list-title"', 1)[1]
    body = listing.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def published(**fields):
    return AllianceFactory(published=True, **fields)


def test_the_portfolio_reads_a_fixed_number_of_queries(client, administrator):
    first = published()
    first.places.set(Place.objects.filter(code__in=["05", "15"]))
    first.goals.add(3, 6)
    url = reverse("public:portfolio")
    client.get(url)
    few, _response = queries_of(client, url)
    for number in range(12):
        alliance = published(phase="implementation" if number % 2 else "identification")
        alliance.places.set(Place.objects.filter(code__in=["04", "08"]))
        alliance.goals.add(1 + number % 17, 17)
    many, response = queries_of(client, url)
    assert many == few
    assert len(rows_of(response)) == 13
    # The count, the page, its places, its SDGs, and the map's kept counts and departments.
    assert few <= 6
    # Signed in: the same page, plus the session, the person (and the menu's facts).
    client.force_login(administrator)
    client.get(url)
    signed_in, _response = queries_of(client, url)
    assert signed_in <= few + 3


def test_the_portfolio_rows_show_link_phase_places_and_sdgs_in_both_languages(client):
    full = published(name="Agua <segura> & limpia", phase="implementation")
    full.places.set(Place.objects.filter(code__in=["15", "05"]))
    full.goals.add(6, 3)
    bare = published(name="Bosques sin fronteras")
    AllianceFactory(name="Alianza no publicada")
    url = reverse("public:portfolio")
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
    assert rows_of(spanish) == [
        ["Agua &lt;segura&gt; &amp; limpia", "Implementación", "Ayacucho, Lima", "3, 6"],
        ["Bosques sin fronteras", "Identificación, formulación y diseño", "—", "—"],
    ]
    content = spanish.content.decode()
    for alliance in (full, bare):
        link = reverse("public:alliance", args=[alliance.pk])
        assert f'<a href="{link}">' in content
    assert 'class="phase phase-implementation"' in content
    assert "no publicada" not in content
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert [row[1] for row in rows_of(english)] == [
        "Implementation",
        "Identification, formulation and design",
    ]
    # A filter and a second page still choose the rows.
    filtered = client.get(url, {"phase": "implementation"}, HTTP_ACCEPT_LANGUAGE="en")
    assert [row[0] for row in rows_of(filtered)] == ["Agua &lt;segura&gt; &amp; limpia"]


def test_the_portfolio_pages_through_the_published_alliances(client, monkeypatch):
    monkeypatch.setattr("alianzas.views.PAGE_SIZE", 2)
    for name in ("A", "B", "C"):
        published(name=f"Alianza {name}").goals.add(13)
    url = reverse("public:portfolio")
    assert [row[0] for row in rows_of(client.get(url, {"page": 2}))] == ["Alianza C"]
    assert [row[3] for row in rows_of(client.get(url))] == ["13", "13"]


def build_alliance(objectives: int, indicators: int):
    alliance = published(name="Agua segura para Huamanga")
    alliance.places.set(Place.objects.filter(code__in=["05"]))
    alliance.goals.add(6)
    reporter = UserFactory(first_name="Persona Reservada", email="reservada@example.org")
    MembershipFactory(alliance=alliance)
    for position in range(objectives):
        objective = ObjectiveFactory(alliance=alliance, position=position + 1)
        for _ in range(indicators):
            indicator = IndicatorFactory(objective=objective)
            MeasurementFactory(
                indicator=indicator,
                value=Decimal("200"),
                period_end=datetime.date(2026, 3, 31),
                reported_by=reporter,
                note="Nota interna reservada",
            )
            MeasurementFactory(
                indicator=indicator,
                value=Decimal("300"),
                period_start=datetime.date(2026, 4, 1),
                period_end=datetime.date(2026, 6, 30),
                reported_by=reporter,
            )
    return alliance


def test_the_public_alliance_page_reads_a_fixed_number_of_queries(client):
    small = build_alliance(objectives=1, indicators=1)
    big = build_alliance(objectives=4, indicators=5)
    for _ in range(5):
        MembershipFactory(alliance=big)
    url = reverse("public:alliance", args=[small.pk])
    client.get(url)
    few, _response = queries_of(client, url)
    many, response = queries_of(client, reverse("public:alliance", args=[big.pk]))
    assert many == few
    # The alliance (with what its members committed), its places, SDGs, members, changes of
    # phase, objectives with their indicators and latest values, and agreement.
    assert few <= 7
    assert response.content.decode().count("<progress") == 20


def test_the_public_alliance_page_shows_latest_values_progress_and_totals(client):
    alliance = build_alliance(objectives=1, indicators=1)
    ObjectiveFactory(alliance=alliance, position=2, title="Objetivo sin indicadores")
    IndicatorFactory(objective=alliance.objectives.get(position=1), name="Sin medición")
    CommitmentFactory(alliance=alliance, value_pen=Decimal("150000.00"))
    CommitmentFactory(alliance=alliance, value_pen=Decimal("2500.50"))
    CommitmentFactory(
        alliance=alliance, value_pen=Decimal("999.00"), status=CommitmentStatus.CANCELLED
    )
    url = reverse("public:alliance", args=[alliance.pk])
    content = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # The latest of two values (300 of the baseline 120 and target 480: 50 %), its date.
    assert '<progress max="100" value="50" aria-label="Progress">50%</progress> 50%' in content
    assert "300<br>" in content
    assert "200<br>" not in content
    assert "06/30/2026" in content
    assert "Sin medición" in content
    assert "No indicators yet." in content
    assert "S/ 152,500.50" in content
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'aria-label="Avance">50%</progress>' in spanish
    assert "Aún no hay indicadores." in spanish
    for private in ("Persona Reservada", "reservada@example.org", "Nota interna reservada"):
        assert private not in content
        assert private not in spanish


def test_an_alliance_with_nothing_committed_shows_a_dash(client):
    alliance = published()
    CommitmentFactory(alliance=alliance, value_pen=None)
    content = client.get(reverse("public:alliance", args=[alliance.pk])).content.decode()
    assert re.search(r"<dd>—</dd>", content)
    assert "S/" not in content


def test_the_map_labels_and_links_keep_the_filters(client):
    first = published(phase="implementation")
    first.places.set(Place.objects.filter(code__in=["05", "15"]))
    published(phase="identification").places.set(Place.objects.filter(code__in=["05"]))
    url = reverse("public:portfolio")
    content = client.get(url, {"phase": "implementation"}).content.decode()
    link = f"{url}?phase=implementation&amp;department=05#map-title"
    assert f'<a href="{link}" aria-label="Ayacucho: 1">' in content
    assert f'<a href="{link}">Ayacucho</a>' in content
    assert "<title>Lima: 1</title>" in content
    unfiltered = client.get(url).content.decode()
    assert f'<a href="{url}?department=05#map-title" aria-label="Ayacucho: 2">' in unfiltered
    provinces = client.get(url, {"department": "05"}).content.decode()
    assert "<title>Huamanga: 0</title>" in provinces
    assert f'href="{url}?#map-title"' in provinces  # back to the map of Peru
