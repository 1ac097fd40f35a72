"""The Celery app. Workers and beat start with ``celery -A config worker|beat``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("alianzas")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Reminders live in their own module (seguimiento/reminder_tasks.py) beside the app's tasks.
app.autodiscover_tasks(related_name="reminder_tasks")
