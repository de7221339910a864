from typing import Any

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS institution_search_trgm "
    "ON institutions_institution USING gin (search_text gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS institution_search_trgm"]


def _run_on_postgresql(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    """On PostgreSQL, a trigram index lets name search find fragments without reading every row."""

    dependencies = [("institutions", "0004_one_home_university")]

    operations = [migrations.RunPython(_run_on_postgresql(CREATE), _run_on_postgresql(DROP))]
