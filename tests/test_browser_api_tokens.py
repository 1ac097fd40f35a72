"""The page of one's API tokens in a real browser: create a token (shown once), use it,
revoke it; axe-core finds nothing serious at 1280 and 360 px, and nothing overflows a
360 px screen."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from rest_framework.test import APIClient

from tests.browser import assert_accessible, sign_in
from tests.factories import ActorFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("browser_page")]


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("width", [1280, 360])
def test_a_person_creates_uses_and_revokes_a_token(live_server, page, screenshots, width):
    person = UserFactory(username="sistemas")
    ActorFactory(representatives=[person])
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, live_server, "sistemas")
    # In English: the page's Spanish comes with the next catalogue, which the lead compiles.
    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Cambiar").click()
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    expect(page.get_by_text("You have no tokens yet.")).to_be_visible()
    assert_accessible(page, f"the empty tokens page at {width} px")

    page.get_by_label("Name").fill("Sincronización con ActivityInfo, oficina regional")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#token-value").inner_text()
    assert token.startswith("alz_")
    expect(page.get_by_text("Copy it now")).to_be_visible()
    assert_accessible(page, f"the tokens page showing a new token at {width} px")
    assert page_width(page) <= width, f"the tokens page is {page_width(page)} px wide"
    page.screenshot(path=screenshots / f"api-tokens-{width}.png", full_page=True)

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(reverse("api:alliance-list")).status_code == 200

    page.goto(live_server.url + reverse("api_tokens:list"))
    expect(page.locator("#token-value")).to_have_count(0)  # shown once
    page.get_by_role("button", name="Revoke").click()
    expect(page.locator(".messages li").first).to_contain_text("was revoked")
    assert api.get(reverse("api:alliance-list")).status_code == 401
    assert_accessible(page, f"the tokens page after revoking at {width} px")
    assert page_width(page) <= width


def test_the_api_documentation_works_under_the_csp(live_server, page):
    """Swagger UI and Redoc come from the app's own static files and start from script
    files: the page lists the resources, and the browser blocks no script."""
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text)
            if "Content Security Policy" in message.text and "script" in message.text
            else None
        ),
    )
    requests, failed = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(live_server.url + reverse("api:docs"))
    expect(page.get_by_text("/api/v1/alliances/").first).to_be_visible()
    page.goto(live_server.url + reverse("api:redoc"))
    expect(page.get_by_role("heading", name="Alianzas Multiactor API").first).to_be_visible()
    assert not blocked, blocked
    outside = [
        url for url in requests if url.startswith("http") and not url.startswith(live_server.url)
    ]
    # Redoc always draws its maker's logo from their site; the policy (img-src 'self')
    # stops it in the browser, so nothing leaves the machine: every such attempt failed.
    page.wait_for_load_state("networkidle")
    assert set(outside) <= {"https://cdn.redoc.ly/redoc/logo-mini.svg"}, outside
    assert set(outside) <= set(failed), (outside, failed)
