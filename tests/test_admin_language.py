"""The Spanish admin reads Spanish where Django and django-axes write English: axes' models
and every permission name (stored in English by Django, translated when shown)."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import AdministratorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(AdministratorFactory(username="admin-idioma"))
    return client


def options(html: str, select_name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no <select name={select_name}>"
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))


def test_axes_models_are_named_in_spanish_on_the_index(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    for english in ("Access attempts", "Access failures", "Access logs", ">Axes<"):
        assert english not in page
    for spanish in ("Intentos de acceso", "Fallos de acceso", "Registros de acceso"):
        assert spanish in page
    assert "Seguridad del inicio de sesión" in page


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (lambda: reverse("admin:alianzas_user_add"), None),
        (lambda: reverse("admin:auth_group_add"), "permissions"),
    ],
    ids=["user", "group"],
)
def test_every_permission_reads_in_spanish(admin_client, url, field):
    if field is None:  # the user's permissions are on the change page
        from alianzas.models import User

        person = User.objects.get(username="admin-idioma")
        address, field = reverse("admin:alianzas_user_change", args=[person.pk]), "user_permissions"
    else:
        address = url()
    labels = options(admin_client.get(address).content.decode(), field)
    assert len(labels) == Permission.objects.count()
    assert len(labels) >= 100
    english = [label for label in labels if re.search(r"\bCan (add|change|delete|view)\b", label)]
    assert english == []
    assert "Alianzas y actores | alianza | Puede añadir alianza" in labels
    assert any(label.endswith("Puede ver intento de acceso") for label in labels)


def test_in_english_the_permissions_read_as_django_wrote_them(admin_client):
    group_add = reverse("admin:auth_group_add")
    labels = options(
        admin_client.get(group_add, HTTP_ACCEPT_LANGUAGE="en").content.decode(), "permissions"
    )
    assert "Alliances and actors | alliance | Can add alliance" in labels
