"""What wapiti reported, replayed (docs/reliability.md, "An outside look").

The "SQL injection" via ``acronym`` on /actores/<id>/editar/: wapiti sent a payload that is
true in SQL and one that is false, and read a difference as injection. Replayed here, both
get the same answer, and each is stored as the text it was and shown back escaped: a stored
value echoed back, never a query. The cookies it flagged are HttpOnly now."""

import pytest
from django.urls import reverse

from alianzas.models import Actor
from tests.factories import ActorFactory, UserFactory

pytestmark = pytest.mark.django_db

# wapiti's boolean-based payloads, as it sent them on the acronym field (within 30 characters).
TRUE_PAYLOAD = "SIGLA' AND 97=97 AND 'a'='a"
FALSE_PAYLOAD = "SIGLA' AND 97=98 AND 'a'='a"
ALWAYS_TRUE = "x' OR '1'='1' -- "


@pytest.fixture
def editor(client):
    person = UserFactory(username="representante-sigla")
    actor = ActorFactory(name="Cooperativa Sigla", acronym="COOP", representatives=[person])
    bystander = ActorFactory(name="Otra organización", acronym="OTRA")
    client.force_login(person)
    return client, actor, bystander


def form_as_sent(client, actor) -> dict:
    """The edit form's own values, as a browser (or wapiti) would send them."""
    form = client.get(reverse("alianzas:actor_edit", args=[actor.pk])).context["form"]
    values = {}
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            values[name] = str(getattr(value, "pk", value))
    return values


def test_the_true_and_the_false_payload_get_the_same_answer_and_are_stored_as_text(editor):
    client, actor, bystander = editor
    url = reverse("alianzas:actor_edit", args=[actor.pk])
    answers = {}
    for payload in (TRUE_PAYLOAD, FALSE_PAYLOAD, ALWAYS_TRUE):
        response = client.post(url, {**form_as_sent(client, actor), "acronym": payload})
        answers[payload] = (response.status_code, response.get("Location"))
        actor.refresh_from_db()
        assert actor.acronym == payload.strip()
    # Same status, same place: nothing in the answer depends on the SQL truth of the value.
    assert len(set(answers.values())) == 1, answers
    assert answers[TRUE_PAYLOAD][0] == 302
    # No other row was touched: an "OR 1=1" reached no WHERE clause.
    bystander.refresh_from_db()
    assert bystander.acronym == "OTRA"
    assert Actor.objects.count() == 2


def test_the_stored_value_is_shown_back_escaped(editor):
    client, actor, _ = editor
    url = reverse("alianzas:actor_edit", args=[actor.pk])
    client.post(url, {**form_as_sent(client, actor), "acronym": "<b>x</b>' AND 'a'='a"})
    page = client.get(reverse("seguimiento:actor_detail", args=[actor.pk])).content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;&#x27; AND &#x27;a&#x27;=&#x27;a" in page
    assert "<b>x</b>" not in page


def test_the_csrf_and_language_cookies_are_http_only(client):
    login = client.get(reverse("login"))
    csrf = login.cookies["csrftoken"]
    assert csrf["httponly"] is True
    # htmx sends the token from the page, not from the cookie: the page carries it.
    assert 'name="csrfmiddlewaretoken"' in login.content.decode()
    chosen = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert chosen.cookies["django_language"]["httponly"] is True


def test_htmx_requests_take_the_csrf_token_from_the_page(client):
    """With the cookie out of scripts' reach, the page's hx-headers carry the token, and a
    request with only that header (as htmx sends it) passes the CSRF check."""
    from django.test import Client

    person = UserFactory(username="htmx-csrf")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)
    page = browser.get(reverse("fases:dashboard")).content.decode()
    token = page.split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]
    answer = browser.post(
        reverse("seguimiento:reminders_read_all"), HTTP_X_CSRFTOKEN=token, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code != 403
    refused = browser.post(reverse("seguimiento:reminders_read_all"), HTTP_HX_REQUEST="true")
    assert refused.status_code == 403


def test_the_csrf_token_of_the_actor_form_is_checked(editor):
    """wapiti's "CSRF token not properly checked" on /actores/<id>/editar/: it sent only the
    session cookie, so its honest request and its tampered one were both refused (403, no
    CSRF cookie) and looked alike. Replayed as a browser sends it: the page's token is
    accepted, a wrong or missing one is refused, and nothing is written."""
    from django.test import Client

    _, actor, _ = editor
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(actor.representatives.get())
    url = reverse("alianzas:actor_edit", args=[actor.pk])
    page = browser.get(url)
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="', 1)[1].split('"')[0]
    values = {**form_as_sent(browser, actor), "acronym": "NUEVA"}

    for wrong in ({"csrfmiddlewaretoken": "x" * 64}, {}):
        refused = browser.post(url, {**values, **wrong})
        assert refused.status_code == 403
        actor.refresh_from_db()
        assert actor.acronym == "COOP"
    accepted = browser.post(url, {**values, "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302
    actor.refresh_from_db()
    assert actor.acronym == "NUEVA"
