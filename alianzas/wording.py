"""Django's own messages whose Spanish wording this project keeps as Django writes it.

Django REST framework's catalogue, installed after Django's base catalogue, translates some
of Django's messages differently («Este campo es requerido.»); a message named here is in
the project's catalogue (``LOCALE_PATHS``, which comes first), so every form, the admin and
the API say it one way.
"""

from django.utils.translation import gettext_noop

KEPT_AS_DJANGO_WRITES_THEM = [
    gettext_noop("This field is required."),
]
