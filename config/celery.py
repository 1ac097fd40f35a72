"""The Celery app. Workers and beat start with ``celery -A config worker|beat``."""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("alianzas")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each app's tasks.py; seguimiento/tasks.py also registers the reminders' tasks, which sit
# beside the work they call in seguimiento/reminders/.
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs):
    """Workers and beat log like the web app (settings.LOGGING: JSON in production)
    instead of through Celery's own format."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
