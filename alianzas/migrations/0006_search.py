"""Accent- and case-blind search: the ``search_key`` function, trigram indexes on what the
header's search reads, and regions sorted by their key. Nothing but the ordering on SQLite,
which gets a Python ``search_key`` on each connection (``alianzas.search_key``)."""

import django.db.models.expressions
from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

import alianzas.search_key
from alianzas.search_key import CREATE_FUNCTION, DROP_FUNCTION, RunSQLOnPostgres, trigram_index_sql

INDEXED = [
    ("alianzas_alliance", "name"),
    ("alianzas_alliance", "problem"),
    ("alianzas_actor", "name"),
    ("alianzas_actor", "acronym"),
    ("alianzas_actor", "description"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("alianzas", "0005_api_tokens"),
    ]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        RunSQLOnPostgres(CREATE_FUNCTION, DROP_FUNCTION),
        *[RunSQLOnPostgres(*trigram_index_sql(table, column)) for table, column in INDEXED],
        migrations.AlterModelOptions(
            name="region",
            options={
                "ordering": [
                    django.db.models.expressions.OrderBy(
                        alianzas.search_key.SearchKey("name")
                    ),
                    "name",
                ],
                "verbose_name": "region",
                "verbose_name_plural": "regions",
            },
        ),
    ]
