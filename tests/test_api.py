"""The REST API: personal tokens (scopes, revocation, stored hashed), the two writes through
the services, validation errors in the caller's language, filters, pagination, ordering,
throttling, bounded queries, and the documentation served from the app itself."""

import base64
import datetime
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from alianzas.models import Alliance, ApiToken
from alianzas.tokens import create_token
from seguimiento.models import Commitment, MeasurementCorrection
from tests.api_world import api_world_fixture, token_client  # noqa: F401
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    IndicatorFactory,
    MeasurementFactory,
    MembershipFactory,
    ObjectiveFactory,
)

pytestmark = pytest.mark.django_db


def progress_url():
    return reverse("api:commitment-update-list")


# --- Tokens --------------------------------------------------------------------------


def test_a_token_is_stored_hashed_and_shown_once(member_representative):
    token, plain = create_token(user=member_representative, name="ERP", scope="read")
    assert plain.startswith("alz_")
    assert len(plain) > 40
    row = ApiToken.objects.values().get(pk=token.pk)
    assert row["key_hash"] == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in {str(value) for value in row.values()}
    assert plain.startswith(row["prefix"])
    assert len(row["prefix"]) < len(plain) // 4


def test_a_read_token_reads_but_never_writes(api_world):
    person = api_world["users"]["member_representative"]
    _, plain = create_token(user=person, name="solo lectura", scope="read")
    client = token_client(plain, language="en")
    assert client.get(reverse("api:alliance-list")).status_code == 200
    response = client.post(
        progress_url(), {"commitment": api_world["ids"]["commitment"], "progress": 50}
    )
    assert response.status_code == 403
    assert "may only read" in response.json()["detail"]
    assert Commitment.objects.get(pk=api_world["ids"]["commitment"]).progress == 10


