"""Django's database sessions, read with one SQL statement written here.

Every request of a person signed in reads their session. Django's store builds that read
through the ORM (``Session.objects.get(session_key=…, expire_date__gt=now)``): about
0.9 ms of Python a request on the bench's machine, four times the query itself
(docs/performance.md). This store asks the same question in SQL written once; saving,
creating, ending and clearing sessions are Django's own, unchanged.

Sessions stay in the database, not in Redis (config/cache.py says why).
"""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        """The session row if it exists and has not expired, as Django's store returns it;
        otherwise ``None``, forgetting the key so that a new session gets a new one."""
        model = self.model
        connection = connections[router.db_for_read(model)]
        table = connection.ops.quote_name(model._meta.db_table)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} "  # nosec B608 - the name from _meta
                "WHERE session_key = %s AND expire_date > %s",
                [self.session_key, now],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        # What ``load`` reads of it (the expiry a person chose is in the data itself).
        return model(session_key=self.session_key, session_data=row[0])
