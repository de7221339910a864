"""Synthetic agreements: what is made, that it follows the models' rules, and that a seed
repeats it."""

from __future__ import annotations

from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Q

from accord.agreements.models import (
    PARENT_KINDS,
    QUOTA_KINDS,
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    Direction,
    Quota,
    VersionReason,
)
from accord.core.models import AuditEntry
from accord.demo.generate import (
    AS_OF,
    GENERATED_HOME_NAMES,
    academic_year,
    generate_agreements,
    generate_registry,
    generated_agreements,
    generated_institutions,
)
from accord.institutions.models import FieldLevel, Institution

pytestmark = pytest.mark.django_db

INSTITUTIONS = 30
AGREEMENTS = 200
SIGNED = {
    AgreementStatus.SIGNED,
    AgreementStatus.ACTIVE,
    AgreementStatus.EXPIRED,
    AgreementStatus.TERMINATED,
}


@pytest.fixture
def generated() -> Counter[str]:
    generate_registry(INSTITUTIONS, units_per_institution=4, seed=3)
    return generate_agreements(AGREEMENTS, seed=3)


def test_counts_kinds_and_parties(generated: Counter[str]) -> None:
    home = Institution.objects.home().get()
    assert home.name == GENERATED_HOME_NAMES["en"]
    assert generated["institutions"] == 1, "the home university, as there was none"
    assert generated_agreements().count() == Agreement.objects.count() == AGREEMENTS
    assert generated["agreements"] == AGREEMENTS
    assert generated["parties"] == AgreementParty.objects.count()
    assert generated["quotas"] == Quota.objects.count() > 0
    assert generated["directions"] == Direction.objects.count() > 0
    assert not AuditEntry.objects.exists()

    kinds = Counter(Agreement.objects.values_list("kind", flat=True))
    assert {AgreementKind.MEMORANDUM, AgreementKind.PROTOCOL, AgreementKind.ERASMUS_IIA} <= set(
        kinds
    )
    umbrellas = kinds[AgreementKind.MEMORANDUM] + kinds[AgreementKind.FRAMEWORK]
    assert umbrellas + kinds[AgreementKind.PROTOCOL] > AGREEMENTS / 2
    assert 0 < kinds[AgreementKind.ERASMUS_IIA] < AGREEMENTS / 4
    assert len(set(Agreement.objects.values_list("status", flat=True))) >= 5

    # The home university and one partner in each, a few more in some umbrella agreements.
    parties = Agreement.objects.annotate(
        number=Count("parties"), home=Count("parties", filter=Q(parties__institution=home))
    )
    assert set(parties.values_list("home", flat=True)) == {1}
    assert set(parties.exclude(kind__in=PARENT_KINDS).values_list("number", flat=True)) == {2}
    assert min(parties.values_list("number", flat=True)) == 2
    partners = AgreementParty.objects.exclude(institution=home)
    assert not partners.exclude(institution__in=generated_institutions()).exists()


def test_protocols_are_made_under_umbrella_agreements_with_the_same_partners(
    generated: Counter[str],
) -> None:
    protocols = Agreement.objects.filter(kind=AgreementKind.PROTOCOL).select_related("parent")
    assert protocols.exists()
    assert not Agreement.objects.exclude(kind=AgreementKind.PROTOCOL).exclude(parent=None)
    for protocol in protocols:
        parent = protocol.parent
        assert parent is not None
        assert parent.kind in PARENT_KINDS
        assert parent.status in SIGNED
        own = set(protocol.parties.values_list("institution_id", flat=True))
        assert own <= set(parent.parties.values_list("institution_id", flat=True))
        if protocol.valid_from is not None:
            assert parent.valid_from is not None
            assert parent.valid_until is not None
            assert parent.valid_from <= protocol.valid_from
            assert protocol.valid_until is not None
            assert protocol.valid_until <= parent.valid_until


def test_dates_match_statuses_and_renewals_follow_on(generated: Counter[str]) -> None:
    for agreement in Agreement.objects.select_related("previous"):
        assert (agreement.signed_on is not None) == (agreement.status in SIGNED)
        start, end = agreement.valid_from, agreement.valid_until
        if agreement.status == AgreementStatus.ACTIVE:
            assert start is not None
            assert end is not None
            assert start <= AS_OF <= end
        elif agreement.status == AgreementStatus.EXPIRED:
            assert end is not None
            assert end < AS_OF
        elif agreement.status not in SIGNED:
            assert start is None or start > AS_OF
        previous = agreement.previous
        if previous is None:
            assert agreement.version_number == 1
            continue
        assert agreement.version_reason == VersionReason.RENEWAL
        assert agreement.version_number == previous.version_number + 1
        assert (agreement.kind, agreement.title) == (previous.kind, previous.title)
        assert previous.valid_until is not None
        assert start is None or start > previous.valid_until
    assert Agreement.objects.filter(version_number__gt=1).exists()


