"""Small factories for registry tests: rows written directly, without audit entries.

Call ``XFactory.create(...)`` (typed to return the model) rather than ``XFactory(...)``."""

from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from accord.institutions.actions import refresh_search_text
from accord.institutions.models import (
    Contact,
    ContactRole,
    Field,
    Institution,
    InstitutionKind,
    Offering,
    PartnerStatus,
    StudyLevel,
    Unit,
    UnitKind,
)


class InstitutionFactory(DjangoModelFactory[Institution]):
    class Meta:
        model = Institution
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Institution {n:04d}")
    country = "AZ"
    city = "Baku"
    kind = InstitutionKind.UNIVERSITY
    partner_status = PartnerStatus.PARTNER

    @factory.post_generation
    def searchable(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """Make the institution findable by search, as the actions do."""
        if create:
            refresh_search_text(self)  # type: ignore[arg-type]


class UnitFactory(DjangoModelFactory[Unit]):
    class Meta:
        model = Unit

    institution = factory.SubFactory(InstitutionFactory)
    kind = UnitKind.DEPARTMENT
    name = factory.Sequence(lambda n: f"Department {n:04d}")


class ContactFactory(DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    institution = factory.SubFactory(InstitutionFactory)
    role = ContactRole.IRO_OFFICER
    person_name = factory.Sequence(lambda n: f"Contact Person {n:04d}")
    email = factory.Sequence(lambda n: f"contact{n}@example.org")


class OfferingFactory(DjangoModelFactory[Offering]):
    class Meta:
        model = Offering

    institution = factory.SubFactory(InstitutionFactory)
    field = factory.LazyFunction(lambda: Field.objects.get(code="0613"))
    level = StudyLevel.MASTER
    title = factory.Sequence(lambda n: f"Programme {n:04d}")