def test_a_revoked_token_opens_nothing(client, api_world):
    person = api_world["users"]["member_representative"]
    token, plain = create_token(user=person, name="ERP", scope="read_write")
    api = token_client(plain)
    assert api.get(reverse("api:alliance-list")).status_code == 200
    client.force_login(person)
    response = client.post(reverse("api_tokens:revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = api.get(reverse("api:alliance-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize(
    "header", ["Token alz_no-es-un-token", "Token", "Token a b", "Bearer alz_x", "Token \xff"]
)
def test_a_wrong_token_is_401_never_500(api_world, header):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(reverse("api:alliance-list")).status_code == 401


def test_an_inactive_persons_token_opens_nothing(api_world):
    person = api_world["users"]["member_representative"]
    person.is_active = False
    person.save()
    response = token_client(api_world["tokens"]["member_representative"]).get(
        reverse("api:alliance-list")
    )
    assert response.status_code == 401


def test_the_token_records_when_it_was_last_used(api_world):
    person = api_world["users"]["coordinator"]
    token = person.api_tokens.get()
    assert token.last_used_at is None
    token_client(api_world["tokens"]["coordinator"]).get(reverse("api:actor-list"))
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_tokens_page_creates_shows_once_and_lists(client, member_representative):
    client.force_login(member_representative)
    response = client.post(
        reverse("api_tokens:list"), {"name": "Sincronización ActivityInfo", "scope": "read"}
    )
    assert response.status_code == 200
    token = member_representative.api_tokens.get()
    plain = response.context["plain_token"]
    assert hashlib.sha256(plain.encode()).hexdigest() == token.key_hash
    assert plain in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    again = client.get(reverse("api_tokens:list")).content.decode()
    assert plain not in again
    assert "Sincronización ActivityInfo" in again
    assert token.prefix in again


def test_the_tokens_page_refuses_bad_input_in_spanish(client, member_representative):
    client.force_login(member_representative)
    response = client.post(reverse("api_tokens:list"), {"name": "", "scope": "admin"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == ["Este campo es obligatorio."]
    assert "admin" in errors["scope"][0]
    assert "Escoja una opción válida" in errors["scope"][0]
    assert not member_representative.api_tokens.exists()


def test_nobody_revokes_someone_elses_token(client, member_representative, administrator):
    token, _ = create_token(user=member_representative, name="ERP", scope="read")
    client.force_login(administrator)
    assert client.post(reverse("api_tokens:revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_revoking_twice_says_so(client, member_representative):
    token, _ = create_token(user=member_representative, name="ERP", scope="read")
    client.force_login(member_representative)
    client.post(reverse("api_tokens:revoke", args=[token.pk]))
    response = client.post(reverse("api_tokens:revoke", args=[token.pk]), follow=True)
    assert "ya fue revocado" in response.content.decode() or "already revoked" in (
        response.content.decode()
    )


# --- Writes through the services -----------------------------------------------------


def test_logging_progress_moves_the_commitment_as_the_page_does(api_world):
    client = token_client(api_world["tokens"]["member_representative"])
    response = client.post(
        progress_url(),
        {"commitment": api_world["ids"]["commitment"], "progress": 100, "note": "Hecho"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "fulfilled"
    commitment = Commitment.objects.get(pk=api_world["ids"]["commitment"])
    assert commitment.status == "fulfilled"
    assert commitment.progress == 100
    # A fulfilled commitment takes no more updates: the service's refusal, in Spanish.
    response = client.post(
        progress_url(), {"commitment": commitment.pk, "progress": 50}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Este compromiso está «Cumplido» y ya no admite reportes de avance."]
    }


def test_reporting_again_for_a_period_corrects_and_keeps_the_earlier_value(api_world):
    client = token_client(api_world["tokens"]["coordinator"])
    today = timezone.localdate()
    body = {"indicator": api_world["ids"]["indicator"], "period_start": today.isoformat()}
    first = client.post(reverse("api:measurement-list"), {**body, "value": "150"}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["period_start"] == today.replace(month=1, day=1).isoformat()
    second = client.post(reverse("api:measurement-list"), {**body, "value": "175.5"}, format="json")
    assert second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["value"] == "175.5000"
    # The world's value of this period (180) was corrected first, then this one's 150.
    corrections = MeasurementCorrection.objects.filter(measurement_id=first.json()["id"])
    assert [c.previous_value for c in corrections.order_by("pk")] == [180, 150]


def test_validation_errors_are_in_spanish_by_default_and_english_on_request(api_world):
    body = {"commitment": api_world["ids"]["commitment"], "progress": 150}
    spanish = token_client(api_world["tokens"]["coordinator"]).post(
        progress_url(), body, format="json"
    )
    assert spanish.status_code == 400
    assert spanish.json() == {"progress": ["Asegúrese de que este valor es menor o igual a 100."]}
    english = token_client(api_world["tokens"]["coordinator"], language="en").post(
        progress_url(), body, format="json"
    )
    assert english.json() == {"progress": ["Ensure this value is less than or equal to 100."]}


def test_a_service_refusal_is_a_400_in_spanish(api_world):
    Alliance.objects.filter(pk=api_world["alliance"].pk).update(phase="identification")
    response = token_client(api_world["tokens"]["coordinator"]).post(
        reverse("api:measurement-list"),
        {
            "indicator": api_world["ids"]["indicator"],
            "period_start": timezone.localdate().isoformat(),
            "value": "1",
        },
        format="json",
    )
    assert response.status_code == 400
    (message,) = response.json()["non_field_errors"]
    assert message.startswith("Los valores de los indicadores se reportan mientras la alianza")


def test_a_period_of_the_future_or_out_of_range_is_a_field_error(api_world):
    client = token_client(api_world["tokens"]["coordinator"], language="en")
    for day, words in (
        (timezone.localdate() + datetime.timedelta(days=400), "has not started"),
        (datetime.date(9999, 12, 31), "between 2000-01-01 and 2100-12-31"),
        (datetime.date(1990, 1, 1), "between"),
    ):
        response = client.post(
            reverse("api:measurement-list"),
            {"indicator": api_world["ids"]["indicator"], "period_start": day, "value": "1"},
            format="json",
        )
        assert response.status_code == 400
        assert words in response.json()["period_start"][0]


def test_malformed_json_is_a_400(api_world):
    response = token_client(api_world["tokens"]["coordinator"]).post(
        progress_url(), data="{no es json", content_type="application/json"
    )
    assert response.status_code == 400


# --- Filters, pagination, ordering ---------------------------------------------------


@pytest.fixture
def portfolio(administrator):
    """Three alliances: Cusco in implementation with SDG 6 and an academic member; Lima in
    identification with SDG 4; Piura in implementation with nothing else."""
    from alianzas.models import Region

    cusco = AllianceFactory(name="Cusco")
    cusco.regions.add(Region.objects.get(code="08"))
    cusco.goals.add(6)
    MembershipFactory(alliance=cusco, actor=ActorFactory(sector="academia"))
    lima = AllianceFactory(name="Lima")
    lima.regions.add(Region.objects.get(code="15"))
    lima.goals.add(4)
    piura = AllianceFactory(name="Piura")
    Alliance.objects.filter(pk__in=[cusco.pk, piura.pk]).update(phase="implementation")
    _, plain = create_token(user=administrator, name="tablero", scope="read")
    return {"cusco": cusco, "lima": lima, "piura": piura, "client": token_client(plain)}


def names(response):
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Cusco", "Lima", "Piura"]),
        ("?phase=implementation", ["Cusco", "Piura"]),
        ("?region=08", ["Cusco"]),
        ("?sdg=4", ["Lima"]),
        ("?sector=academia", ["Cusco"]),
        ("?phase=implementation&sdg=6&region=08&sector=academia", ["Cusco"]),
        ("?sector=private", []),
    ],
)
def test_alliance_filters(portfolio, query, expected):
    assert names(portfolio["client"].get(reverse("api:alliance-list") + query)) == expected


def test_updated_since(portfolio):
    Alliance.objects.filter(pk=portfolio["lima"].pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=30)
    )
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    response = portfolio["client"].get(reverse("api:alliance-list"), {"updated_since": since})
    assert names(response) == ["Cusco", "Piura"]
    day = (timezone.localdate() - datetime.timedelta(days=40)).isoformat()
    response = portfolio["client"].get(reverse("api:alliance-list"), {"updated_since": day})
    assert names(response) == ["Cusco", "Lima", "Piura"]


def test_filters_apply_to_the_rows_of_alliances_too(portfolio):
    for alliance in ("cusco", "lima"):
        objective = ObjectiveFactory(alliance=portfolio[alliance])
        MeasurementFactory(indicator=IndicatorFactory(objective=objective))
    response = portfolio["client"].get(reverse("api:measurement-list"), {"region": "08"})
    assert [row["alliance"] for row in response.json()["results"]] == [portfolio["cusco"].pk]
    response = portfolio["client"].get(
        reverse("api:objective-list"), {"alliance": portfolio["lima"].pk}
    )
    assert [row["alliance"] for row in response.json()["results"]] == [portfolio["lima"].pk]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"phase": "nada"}, "phase", "«nada» no es una elección válida."),
        ({"sdg": "18"}, "sdg", "Asegúrese de que este valor es menor o igual a 17."),
        ({"updated_since": "ayer"}, "updated_since", "Fecha/hora con formato erróneo."),
        ({"region": "99"}, "region", "no existe"),
    ],
)
def test_a_bad_filter_is_a_400_in_spanish(portfolio, query, field, message):
    response = portfolio["client"].get(reverse("api:alliance-list"), query)
    assert response.status_code == 400
    assert message.replace("«", '"').replace("»", '"') in response.json()[field][0] or (
        message in response.json()[field][0]
    )


def walk(client, address, **query) -> list[dict]:
    """Every page of a list, through its next links; each page's previous link leads back
    to the page before."""
    pages = [client.get(address, query).json()]
    while pages[-1]["next"]:
        pages.append(client.get(pages[-1]["next"]).json())
        back = client.get(pages[-1]["previous"]).json()
        assert back["results"] == pages[-2]["results"]
    assert pages[0]["previous"] is None
    return pages


def test_pages_are_walked_by_their_links_in_id_order(portfolio):
    client = portfolio["client"]
    pages = walk(client, reverse("api:alliance-list"), page_size=2)
    assert [len(page["results"]) for page in pages] == [2, 1]
    ids = [row["id"] for page in pages for row in page["results"]]
    assert ids == sorted(ids)
    assert len(set(ids)) == 3
    assert "count" not in pages[0]
    # The page size and the filters go with the links.
    assert "page_size=2" in pages[0]["next"]
    cusco = walk(client, reverse("api:alliance-list"), page_size=1, region="08")
    assert [row["id"] for page in cusco for row in page["results"]] == [portfolio["cusco"].pk]


def test_a_row_added_while_walking_is_met_once_and_none_is_skipped(portfolio):
    client = portfolio["client"]
    first = client.get(reverse("api:alliance-list"), {"page_size": 2}).json()
    # A row that would have moved every later page along under page numbers.
    newest = AllianceFactory()
    rest = client.get(first["next"]).json()
    ids = [row["id"] for row in first["results"] + rest["results"]]
    assert len(ids) == len(set(ids)) == 4
    assert ids[-1] == newest.pk


@pytest.mark.parametrize(
    "cursor",
    [
        "nada",
        "cD1hYmM=",  # p=abc
        "cD0tMQ==",  # p=-1
        "cD3Csg==",  # p=² in UTF-8
        "bz01",  # o=5: an offset, which no link of ours carries
        "cj14",  # r=x
        "ñ",
    ],
)
def test_a_cursor_that_is_not_ours_is_a_404_that_says_so(portfolio, cursor):
    response = portfolio["client"].get(reverse("api:alliance-list"), {"cursor": cursor})
    assert response.status_code == 404
    assert "siguiente" in response.json()["detail"]


def test_a_cursor_past_the_last_id_is_an_empty_page(portfolio):
    client = portfolio["client"]
    for position in ("99999999", "9" * 19):
        cursor = base64.b64encode(f"p={position}".encode()).decode()
        response = client.get(reverse("api:alliance-list"), {"cursor": cursor})
        assert response.status_code == 200
        assert response.json()["results"] == []


def test_a_page_number_is_refused_with_the_way_to_walk(portfolio):
    response = portfolio["client"].get(reverse("api:alliance-list"), {"page": 2})
    assert response.status_code == 400
    assert "siguiente" in response.json()["page"][0]


@pytest.mark.parametrize("size", ["0", "201", "-1", "abc", "²", "١٢", ""])
def test_a_page_size_that_is_not_1_to_200_is_a_400_that_says_so(portfolio, size):
    response = portfolio["client"].get(reverse("api:alliance-list"), {"page_size": size})
    assert response.status_code == 400
    assert response.json()["page_size"] == ["Indique un número entero de 1 a 200."]


def test_a_page_size_of_200_is_taken(portfolio):
    response = portfolio["client"].get(reverse("api:alliance-list"), {"page_size": "200"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


def test_an_alliance_reads_with_phase_cycle_territory_sdgs_and_members(portfolio):
    row = (
        portfolio["client"].get(reverse("api:alliance-detail", args=[portfolio["cusco"].pk])).json()
    )
    assert row["phase"] == "implementation"
    assert row["cycle"] == 1
    assert row["territory"] == [{"code": "08", "name": "Cusco"}]
    assert row["sdgs"] == [6]
    (member,) = row["members"]
    assert member["sector"] == "academia"
    assert member["role"] == "implementing_partner"
    assert "email" not in str(row)


# --- Throttling and bounded queries -------------------------------------------------


def test_anonymous_callers_are_throttled(settings, db):
    from rest_framework.test import APIClient

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "1000/minute"},
    }
    client = APIClient()
    codes = [client.get(reverse("api:alliance-list")).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_signed_in_callers_are_throttled_per_person(settings, api_world):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000/minute", "user": "2/minute"},
    }
    first = token_client(api_world["tokens"]["coordinator"])
    assert [first.get(reverse("api:actor-list")).status_code for _ in range(3)] == [200, 200, 429]
    other = token_client(api_world["tokens"]["member_representative"])
    assert other.get(reverse("api:actor-list")).status_code == 200


def many_alliances(count, representative):
    actor = ActorFactory(representatives=[representative])
    for _ in range(count):
        alliance = AllianceFactory()
        alliance.regions.add(1)
        alliance.goals.add(6, 13)
        MembershipFactory(alliance=alliance, actor=actor)
        MembershipFactory(alliance=alliance)
        indicator = IndicatorFactory(objective=ObjectiveFactory(alliance=alliance))
        MeasurementFactory(indicator=indicator)


@pytest.mark.parametrize("count", [2, 20])
@pytest.mark.parametrize(
    "resource",
    [
        "actor",
        "alliance",
        "objective",
        "indicator",
        "measurement",
        "commitment",
        "commitment-update",
        "phase-change",
        "evaluation",
        "agreement",
        "action-point",
    ],
)
def test_list_queries_are_bounded(
    django_assert_max_num_queries, member_representative, resource, count
):
    """As many queries for 20 alliances as for 2: the token, the rows and one per prefetched
    set; no count."""
    many_alliances(count, member_representative)
    _, plain = create_token(user=member_representative, name="ERP", scope="read")
    client = token_client(plain)
    client.get(reverse("api:actor-list"))  # the token's last use is written once a minute
    with django_assert_max_num_queries(5):
        response = client.get(reverse(f"api:{resource}-list"))
    assert response.status_code == 200
    if resource in ("alliance", "measurement"):
        assert len(response.json()["results"]) == count


# --- The documentation ---------------------------------------------------------------


def test_the_schema_and_its_readers_are_served_from_the_app(client):
    schema = client.get(reverse("api:schema"))
    assert schema.status_code == 200
    assert b"/api/v1/alliances/" in schema.content
    for name in ("api:docs", "api:redoc"):
        page = client.get(reverse(name)).content.decode()
        assert "drf_spectacular_sidecar" in page
        assert "https://" not in page
        assert "<script>" not in page  # every script is a file (the CSP)
    script = client.get(reverse("api:docs") + "?script=")
    assert script["Content-Type"].startswith("application/javascript")