def test_directions_and_quotas(generated: Counter[str]) -> None:
    with_quotas = Agreement.objects.filter(kind__in=QUOTA_KINDS).prefetch_related(
        "directions__fields", "quotas"
    )
    for agreement in with_quotas:
        directions = {direction.pk: direction for direction in agreement.directions.all()}
        assert 1 <= len(directions) <= 3
        for direction in directions.values():
            fields = direction.fields.all()
            assert 1 <= len(fields) <= 2
            assert {field.level for field in fields} == {FieldLevel.DETAILED}
        quotas = agreement.quotas.all()
        assert quotas
        assert {quota.direction_id for quota in quotas} == set(directions)
        if agreement.valid_from is not None and agreement.valid_until is not None:
            first, last = academic_year(agreement.valid_from), academic_year(agreement.valid_until)
            assert all(first <= int(quota.academic_year[:4]) <= last for quota in quotas)
    assert not Quota.objects.exclude(agreement__kind__in=QUOTA_KINDS).exists()
    keys = Quota.objects.values_list(
        "agreement_id", "direction_id", "mobility_type", "flow", "academic_year"
    )
    assert len(set(keys)) == len(keys)
    per_protocol = Quota.objects.filter(agreement__kind=AgreementKind.PROTOCOL).count() / (
        Agreement.objects.filter(kind=AgreementKind.PROTOCOL).count()
    )
    assert 4 <= per_protocol <= 12


def test_rows_pass_the_models_own_checks(generated: Counter[str]) -> None:
    for agreement in Agreement.objects.all():
        agreement.full_clean()
    for quota in Quota.objects.select_related("agreement")[:300]:
        quota.full_clean()


def _snapshot() -> list[list[tuple[Any, ...]]]:
    """Every generated agreement row by content (not id), in a fixed order."""

    def rows(queryset: Any, *fields: str) -> list[tuple[Any, ...]]:
        return sorted(queryset.values_list(*fields), key=repr)

    return [
        rows(
            Agreement.objects.all(),
            "kind",
            "status",
            "title",
            "titles",
            "parent__title",
            "previous__title",
            "version_number",
            "areas",
            "signed_on",
            "valid_from",
            "valid_until",
            "automatic_renewal",
        ),
        rows(AgreementParty.objects.all(), "agreement__title", "institution__name"),
        rows(Direction.objects.all(), "agreements__title", "name", "fields__code"),
        rows(
            Quota.objects.all(),
            "agreement__title",
            "direction__name",
            "mobility_type",
            "flow",
            "academic_year",
            "people",
            "months",
        ),
    ]


def _generate_and_roll_back(seed: int) -> list[list[tuple[Any, ...]]]:
    savepoint = transaction.savepoint()
    generate_registry(INSTITUTIONS, seed=seed)
    generate_agreements(AGREEMENTS // 2, seed=seed)
    snapshot = _snapshot()
    transaction.savepoint_rollback(savepoint)
    return snapshot


def test_same_seed_same_agreements_other_seed_other_agreements() -> None:
    first = _generate_and_roll_back(5)
    assert not Agreement.objects.exists()
    assert _generate_and_roll_back(5) == first
    assert _generate_and_roll_back(6)[0] != first[0]


def test_uses_the_home_university_there_is(world: Any) -> None:
    generate_registry(INSTITUTIONS, seed=1)
    generate_agreements(20, seed=1)

    assert Institution.objects.home().get() == world.home
    assert not AgreementParty.objects.exclude(agreement__parties__institution=world.home)
    assert not AgreementParty.objects.filter(
        institution__in=[world.partner_a, world.partner_b]
    ).exists(), "agreements are made with generated institutions only"


def test_needs_generated_institutions() -> None:
    with pytest.raises(ValueError, match="no generated institutions"):
        generate_agreements(5)


def _generate(*args: str) -> str:
    out = StringIO()
    call_command("generate", *args, stdout=out)
    return out.getvalue()


def test_command_makes_agreements_with_or_after_institutions() -> None:
    output = _generate("--institutions", "20", "--agreements", "30")
    assert "21 institutions" in output, "20 and the home university"
    assert "30 agreements" in output

    with pytest.raises(CommandError, match="already has 30 generated agreements"):
        _generate("--agreements", "10")

    output = _generate("--agreements", "10", "--append")
    assert "institutions" not in output, "--agreements alone makes no institutions"
    assert generated_agreements().count() == 40
    assert generated_institutions().count() == 21, "20 and the home university"


def test_command_needs_institutions_first() -> None:
    with pytest.raises(CommandError, match="no generated institutions"):
        _generate("--agreements", "5")
    assert not Institution.objects.exists(), "nothing is left behind"
