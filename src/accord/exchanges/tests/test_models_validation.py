"""Model validation of a record naming an id that does not exist refuses it naming the field,
rather than failing in the model's own ``clean`` as it follows the link."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from accord.exchanges.models import Person, PersonKind

from .conftest import Exchanges

UNKNOWN = 1_000_000


def _person_with_unknown_unit(ex: Exchanges) -> Person:
    return Person(
        first_name="Leyla",
        last_name="Aliyeva",
        kind=PersonKind.STUDENT,
        citizenship="AZ",
        institution=ex.world.partner_a,
        unit_id=UNKNOWN,
    )


def _mobility_with_unknown_person(ex: Exchanges) -> Any:
    mobility = ex.mobility()
    mobility.person_id = UNKNOWN
    return mobility


@pytest.mark.parametrize(
    ("make", "field"),
    [(_person_with_unknown_unit, "unit"), (_mobility_with_unknown_person, "person")],
)
def test_an_unknown_id_is_a_validation_error_naming_the_field(
    ex: Exchanges, make: Any, field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        make(ex).full_clean()
    assert field in error.value.message_dict
