"""The back office lists people and mobilities and audits its fixes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.accounts.models import User
from conftest import client_for, entries_of

from .conftest import Exchanges


@pytest.mark.parametrize("name", ["exchanges_person_changelist", "exchanges_mobility_changelist"])
def test_the_lists_open_for_superusers_only(ex: Exchanges, superuser: User, name: str) -> None:
    ex.nominate()
    assert client_for(superuser).get(reverse(f"admin:{name}")).status_code == 200
    response = client_for(ex.world.partner_a_coordinator).get(reverse(f"admin:{name}"))
    assert response.status_code == 302


def test_a_fix_in_the_back_office_is_audited(ex: Exchanges, superuser: User) -> None:
    person = ex.person(ex.world.partner_a, first_name="Leila")
    client = client_for(superuser)
    url = reverse("admin:exchanges_person_change", args=[person.pk])
    data = {
        "first_name": "Leyla",
        "last_name": person.last_name,
        "kind": person.kind,
        "citizenship": person.citizenship,
        "institution": person.institution_id,
        "mobilities-TOTAL_FORMS": 0,
        "mobilities-INITIAL_FORMS": 0,
    }
    assert client.post(url, data).status_code == 302
    change = entries_of(person)[-1]
    assert change.before is not None
    assert change.after is not None
    assert (change.before["first_name"], change.after["first_name"]) == ("Leila", "Leyla")
