"""The alliance's problem keeps its search key in a column the database computes
(``Alliance.problem_key``), with the trigram index on it instead of on
``search_key(problem)``: checking each candidate of a search reads the key instead of
computing it again over the whole text."""

from django.db import migrations, models

import alianzas.search_key
from alianzas.search_key import RunSQLOnPostgres, trigram_index_sql

TABLE = "alianzas_alliance"


def _reversed(sql: tuple[str, str]) -> tuple[str, str]:
    create, drop = sql
    return drop, create


class Migration(migrations.Migration):
    dependencies = [
        ("alianzas", "0012_alliance_published_name_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="alliance",
            name="problem_key",
            field=models.GeneratedField(
                db_persist=True,
                expression=alianzas.search_key.SearchKey("problem"),
                output_field=models.TextField(),
                verbose_name="problem's search key",
            ),
        ),
        RunSQLOnPostgres(*trigram_index_sql(TABLE, "problem_key", stored=True)),
        # The index on the expression is no longer read.
        RunSQLOnPostgres(*_reversed(trigram_index_sql(TABLE, "problem"))),
    ]
