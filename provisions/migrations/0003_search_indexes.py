"""GIN indexes for full-text search on PostgreSQL (queries.search uses the same expressions).
SQLite has no such index; search there falls back to a word match."""

from django.db import migrations

COLUMNS = ["text", "summary"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS provision_{column}_fts ON provisions_provision "
            f"USING GIN (to_tsvector('english'::regconfig, COALESCE({column}, '')))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS provision_{column}_fts")


class Migration(migrations.Migration):
    dependencies = [("provisions", "0002_groups")]

    operations = [migrations.RunPython(create, drop)]
