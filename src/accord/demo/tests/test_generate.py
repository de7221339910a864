"""Synthetic bench data: what is created, that a seed repeats it, and that it can be found."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q, QuerySet

from accord.core.models import AuditEntry
from accord.demo.generate import cyrillic, generate_registry, generated_institutions
from accord.institutions.models import (
    FieldLevel,
    Institution,
    InstitutionDomain,
    InstitutionKind,
    InstitutionName,
    NameKind,
    Offering,
    Unit,
)

pytestmark = pytest.mark.django_db

SIZE = 50


def _rows(queryset: QuerySet[Any], *fields: str) -> list[tuple[Any, ...]]:
    return list(queryset.order_by(*fields).values_list(*fields))


def _snapshot() -> list[list[tuple[Any, ...]]]:
    """Every generated row by content (not id), in a fixed order."""
    return [
        _rows(
            generated_institutions(),
            "name",
            "country",
            "city",
            "kind",
            "partner_status",
            "founded_year",
            "student_count",
            "erasmus_code",
            "search_text",
        ),
        _rows(InstitutionName.objects.all(), "institution__name", "language", "kind", "name"),
        _rows(InstitutionDomain.objects.all(), "institution__name", "domain"),
        _rows(Unit.objects.all(), "institution__name", "name", "kind", "parent__name"),
        _rows(
            Offering.objects.all(), "institution__name", "field", "level", "specialty", "unit__name"
        ),
    ]


def test_counts_and_shape() -> None:
    counts = generate_registry(SIZE, units_per_institution=4, seed=1)

    assert generated_institutions().count() == counts["institutions"] == SIZE
    assert InstitutionName.objects.count() == counts["institution names"]
    assert InstitutionDomain.objects.count() == counts["web domains"] >= SIZE
    assert Unit.objects.count() == counts["units"] == 4 * SIZE
    assert Offering.objects.count() == counts["offered specialties"] > 0
    assert not AuditEntry.objects.exists()
    # Each institution: one English acronym and one official name in its second language.
    per_institution = generated_institutions().annotate(
        acronyms=Count("names", filter=Q(names__kind=NameKind.ACRONYM, names__language="en")),
        official=Count("names", filter=Q(names__kind=NameKind.OFFICIAL)),
    )
    assert set(per_institution.values_list("acronyms", "official")) == {(1, 1)}
    assert not InstitutionName.objects.filter(kind=NameKind.OFFICIAL, language="en").exists()
    # A tree of one top-level unit with three under it, all in the same institution.
    assert Unit.objects.filter(parent=None).count() == SIZE
    assert not Unit.objects.exclude(parent__institution=F("institution")).exclude(parent=None)
    assert not Offering.objects.exclude(institution__kind=InstitutionKind.UNIVERSITY).exists()
    assert not Offering.objects.exclude(field__level=FieldLevel.DETAILED).exists()
    assert set(Offering.objects.values_list("level", flat=True)) <= {6, 7, 8}


def test_search_text_is_what_the_model_would_store() -> None:
    generate_registry(SIZE, seed=1)

    for institution in generated_institutions().prefetch_related("names", "domains"):
        stored = institution.search_text
        institution.rebuild_search_text()
        assert stored == institution.search_text


def test_same_seed_same_data_other_seed_other_data() -> None:
    generate_registry(SIZE, seed=7)
    first = _snapshot()
    generated_institutions().delete()
    generate_registry(SIZE, seed=7)
    assert _snapshot() == first

    generated_institutions().delete()
    generate_registry(SIZE, seed=8)
    assert _snapshot()[0] != first[0]


def test_found_by_second_language_name() -> None:
    generate_registry(SIZE, seed=1)

    names = InstitutionName.objects.filter(kind=NameKind.OFFICIAL).select_related("institution")
    assert names.filter(language="uk").exists(), "some names in Cyrillic"
    for name in names:
        words = name.name.split()
        for query in (name.name.upper(), " ".join(words[1:3]) or words[0]):
            assert name.institution in Institution.objects.search(query), query


def test_cyrillic_transliteration() -> None:
    assert cyrillic("Boston") == "Бостон"
    assert cyrillic("New York") == "Нев Йорк"


def _generate(*args: str) -> str:
    out = StringIO()
    call_command("generate", *args, stdout=out)
    return out.getvalue()


def test_command_refuses_to_generate_twice_unless_appending() -> None:
    assert "5 institutions" in _generate("--institutions", "5")

    with pytest.raises(CommandError, match="already has 5 generated institutions"):
        _generate("--institutions", "5")

    _generate("--institutions", "5", "--append")
    names = generated_institutions().values_list("name", flat=True)
    assert len(set(names)) == len(names) == 10


def test_command_checks_units_per_institution() -> None:
    with pytest.raises(CommandError, match="0 to 20"):
        _generate("--institutions", "1", "--units-per-institution", "21")
