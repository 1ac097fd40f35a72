"""An alliance's pages as tabs (``fases.pages``): the summary, the objectives and indicators,
the commitments and the history, each at its own address under the same title and tabs.
What each shows and what it leaves to the others; where the summary's checklist, the forms
and the links of other pages lead for a part that is on another tab. (Who may open each tab,
and that its queries do not grow with its rows: tests/test_permissions.py and
tests/test_query_counts.py, where the tabs are in the matrix.)"""

import pytest
from django.urls import reverse

from alianzas.lifecycle import Phase
from alianzas.models import PhaseChange
from alianzas.reversing import alliance_part_url
from tests.factories import (
    CommitmentFactory,
    IndicatorFactory,
    ObjectiveFactory,
)

pytestmark = pytest.mark.django_db

TABS = [
    "fases:alliance_detail",
    "fases:alliance_objectives",
    "fases:alliance_commitments",
    "fases:alliance_history",
]


@pytest.fixture
def full(alliance):
    """``alliance`` with an indicator, a commitment of its member and a change of phase."""
    objective = ObjectiveFactory(alliance=alliance, title="Reducir la anemia infantil")
    IndicatorFactory(objective=objective, name="Niñas y niños con hemoglobina normal")
    CommitmentFactory(
        alliance=alliance,
        actor=alliance.memberships.get().actor,
        description="Capacitar a 40 promotoras de salud",
    )
    PhaseChange.objects.create(
        alliance=alliance,
        transition="start_implementation",
        source_phase=Phase.IDENTIFICATION,
        target_phase=Phase.IMPLEMENTATION,
        cycle=1,
        comment="Acta firmada en Huamanga",
    )
    return alliance


def open_tab(client, person, name, alliance) -> str:
    client.force_login(person)
    response = client.get(reverse(name, args=[alliance.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("name", TABS)
def test_every_tab_has_the_title_and_the_tabs_with_itself_marked(
    client, coordinator, alliance, name
):
    page = open_tab(client, coordinator, name, alliance)
    assert "<h1>Agua segura para Ayacucho</h1>" in page
    for other in TABS:
        url = reverse(other, args=[alliance.pk])
        current = ' aria-current="page"' if other == name else ""
        assert f'<a href="{url}"{current}>' in page
    assert 'aria-label="Partes de la alianza"' in page


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("fases:alliance_detail", ['id="next-step"', 'id="members"', "Gobierno Regional"]),
        (
            "fases:alliance_objectives",
            ["Reducir la anemia infantil", "Niñas y niños con hemoglobina normal"],
        ),
        ("fases:alliance_commitments", ["Capacitar a 40 promotoras de salud"]),
        ("fases:alliance_history", ['id="history"', "Acta firmada en Huamanga"]),
    ],
)
def test_each_tab_shows_its_part_and_not_the_others(client, coordinator, full, name, shown):
    page = open_tab(client, coordinator, name, full)
    for text in shown:
        assert text in page
    parts = {
        "fases:alliance_detail": 'id="next-step"',
        "fases:alliance_objectives": 'id="objectives"',
        "fases:alliance_commitments": 'id="commitments"',
        "fases:alliance_history": 'id="history"',
    }
    for other, part in parts.items():
        assert (part in page) == (other == name), (other, part)


def test_a_member_representative_sees_every_tab_and_may_add_a_commitment(
    client, member_representative, full
):
    page = open_tab(client, member_representative, "fases:alliance_commitments", full)
    assert "Capacitar a 40 promotoras de salud" in page
    assert reverse("seguimiento:commitment_create", args=[full.pk]) in page
    for name in TABS:
        open_tab(client, member_representative, name, full)


def test_an_outsider_sees_no_tab(client, outsider_representative, full):
    client.force_login(outsider_representative)
    for name in TABS:
        assert client.get(reverse(name, args=[full.pk])).status_code == 404


def test_the_checklist_leads_to_the_tab_that_shows_what_is_missing(client, coordinator, alliance):
    """No objective yet: the summary's checklist links to the objectives tab, at its list."""
    page = open_tab(client, coordinator, "fases:alliance_detail", alliance)
    objectives = reverse("fases:alliance_objectives", args=[alliance.pk])
    assert f'<a href="{objectives}#objectives">' in page
    # The members are on the summary itself.
    summary = reverse("fases:alliance_detail", args=[alliance.pk])
    assert f'<a href="{summary}#members">' in page


@pytest.mark.parametrize(
    ("anchor", "name"),
    [
        ("", "fases:alliance_detail"),
        ("members", "fases:alliance_detail"),
        ("next-step", "fases:alliance_detail"),
        ("people", "fases:alliance_detail"),
        ("objectives", "fases:alliance_objectives"),
        ("objective-4", "fases:alliance_objectives"),
        ("indicator-7", "fases:alliance_objectives"),
        ("indicators-7", "fases:alliance_objectives"),
        ("commitments", "fases:alliance_commitments"),
        ("commitments-actor-9", "fases:alliance_commitments"),
        ("commitment-3", "fases:alliance_commitments"),
        ("history", "fases:alliance_history"),
        ("adjustments", "fases:alliance_history"),
    ],
)
def test_each_part_of_an_alliance_is_found_on_its_tab(anchor, name):
    url = reverse(name, args=[12])
    assert alliance_part_url(12, anchor) == (f"{url}#{anchor}" if anchor else url)


def test_adding_an_objective_returns_to_the_objectives_tab(client, coordinator, alliance):
    client.force_login(coordinator)
    response = client.post(
        reverse("alianzas:objective_create", args=[alliance.pk]),
        {"position": 1, "title": "Mejorar la calidad del agua"},
    )
    assert response.status_code == 302
    assert response.url == reverse("fases:alliance_objectives", args=[alliance.pk]) + "#objectives"
    assert "Mejorar la calidad del agua" in client.get(response.url).content.decode()


def test_other_pages_link_a_commitment_and_an_indicator_on_their_tabs(
    client, member_representative, coordinator, full
):
    commitment = full.commitments.get()
    indicator = IndicatorFactory._meta.model.objects.get(objective__alliance=full)
    commitments_tab = reverse("fases:alliance_commitments", args=[full.pk])
    objectives_tab = reverse("fases:alliance_objectives", args=[full.pk])
    client.force_login(member_representative)
    mine = client.get(reverse("seguimiento:my_commitments")).content.decode()
    assert f"{commitments_tab}#commitments-actor-{commitment.actor_id}" in mine
    client.force_login(coordinator)
    detail = client.get(
        reverse("seguimiento:commitment_detail", args=[full.pk, commitment.pk])
    ).content.decode()
    assert f"{commitments_tab}#commitment-{commitment.pk}" in detail
    history = client.get(
        reverse("seguimiento:indicator_history", args=[full.pk, indicator.pk])
    ).content.decode()
    assert f"{objectives_tab}#indicator-{indicator.pk}" in history
