"""The session store (config/sessions.py): Django's database store with its read written in
SQL. It must read exactly what Django's store reads: the data of a live session; nothing,
and a new key on the next save, for an expired, deleted or unknown one."""

import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from alianzas import models as alianzas_models
from alianzas.models import User
from config.sessions import SessionStore
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def saved(data: dict) -> str:
    store = SessionStore()
    store.update(data)
    store.save()
    return store.session_key


def test_the_settings_use_it(settings):
    assert settings.SESSION_ENGINE == "config.sessions"


def test_a_live_session_reads_as_django_reads_it(django_assert_num_queries):
    key = saved({"lugar": "Huamanga", "cifras": [1, 2, 3]})
    with django_assert_num_queries(1):
        ours = SessionStore(key).load()
    assert ours == DjangoStore(key).load() == {"lugar": "Huamanga", "cifras": [1, 2, 3]}


@pytest.mark.parametrize("store_class", [SessionStore, DjangoStore])
def test_an_expired_session_reads_as_empty_and_gets_a_new_key(store_class):
    key = saved({"lugar": "Huamanga"})
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - datetime.timedelta(1))
    store = store_class(key)
    assert store.load() == {}
    assert store.session_key is None
    store["otra"] = "vez"
    store.save()
    assert store.session_key not in (None, key)


@pytest.mark.parametrize("key", ["x" * 32, "no-such-session-key-0123456789ab"])
def test_an_unknown_key_reads_as_empty(key):
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None


def test_a_session_about_to_expire_is_still_read():
    key = saved({"lugar": "Huamanga"})
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + datetime.timedelta(0, 5))
    assert SessionStore(key).load() == {"lugar": "Huamanga"}


def test_signed_in_signed_out_and_expired_through_the_site(client, settings):
    """The whole path: a person signed in is recognised on the next page; signed out or
    with the session expired in the database, the same cookie signs nobody in."""
    person = UserFactory(username="sesion.prueba")
    client.force_login(person)
    dashboard = reverse("fases:dashboard")
    assert client.get(dashboard).status_code == 200
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(pk=cookie).update(expire_date=timezone.now() - datetime.timedelta(1))
    assert client.get(dashboard).status_code == 302

    client.force_login(person)
    assert client.get(dashboard).status_code == 200
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("logout"))
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert client.get(dashboard).status_code == 302


# --- The person of the session (alianzas.models.UserManager) ----------------------------------


def test_the_person_of_each_request_is_read_by_the_compiled_statement(client, monkeypatch):
    """``ModelBackend.get_user`` asks ``User.objects.get(pk=…)`` on every signed-in request:
    answered by the statement compiled once, with the same person."""
    person = UserFactory()
    client.force_login(person)
    asked = []
    compiled_read = alianzas_models._user_by_id

    def counted(pk, **kwargs):
        asked.append(pk)
        return compiled_read(pk, **kwargs)

    monkeypatch.setattr(alianzas_models, "_user_by_id", counted)
    response = client.get(reverse("seguimiento:notifications"))

    assert response.status_code == 200
    assert response.wsgi_request.user == person
    assert asked == [person.pk]


def test_reading_a_person_by_id_answers_as_the_orm_does():
    person = UserFactory()
    assert User.objects.get(pk=person.pk) == person
    assert User.objects.get(pk=person.pk).username == person.username
    missing = person.pk + 1000
    with pytest.raises(User.DoesNotExist, match="User matching query does not exist"):
        User.objects.get(pk=missing)
    # A row that is not there, however large its id: as the ORM, DoesNotExist.
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=2**70)
    # Anything else is the ORM's own get.
    assert User.objects.get(username=person.username) == person
    assert User.objects.db_manager("default").get(pk=person.pk) == person
    assert User.objects.get(pk=str(person.pk)) == person
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=person.pk, is_active=False)
