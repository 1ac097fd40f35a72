"""One Spanish "not found" page for an alliance that does not exist and for one the person
may not see, with DEBUG on (``make run``) as with it off (production): the page must not
tell the two apart, nor fall back to Django's English debug page."""

import re

import pytest
from django.urls import reverse

from tests.factories import AllianceFactory, UserFactory

pytestmark = pytest.mark.django_db


def without_tokens(html: str) -> str:
    """The page without what changes at every request (the masked CSRF token) and the
    address it was asked at (the language form's return path)."""
    html = re.sub(r'name="next" type="hidden" value="[^"]*"', "", html)
    return re.sub(r"[A-Za-z0-9]{64}", "", html)


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production-like"])
def test_a_missing_and_a_hidden_alliance_get_the_same_spanish_page(client, settings, debug):
    settings.DEBUG = debug
    hidden = AllianceFactory(name="Alianza que no le toca ver")
    client.force_login(UserFactory(username="curiosa"))

    missing = client.get(reverse("fases:alliance_detail", args=[hidden.pk + 1000]))
    other = client.get(reverse("fases:alliance_detail", args=[hidden.pk]))

    for response in (missing, other):
        assert response.status_code == 404
        page = response.content.decode()
        assert "<h1>No encontrado</h1>" in page
        assert "No Alliance matches" not in page
        assert "Alianza que no le toca ver" not in page
        assert "Page not found" not in page
        assert "Traceback" not in page
    assert without_tokens(missing.content.decode()) == without_tokens(other.content.decode())


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production-like"])
def test_an_address_that_matches_nothing_gets_the_same_page(client, settings, debug):
    settings.DEBUG = debug
    response = client.get("/no-existe/en-absoluto/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>No encontrado</h1>" in page
    assert "Using the URLconf" not in page
    assert "Page not found" not in page


def test_the_page_is_in_english_for_an_english_reader(client, settings):
    settings.DEBUG = True
    response = client.get("/no-existe/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in response.content.decode()


def test_a_missing_slash_still_redirects(client, settings):
    """CommonMiddleware's APPEND_SLASH sees the 404 after this page replaced it."""
    settings.DEBUG = True
    client.force_login(UserFactory(username="sin-barra"))
    response = client.get(reverse("alianzas:actor_list").rstrip("/"))
    assert response.status_code == 301
