"""Text compared as Spanish readers compare it: without case and without accents.

``SearchKey(expression)`` is the SQL function ``search_key(text)``: on PostgreSQL
``lower(unaccent(text))``, created IMMUTABLE by the migration ``0006_search`` so that trigram
(GIN) indexes can be built on it; on SQLite (the embedded default of ``make run``) a Python
function registered on every new connection (``register_sqlite``), which gives the same
answer. "Crédito", "CREDITO" and "credito" all have the key "credito"; "Áncash" sorts
after "Amazonas".
"""

import unicodedata

from django.db import migrations, models
from django.db.backends.signals import connection_created

FUNCTION = "search_key"


def search_key(text: str | None) -> str:
    """The key in Python, the same as the database's: lower case, accents removed.

    ``ñ`` loses its tilde too, as PostgreSQL's ``unaccent`` does, so both backends agree.
    Control characters are left out: nobody types them, and PostgreSQL refuses a NUL in a
    query's text (a search for ``agua%00`` was a 500).
    """
    if text is None:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text).lower())
    return "".join(
        ch
        for ch in decomposed
        if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cc"
    )


class SearchKey(models.Func):
    function = FUNCTION
    output_field = models.TextField()
    arity = 1


def _register(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(FUNCTION, 1, search_key, deterministic=True)


def register_sqlite() -> None:
    """Called from ``alianzas.apps`` ``ready()``: every SQLite connection gets the function."""
    connection_created.connect(_register, dispatch_uid="alianzas.search_key")


# --- PostgreSQL: the extensions, the function and the trigram indexes ------------------

# The extensions come first (``UnaccentExtension``, ``TrigramExtension`` in the migration).
CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION search_key(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;
"""
DROP_FUNCTION = "DROP FUNCTION IF EXISTS search_key(text)"


def trigram_index_sql(table: str, column: str, *, stored: bool = False) -> tuple[str, str]:
    """(create, drop) of a GIN trigram index on ``search_key(column)``: serves
    ``search_key(column) LIKE '%…%'`` for any part of a word. ``stored``: ``column``
    already holds a key (``Alliance.problem_key``), indexed as it is."""
    name = f"{table}_{column}_search_trgm"[:63]
    indexed = column if stored else f"{FUNCTION}({column})"
    create = f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({indexed} gin_trgm_ops)"
    return create, f"DROP INDEX IF EXISTS {name}"


class RunSQLOnPostgres(migrations.RunSQL):
    """``RunSQL`` that does nothing on other databases (SQLite has the Python function)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
