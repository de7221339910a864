"""Reference classifications written in Accord as its own data.

- ``isced_f_2013.json``: every ISCED-F 2013 field (broad, narrow, detailed) with its English and
  Ukrainian name.
- ``specialties_ua_2015.json``: the Ukrainian list of fields of knowledge and specialties (2015),
  each mapped to ISCED-F detailed fields.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def read(name: str) -> list[dict[str, Any]]:
    with (HERE / name).open(encoding="utf-8") as handle:
        data: list[dict[str, Any]] = json.load(handle)
    return data


def load(apps: Any, schema_editor: Any = None) -> None:
    """Create or refresh the fields and specialties (used by a data migration)."""
    field_model = apps.get_model("institutions", "Field")
    specialty_model = apps.get_model("institutions", "Specialty")
    for row in read("isced_f_2013.json"):
        field_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "level": row["level"],
                "parent_id": row["parent"],
                "name_en": row["name_en"],
                "name_uk": row["name_uk"],
            },
        )
    for row in read("specialties_ua_2015.json"):
        specialty, _ = specialty_model.objects.update_or_create(
            scheme="ua-2015",
            code=row["code"],
            defaults={
                **{
                    key: row[key]
                    for key in ("name_en", "name_uk", "area_code", "area_name_en", "area_name_uk")
                },
                "primary_field_id": row["isced"][0],
            },
        )
        specialty.fields.set(row["isced"])
