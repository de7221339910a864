"""PostgreSQL finds name fragments through the trigram index, not by reading every row."""

from typing import Any

import pytest
from django.db import connection

from accord.institutions.models import Institution

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigram index exists on PostgreSQL only"
)


def test_search_can_use_the_trigram_index(db: Any) -> None:
    Institution.objects.bulk_create(
        Institution(name=f"University {number}", country="UA", search_text=f"university {number}")
        for number in range(200)
    )
    with connection.cursor() as cursor:
        # On a table this small a scan is cheaper; forbid it to see that the index applies.
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = Institution.objects.search("sity 123").explain()
    assert "institution_search_trgm" in plan
