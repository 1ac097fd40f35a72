"""Settings of the processes the fault tests start (a Celery worker they kill): the app's
own, with an e-mail backend that is slow and counts what it delivers."""

from config.settings import *  # noqa: F403

EMAIL_BACKEND = "tests.slow_mail_backend.EmailBackend"
