"""A stored, weighted search vector on PostgreSQL (text A, summary B), with its GIN index.

Ranking with vectors computed per query meant parsing and stemming every matching provision on
every search (1,789 matches for "troops" in a 1,000-version archive: 32 ms of a 38 ms query), and
a plan built on stale statistics parsed every provision of the table (140 ms at 200 versions).
A generated column is computed once per write by PostgreSQL itself, so every way rows are
written (the ORM, bulk inserts, loaddata, pg_restore) keeps it right; matching and ranking read
it. It is not a model field: SQLite has no tsvector, and search there is a word match.
It replaces migration 0003's two expression indexes, which only matching could use.
"""

from django.db import migrations

TABLE = "provisions_provision"
VECTOR = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(text, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(summary, '')), 'B')"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS search_vector tsvector "
        f"GENERATED ALWAYS AS ({VECTOR}) STORED"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS provision_search_vector ON {TABLE} USING GIN (search_vector)"
    )
    for column in ("text", "summary"):
        schema_editor.execute(f"DROP INDEX IF EXISTS provision_{column}_fts")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector")
    for column in ("text", "summary"):
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS provision_{column}_fts ON {TABLE} "
            f"USING GIN (to_tsvector('english'::regconfig, COALESCE({column}, '')))"
        )


class Migration(migrations.Migration):
    dependencies = [("provisions", "0003_search_indexes")]

    operations = [migrations.RunPython(create, drop)]
