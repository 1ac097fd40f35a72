"""A coordinator picks provinces and districts (UBIGEO places) on the alliance's form.

The form shows the chosen ones as ticked boxes and a search (``alianzas:place_search``)
that brings more as unticked boxes; choosing one puts its department in the territory,
unticking a department takes its places out, and what is not a province or district, or
too many of them, is refused on the field.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _

from alianzas import places
from alianzas.models import Alliance, Place, Region
from tests.factories import AllianceFactory

pytestmark = pytest.mark.django_db

MACHUPICCHU = "081304"  # district of Urubamba (0813), Cusco (08)
URUBAMBA = "0813"
CUSCO = "08"
AYACUCHO = "05"


def place(code):
    return Place.objects.get(code=code)


def region(code):
    return Region.objects.get(code=code)


def alliance_data(alliance=None, *, regions=(), chosen=(), **extra):
    data = {
        "name": alliance.name if alliance else "Turismo sostenible en el Valle Sagrado",
        "problem": "Los visitantes no dejan ingresos en las comunidades.",
        "origin": alliance.origin if alliance else "from_the_base",
        "regions": [region(code).pk for code in regions],
        "places": [place(code).pk for code in chosen],
        "goals": [],
        "start_date": "",
        "end_date": "",
    }
    data.update(extra)
    return data


def codes(alliance):
    return sorted(alliance.places.values_list("code", flat=True))


def region_codes(alliance):
    return sorted(alliance.regions.values_list("code", flat=True))


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def mine(coordinator):
    return AllianceFactory(coordinators=[coordinator])


def edit(client, alliance, data, *, follow=True):
    return client.post(reverse("alianzas:alliance_edit", args=[alliance.pk]), data, follow=follow)


# --- The form ---------------------------------------------------------------------------


def test_a_new_alliance_with_a_district_gets_its_department_and_says_so(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("alianzas:alliance_create"), alliance_data(chosen=[MACHUPICCHU]), follow=True
    )
    alliance = Alliance.objects.get(name="Turismo sostenible en el Valle Sagrado")
    assert codes(alliance) == [CUSCO, MACHUPICCHU]
    assert region_codes(alliance) == [CUSCO]
    assert any("Cusco" in message for message in messages_of(response))
    # The alliance's page shows the district under its department.
    page = response.content.decode()
    assert '<ul class="territory"><li>Cusco<ul><li>Machupicchu' in page


def test_no_notice_when_the_department_was_ticked_too(client, coordinator, mine):
    client.force_login(coordinator)
    edit(client, mine, alliance_data(mine, regions=[CUSCO]))
    client.get(reverse("fases:alliance_detail", args=[mine.pk]))  # now in the page cache
    response = edit(client, mine, alliance_data(mine, regions=[CUSCO], chosen=[URUBAMBA]))
    assert codes(mine) == [CUSCO, URUBAMBA]
    assert not any("Cusco" in message for message in messages_of(response))
    # Only a place changed, and the alliance's page shows it (not the cached one).
    assert "<li>Cusco<ul><li>Urubamba" in response.content.decode()


def test_the_edit_form_shows_the_chosen_places_ticked_and_keeps_them(client, coordinator, mine):
    client.force_login(coordinator)
    edit(client, mine, alliance_data(mine, regions=[AYACUCHO], chosen=[MACHUPICCHU, URUBAMBA]))
    response = client.get(reverse("alianzas:alliance_edit", args=[mine.pk]))
    page = response.content.decode()
    machupicchu = place(MACHUPICCHU)
    assert (
        f'<input type="checkbox" name="places" value="{machupicchu.pk}" '
        f'id="id_places_{machupicchu.pk}" checked> {places.label(machupicchu)}'
    ) in page
    assert places.label(place(URUBAMBA)) in page
    # Only the chosen ones are rendered, not the ~2,000 places there are.
    assert page.count('name="places"') == 2
    # Saved again as shown, nothing changes.
    edit(
        client, mine, alliance_data(mine, regions=[AYACUCHO, CUSCO], chosen=[MACHUPICCHU, URUBAMBA])
    )
    assert codes(mine) == [AYACUCHO, CUSCO, URUBAMBA, MACHUPICCHU]


def test_unticking_the_department_drops_its_districts_and_says_so(client, coordinator, mine):
    client.force_login(coordinator)
    edit(client, mine, alliance_data(mine, regions=[AYACUCHO], chosen=[MACHUPICCHU, "0501"]))
    assert codes(mine) == [AYACUCHO, "0501", CUSCO, MACHUPICCHU]
    # Cusco unticked, Machupicchu still ticked (as the form shows it): it goes with Cusco.
    response = edit(
        client, mine, alliance_data(mine, regions=[AYACUCHO], chosen=[MACHUPICCHU, "0501"])
    )
    assert codes(mine) == [AYACUCHO, "0501"]
    assert region_codes(mine) == [AYACUCHO]
    assert any("Machupicchu" in message for message in messages_of(response))


def test_unticking_a_place_removes_it(client, coordinator, mine):
    client.force_login(coordinator)
    edit(client, mine, alliance_data(mine, chosen=[MACHUPICCHU, URUBAMBA]))
    edit(client, mine, alliance_data(mine, regions=[CUSCO], chosen=[URUBAMBA]))
    assert codes(mine) == [CUSCO, URUBAMBA]


def posted_with(client, alliance, values):
    client.force_login(alliance.coordinators.get())
    before = codes(alliance)
    response = edit(client, alliance, {**alliance_data(alliance), "places": values}, follow=False)
    assert response.status_code == 200  # the form again, not a redirect
    assert codes(alliance) == before
    return response.context["form"].errors["places"]


def test_a_department_is_not_a_place_to_pick(client, mine):
    errors = posted_with(client, mine, [place(CUSCO).pk])
    assert errors == [
        _("%(value)s is not a province or district that can be chosen here.")
        % {"value": place(CUSCO).pk}
    ]


# "²" and "١٢" are digits to ``str.isdigit`` but not to ``int``: once a 500 found by the
# property tests.
@pytest.mark.parametrize(
    "value", ["987654321", "-1", "0", str(2**63), "9" * 40, "abc", "²", "١٢", "1²"]
)
def test_an_unknown_or_impossible_id_is_refused_on_the_field(client, mine, value):
    assert posted_with(client, mine, [value])


def test_more_than_the_cap_is_refused_with_a_clear_message(client, mine):
    too_many = list(places.pickable().values_list("pk", flat=True)[: places.MAX_PLACES + 1])
    errors = posted_with(client, mine, too_many)
    assert errors == [places.too_many(places.MAX_PLACES + 1)]
    assert str(places.MAX_PLACES) in errors[0]


def test_the_cap_itself_is_accepted(client, coordinator, mine):
    client.force_login(coordinator)
    chosen = list(places.pickable().values_list("pk", flat=True)[: places.MAX_PLACES])
    response = edit(client, mine, {**alliance_data(mine), "places": chosen}, follow=False)
    assert response.status_code == 302
    assert mine.places.exclude(level="department").count() == places.MAX_PLACES


def test_the_service_refuses_a_department_as_a_place_too(coordinator, mine):
    from django.core.exceptions import ValidationError

    from alianzas.services import update_alliance

    with pytest.raises(ValidationError) as refusal:
        update_alliance(user=coordinator, alliance=mine, chosen_places=[place(CUSCO)])
    assert "places" in refusal.value.message_dict


# --- The search -------------------------------------------------------------------------


def search(client, **params):
    return client.get(reverse("alianzas:place_search"), params)


def found_codes(response):
    return [option["place"].code for option in response.context["options"]]


@pytest.fixture
def signed_in(client, coordinator):
    client.force_login(coordinator)
    return client


def test_search_matches_names_without_case_or_accents(signed_in):
    response = search(signed_in, q="MÁCHU")
    assert response.status_code == 200
    assert MACHUPICCHU in found_codes(response)
    page = response.content.decode()
    machupicchu = place(MACHUPICCHU)
    assert (
        f'<input type="checkbox" name="places" value="{machupicchu.pk}" '
        f'id="id_places_{machupicchu.pk}"> {places.label(machupicchu)}'
    ) in page
    canete = search(signed_in, q="canete")
    assert "Cañete" in [option["place"].name for option in canete.context["options"]]


def test_search_matches_a_ubigeo_code_prefix(signed_in):
    response = search(signed_in, q="0813")
    found = found_codes(response)
    assert all(code.startswith("0813") for code in found)
    assert URUBAMBA in found
    assert MACHUPICCHU in found


def test_search_offers_provinces_and_districts_only(signed_in):
    response = search(signed_in, q="Cusco")
    levels = {option["place"].level for option in response.context["options"]}
    assert levels <= {"province", "district"}
    assert CUSCO not in found_codes(response)
    # Names that begin with the words come first.
    assert found_codes(response)[0].startswith("08")


def test_search_shows_at_most_twenty(signed_in):
    response = search(signed_in, q="san")
    assert Place.objects.filter(name__icontains="san").count() > places.SEARCH_LIMIT
    assert len(response.context["options"]) == places.SEARCH_LIMIT == 20
    assert _("Only the first ones are shown; type more to narrow the search.") in (
        response.content.decode()
    )


def test_search_keeps_the_ticked_places_ticked_and_first(signed_in):
    urubamba = place(URUBAMBA)
    response = search(signed_in, q="Machup", places=[urubamba.pk])
    options = response.context["options"]
    assert options[0]["place"] == urubamba
    assert options[0]["checked"]
    assert [o["place"].code for o in options if not o["checked"]] == [MACHUPICCHU]
    # A ticked place that matches is not offered twice.
    again = search(signed_in, q="Machu", places=[place(MACHUPICCHU).pk])
    assert found_codes(again).count(MACHUPICCHU) == 1


def test_search_with_too_few_letters_offers_nothing(signed_in):
    response = search(signed_in, q="m")
    assert response.status_code == 200
    assert response.context["options"] == []
    assert _("Type at least %(length)s letters.") % {"length": 2} in response.content.decode()


def test_search_with_too_many_letters_or_a_bad_place_is_a_400(signed_in):
    assert search(signed_in, q="x" * (places.SEARCH_MAX_LENGTH + 1)).status_code == 400
    assert search(signed_in, q="Machu", places=["9" * 40]).status_code == 400
    assert search(signed_in, q="Machu", places=["²"]).status_code == 400
    assert search(signed_in, q="Machu", places=[place(CUSCO).pk]).status_code == 400


def test_search_with_no_match_says_so(signed_in):
    response = search(signed_in, q="zzqx")
    assert response.context["options"] == []
    said = _("No province or district matches “%(query)s”.") % {"query": "zzqx"}
    assert said in response.content.decode()


def test_search_asks_to_sign_in(client):
    response = search(client, q="Machu")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_search_costs_a_bounded_number_of_queries(signed_in):
    ticked = list(places.pickable().values_list("pk", flat=True)[:10])
    search(signed_in, q="san")  # the session and the user are read on each request
    with CaptureQueriesContext(connection) as few:
        search(signed_in, q="san", places=ticked[:1])
    with CaptureQueriesContext(connection) as more:
        search(signed_in, q="san", places=ticked)
    # The session, the user, the ticked places, the matches.
    assert len(more) == len(few) <= 4
