"""Reference classifications loaded by migration: ISCED-F 2013 and the Ukrainian specialty list."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from accord.institutions.models import Field, FieldLevel, Specialty, SpecialtyScheme


def repository_root() -> Path:
    """The directory holding pyproject.toml, found upwards from this file."""
    for directory in Path(__file__).resolve().parents:
        if (directory / "pyproject.toml").is_file():
            return directory
    raise AssertionError("pyproject.toml not found above the tests")


ISCED_CSV = repository_root().parent / "shared" / "data" / "isced-f" / "isced_f_2013.csv"


@pytest.fixture(scope="module")
def isced_rows() -> list[dict[str, str]]:
    if not ISCED_CSV.is_file():
        pytest.skip(f"the ISCED-F source table is not at {ISCED_CSV}")
    with ISCED_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def expected_parent(row: dict[str, str]) -> str | None:
    return {"broad": None, "narrow": row["broad"], "detailed": row["narrow"]}[row["level"]]


def stored_fields() -> dict[str, Field]:
    return {field.code: field for field in Field.objects.all()}


@pytest.mark.django_db
def test_every_isced_code_and_nothing_else(isced_rows: list[dict[str, str]]) -> None:
    assert len(isced_rows) == 220
    assert set(stored_fields()) == {row["code"] for row in isced_rows}
    assert Field.objects.count() == len(isced_rows)


@pytest.mark.django_db
def test_isced_levels_parents_and_names_match_the_source(
    isced_rows: list[dict[str, str]],
) -> None:
    fields = stored_fields()
    mismatches: list[tuple[str, str, Any, Any]] = []
    for row in isced_rows:
        field = fields[row["code"]]
        for attribute, expected in (
            ("level", row["level"]),
            ("parent_id", expected_parent(row)),
            ("name_en", row["label_en"]),
            ("name_uk", row["label_uk"]),
        ):
            if getattr(field, attribute) != expected:
                mismatches.append((row["code"], attribute, getattr(field, attribute), expected))
    assert mismatches == []


@pytest.mark.django_db
def test_isced_tree_shape(isced_rows: list[dict[str, str]]) -> None:
    counts = {level: Field.objects.filter(level=level).count() for level in FieldLevel.values}
    assert counts == {"broad": 12, "narrow": 58, "detailed": 150}
    for field in Field.objects.select_related("parent"):
        assert len(field.code) == {"broad": 2, "narrow": 3, "detailed": 4}[field.level]
        if field.parent is not None:
            assert field.code.startswith(field.parent.code)
    examples = {
        "0613": "Software and applications development and analysis",
        "0711": "Chemical engineering and processes",
        "0713": "Electricity and energy",
        "0724": "Mining and extraction",
    }
    fields = stored_fields()
    assert {code: fields[code].name_en for code in examples} == examples
    assert fields["0724"].name_uk == "Гірничо-видобувна промисловість"


@pytest.mark.django_db
def test_specialty_codes_are_unique_and_include_the_story_ones() -> None:
    codes = list(Specialty.objects.values_list("scheme", "code"))
    assert len(codes) == len(set(codes))
    assert {scheme for scheme, _code in codes} == {SpecialtyScheme.UA_2015}
    assert {"121", "122", "161", "184", "185"} <= {code for _scheme, code in codes}
    assert Specialty.objects.get(code="185").name_en == "Oil and gas engineering and technologies"
    assert Specialty.objects.get(code="121").name_en == "Software engineering"


@pytest.mark.django_db
def test_each_specialty_maps_only_to_detailed_fields() -> None:
    unmapped = []
    not_detailed = []
    for specialty in Specialty.objects.prefetch_related("fields"):
        fields = list(specialty.fields.all())
        if not fields:
            unmapped.append(specialty.code)
        not_detailed += [(specialty.code, f.code) for f in fields if f.level != FieldLevel.DETAILED]
    assert unmapped == []
    assert not_detailed == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "isced"),
    [("185", {"0724"}), ("184", {"0724"}), ("121", {"0613"}), ("122", {"0613"}), ("161", {"0711"})],
)
def test_story_specialties_map_to_their_fields(code: str, isced: set[str]) -> None:
    specialty = Specialty.objects.get(scheme=SpecialtyScheme.UA_2015, code=code)
    assert set(specialty.fields.values_list("code", flat=True)) == isced


@pytest.mark.django_db
def test_specialty_areas_are_consistent() -> None:
    """Each specialty's code starts with its field of knowledge, and each area has one name."""
    areas: dict[str, set[tuple[str, str]]] = {}
    for specialty in Specialty.objects.all():
        assert specialty.code.startswith(specialty.area_code), specialty.code
        assert specialty.name_en
        assert specialty.name_uk
        areas.setdefault(specialty.area_code, set()).add(
            (specialty.area_name_en, specialty.area_name_uk)
        )
    assert {code: len(names) for code, names in areas.items()} == dict.fromkeys(areas, 1)
