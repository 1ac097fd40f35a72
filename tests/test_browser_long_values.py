"""Pages filled with the longest values the models accept, at 360 px: nothing sticks out.

An actor's page was once 464 px wide on a phone (its cards cut off) when a name or an
address ran long. Here an actor, its alliances and its commitments carry the longest
names, unbroken words, e-mail addresses and web addresses their fields allow, and the
actor's page, its alliance's page and the portfolio must stay within a 360 px screen.
"""

import datetime

import pytest
from django.urls import reverse

from alianzas.models import Role
from tests.browser import sign_in
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    IndicatorFactory,
    MembershipFactory,
    ObjectiveFactory,
)
from tests.test_browser_every_page import widest

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("browser_page")]

# A word longer than any screen is wide, as pasted codes and URLs without spaces are.
WORD = "Interinstitucionalizacióndelosserviciosdeaguapotable"


def sized(text: str, length: int) -> str:
    """``text`` repeated and cut to exactly ``length`` characters."""
    return (text * (length // len(text) + 1))[:length]


@pytest.fixture
def long_world(administrator):
    actor = ActorFactory(
        name=sized(f"Asociación {WORD} ", 200),
        acronym=sized("ASOCIACIONINTERINSTITUCIONAL", 30),
        email=f"{sized('coordinacion.interinstitucional', 60)}@{sized('municipalidad', 60)}.gob.pe",
        website=f"https://www.{sized('municipalidadprovincial', 60)}.gob.pe/{WORD}/{WORD}",
        phone=sized("0123456789", 30),
        address=sized(f"Jirón {WORD} ", 250),
        description=f"{WORD}{WORD} " * 5,
    )
    alliances = []
    for number in range(12):
        alliance = AllianceFactory(
            name=sized(f"{number} Alianza {WORD}{WORD} ", 200),
            problem=f"{WORD}{WORD} " * 10,
            coordinators=[administrator],
        )
        MembershipFactory(
            alliance=alliance,
            actor=actor,
            role=Role.LEADER if number == 0 else Role.IMPLEMENTING_PARTNER,
            left_on=datetime.date(2026, 6, 30) if number == 11 else None,
        )
        CommitmentFactory(
            alliance=alliance,
            actor=actor,
            description=f"{WORD}{WORD}{WORD} " * 8,
        )
        alliances.append(alliance)
    objective = ObjectiveFactory(alliance=alliances[0], title=sized(f"{WORD} ", 300))
    IndicatorFactory(
        objective=objective,
        name=sized(f"{WORD}{WORD} ", 300),
        unit=sized(WORD, 60),
        responsible_actor=actor,
    )
    return {"actor": actor, "alliance": alliances[0]}


def test_pages_with_the_longest_values_fit_a_360_px_screen(
    live_server, page, administrator, long_world
):
    sign_in(page, live_server, administrator.username)
    page.set_viewport_size({"width": 360, "height": 800})
    pages = {
        "the actor's page": reverse("seguimiento:actor_detail", args=[long_world["actor"].pk]),
        "the alliance's page": reverse("fases:alliance_detail", args=[long_world["alliance"].pk]),
        "the portfolio": reverse("seguimiento:portfolio"),
        "the actor registry": reverse("alianzas:actor_list"),
    }
    too_wide = []
    for where, url in pages.items():
        answer = page.goto(live_server.url + url)
        assert answer is not None
        assert answer.status == 200, f"{where}: {answer.status}"
        page.wait_for_load_state("load")
        # The long values are on the page (not cut short before they could overflow).
        assert WORD in page.content(), where
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > 360:
            too_wide.append(f"{where} is {scroll} px wide: {widest(page)}")
    assert too_wide == [], "\n".join(too_wide)
