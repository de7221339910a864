"""Exporting our Erasmus+ agreements as EWP documents (and the agreements that cannot be), the
``accord ewp`` commands, importing a partner's copies (all or nothing), mapping them to our
agreements, comparing and approving them."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from accord.agreements import actions
from accord.agreements.models import Agreement, AgreementKind, Direction, Flow, MobilityType, Quota
from accord.core import actions as core_actions
from accord.core.errors import Conflict
from accord.core.models import AuditAction
from accord.ewp import copies
from accord.ewp import iia as ewp
from accord.ewp.exporting import iias_response, our_iias
from accord.ewp.models import IiaLink, MobilityTerms, PartnerIia
from accord.ewp.tests.helpers import (
    HOME_HEI,
    PARTNER_A_HEI,
    PARTNER_B_HEI,
    erasmus_iia,
    ours,
    partners_copy,
    xml_of,
)
from accord.ewp.xml import XML_NS, XmlRefused, parse, serialize, validate
from accord.institutions.models import Institution
from accord.institutions.tests.factories import ContactFactory, UnitFactory
from conftest import World, entries_of, name_partner_a

EXAMPLE = Path(settings.EWP_SCHEMAS) / "iias-v7/examples/get-response-example.xml"
EXAMPLE_ID = "0f7a5682-faf7-49a7-9cc7-ec486c49a281"
EXAMPLE_HASH = "e950faa83a799cf45839e7915db88ed51575babe7845c1219dfde54ce30a61e4"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("ewp", *args, stdout=out)
    return out.getvalue()


def imported(world: World, *iias: ewp.Iia, **options: Any) -> copies.ImportReport:
    return copies.import_copies(world.officer, xml_of(*iias), world.home, **options)


# Exporting our IIAs


def test_an_erasmus_iia_is_exported_with_its_quotas_as_specs(named: World) -> None:
    agreement = erasmus_iia(named)
    projected, problems = our_iias()
    assert problems == []
    [projection] = projected
    assert projection.agreement == agreement
    assert projection.partner == named.partner_a
    root = iias_response(projected)
    validate(root)

    iia = ewp.read_iia(ewp.iia_elements(parse(serialize(root)))[0])
    assert [p.hei_id for p in iia.partners] == [HOME_HEI, PARTNER_A_HEI]
    assert iia.iia_id == IiaLink.objects.get(agreement=agreement).iia_id
    assert iia.partners[0].iia_code == str(agreement.pk)
    assert iia.partners[1].iia_id == ""  # no copy of the partner yet
    studies, teachers = iia.conditions
    assert (studies.kind, studies.sending_hei, studies.receiving_hei) == (
        "student-studies",
        HOME_HEI,
        PARTNER_A_HEI,
    )
    assert (studies.first_year, studies.last_year) == ("2026/2027", "2027/2028")
    assert studies.mobilities_per_year == "2"
    assert studies.total_months == "10"
    assert [(s.language, s.cefr) for s in studies.languages] == [("en", "B2")]
    assert studies.eqf_levels == [6, 7]
    assert [a.isced for a in studies.subject_areas] == ["0724"]
    assert (teachers.kind, teachers.sending_hei, teachers.receiving_hei) == (
        "staff-teacher",
        PARTNER_A_HEI,
        HOME_HEI,
    )
    assert teachers.mobilities_per_year == "1"
    assert [(s.language, s.cefr) for s in teachers.languages] == [("en", "C1")]
    assert teachers.total_days == "5"
    assert teachers.eqf_levels == []
    assert iia.hash == ewp.hash_of(iia)


def test_the_iia_id_is_made_once_with_an_audit_entry(named: World) -> None:
    agreement = erasmus_iia(named)
    first = ours(agreement).iia_id
    assert ours(agreement).iia_id == first
    link = IiaLink.objects.get(agreement=agreement)
    assert [e.action for e in entries_of(link)] == [AuditAction.CREATE]


def test_isced_codes_are_padded_to_four_digits(named: World) -> None:
    agreement = erasmus_iia(named)
    direction = actions.add_direction(
        named.officer, Direction(name="Engineering"), ["072", "07"], agreement=agreement
    )
    actions.add_quota(
        named.officer,
        Quota(
            agreement=agreement,
            direction=direction,
            academic_year="2026/2027",
            people=1,
            mobility_type=MobilityType.STUDENT_STUDIES,
            flow=Flow.OUTGOING,
        ),
    )
    studies = ours(agreement).conditions[0]
    assert [a.isced for a in studies.subject_areas] == ["0700", "0720", "0724"]
    validate(ewp.get_response([ours(agreement)]))


def test_years_with_other_numbers_become_separate_specs(named: World) -> None:
    agreement = erasmus_iia(named)
    Quota.objects.filter(
        agreement=agreement, academic_year="2027/2028", mobility_type=MobilityType.STUDENT_STUDIES
    ).update(people=5)
    studies = [s for s in ours(agreement).conditions if s.kind == "student-studies"]
    assert [(s.first_year, s.last_year, s.mobilities_per_year) for s in studies] == [
        ("2026/2027", "2026/2027", "2"),
        ("2027/2028", "2027/2028", "5"),
    ]


def multilateral(world: World) -> Agreement:
    agreement = erasmus_iia(world, title="Three universities")
    agreement.parties.create(institution=world.partner_b)  # a third party
    return agreement


def test_agreements_that_cannot_be_exported_are_named(named: World) -> None:
    good = erasmus_iia(named, title="Good")
    no_hei = erasmus_iia(named, named.partner_b, title="No hei-id")
    Institution.objects.filter(pk=named.partner_b.pk).update(ewp_hei_id="")
    no_language = erasmus_iia(named, title="No language")
    MobilityTerms.objects.filter(
        agreement=no_language, mobility_type=MobilityType.STUDENT_STUDIES
    ).delete()
    three = multilateral(named)
    projected, problems = our_iias()
    assert [p.agreement.pk for p in projected] == [good.pk]
    assert problems == [
        f"{no_hei.pk} No hei-id: The partner Partner B University has no EWP hei-id.",
        f"{no_language.pk} No language: {MobilityType.STUDENT_STUDIES.label}, "
        f"{Flow.OUTGOING.label}: Erasmus+ needs at least one recommended language.",
        f"{three.pk} Three universities: An EWP IIA is between the home university and exactly "
        "one partner.",
    ]


@pytest.mark.parametrize(
    "terms",
    [{"languages": ["Ukrainian B2"]}, {"languages": ["en C1"], "days_per_year": Decimal("0")}],
    ids=["language name", "zero days"],
)
def test_terms_ewp_cannot_carry_are_refused_or_named(
    named: World, tmp_path: Path, terms: dict[str, Any]
) -> None:
    erasmus_iia(named, title="Good")
    agreement = erasmus_iia(named, title="Odd terms")
    MobilityTerms.objects.filter(
        agreement=agreement, mobility_type=MobilityType.TEACHING_STAFF
    ).delete()
    odd = MobilityTerms(
        agreement=agreement, mobility_type=MobilityType.TEACHING_STAFF, flow=Flow.INCOMING, **terms
    )
    try:
        core_actions.create(named.officer, odd)
    except ValidationError:
        return  # refused where it is entered: fine
    with pytest.raises(CommandError) as refused:
        run("export-iias", "--out", str(tmp_path / "iias.xml"))
    assert f"{agreement.pk} Odd terms:" in str(refused.value)


def test_other_kinds_of_agreement_are_not_iias(named: World) -> None:
    erasmus_iia(named)
    Agreement.objects.update(kind=AgreementKind.MEMORANDUM)
    assert our_iias() == ([], [])


# The commands


def test_export_iias_writes_a_valid_document(named: World, tmp_path: Path) -> None:
    agreement = erasmus_iia(named)
    path = tmp_path / "iias.xml"
    output = run("export-iias", "--out", str(path))
    assert f"1 IIAs written to {path}" in output
    root = parse(path.read_bytes())
    validate(root)
    [element] = ewp.iia_elements(root)
    assert ewp.read_iia(element).iia_id == agreement.ewp.iia_id


def test_export_iias_refuses_naming_the_agreements_and_writes_nothing(
    named: World, tmp_path: Path
) -> None:
    erasmus_iia(named)
    bad = erasmus_iia(named, title="No language")
    MobilityTerms.objects.filter(agreement=bad).delete()
    path = tmp_path / "iias.xml"
    with pytest.raises(CommandError) as refused:
        run("export-iias", "--out", str(path))
    message = str(refused.value)
    assert message.startswith("These agreements cannot be written as EWP IIAs:")
    assert f"{bad.pk} No language:" in message
    assert not path.exists()


def test_export_iias_without_a_home_hei_id_says_so(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Give the home university its EWP hei-id first"):
        run("export-iias", "--out", str(tmp_path / "iias.xml"))


def test_export_institutions_writes_home_and_partners(named: World, tmp_path: Path) -> None:
    name_partner_a(named)
    Institution.objects.filter(pk=named.home.pk).update(
        website="https://home.example.ua/", erasmus_code="UA KHARKIV07", pic="999999999"
    )
    ContactFactory.create(institution=named.partner_a, unit=None, phone="+994 12 345 67 89")
    ContactFactory.create(institution=named.partner_b, unit=None, phone="ext. 42")
    UnitFactory.create(institution=named.home, name="Faculty of Oil and Gas")
    path = tmp_path / "institutions.xml"
    assert "3 institutions written" in run("export-institutions", "--out", str(path))
    root = parse(path.read_bytes())
    validate(root)
    assert [hei.findtext("{*}hei-id") for hei in root] == [HOME_HEI, PARTNER_A_HEI, PARTNER_B_HEI]
    names = {n.get(f"{{{XML_NS}}}lang"): n.text for n in root[1].findall("{*}name")}
    assert names == {
        "en": "Partner A University",
        "az": "Bakı Dövlət Universiteti",
        "uk": "Бакинський державний університет",
    }
    assert root[0].findtext("{*}website-url") == "https://home.example.ua/"


def test_export_ounits_writes_the_units_of_an_institution(named: World, tmp_path: Path) -> None:
    faculty = UnitFactory.create(
        institution=named.home, name="Faculty", code="F1", names={"uk": "Факультет"}
    )
    department = UnitFactory.create(institution=named.home, name="Department", parent=faculty)
    ContactFactory.create(institution=named.home, unit=department, email="dept@example.org")
    UnitFactory.create(institution=named.partner_a, name="Their faculty")
    path = tmp_path / "ounits.xml"
    assert "2 units written" in run("export-ounits", "--out", str(path))
    root = parse(path.read_bytes())
    validate(root)
    assert [u.findtext("{*}ounit-id") for u in root] == [str(faculty.pk), str(department.pk)]
    assert root[1].findtext("{*}parent-ounit-id") == str(faculty.pk)

    assert "1 units written" in run("export-ounits", "--out", str(path), "--hei", PARTNER_A_HEI)
    validate(parse(path.read_bytes()))
    with pytest.raises(CommandError, match=r"No institution has the hei-id nowhere\.example"):
        run("export-ounits", "--out", str(path), "--hei", "nowhere.example")


def test_hash_prints_the_iia_id_and_hash_of_each_iia(world: World) -> None:
    assert run("hash", str(EXAMPLE)).splitlines() == [f"{EXAMPLE_ID} {EXAMPLE_HASH}"]


def test_hash_of_an_unreadable_file_says_so(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        run("hash", str(tmp_path / "missing.xml"))


def test_import_iias_command_reports_and_stores(named: World, tmp_path: Path) -> None:
    agreement = erasmus_iia(named)
    path = tmp_path / "theirs.xml"
    path.write_bytes(xml_of(partners_copy(agreement)))
    output = run("import-iias", str(path))
    assert f"created {PARTNER_A_HEI} partner-a-iia-1" in output
    assert "1 created, 0 changed, 0 unchanged" in output
    output = run("import-iias", str(path))
    assert f"unchanged {PARTNER_A_HEI} partner-a-iia-1" in output
    assert "0 created, 0 changed, 1 unchanged" in output


# Importing partners' copies


def test_an_import_creates_the_copy_mapped_to_our_agreement(named: World) -> None:
    agreement = erasmus_iia(named)
    theirs = partners_copy(agreement)
    report = imported(named, theirs)
    assert report.lines() == [f"created {PARTNER_A_HEI} partner-a-iia-1"]
    stored = PartnerIia.objects.get()
    assert stored.institution == named.partner_a
    assert stored.agreement == agreement
    assert stored.iia_code == "A/2026/1"
    assert stored.in_effect
    assert stored.hash == stored.published_hash == ewp.hash_of(theirs)
    assert stored.valid_for_approval
    assert stored.conditions == copies.conditions_data(theirs)
    assert stored.approved_hash == ""
    validate(parse(stored.xml.encode()))
    [entry] = entries_of(stored)
    assert entry.action == AuditAction.CREATE
    assert entry.actor == named.officer
    # Our copy now names the partner's iia-id.
    assert ours(agreement).partners[1].iia_id == "partner-a-iia-1"


def test_importing_the_same_copy_again_changes_nothing(named: World) -> None:
    agreement = erasmus_iia(named)
    imported(named, partners_copy(agreement))
    report = imported(named, partners_copy(agreement))
    assert report.lines() == [f"unchanged {PARTNER_A_HEI} partner-a-iia-1"]
    assert len(entries_of(PartnerIia.objects.get())) == 1


def test_a_changed_copy_is_reported_with_what_changed(named: World) -> None:
    agreement = erasmus_iia(named)
    imported(named, partners_copy(agreement))
    theirs = partners_copy(agreement)
    theirs.conditions[0].mobilities_per_year = "3"
    report = imported(named, theirs)
    assert report.lines() == [
        f"changed {PARTNER_A_HEI} partner-a-iia-1: published hash, hash, conditions"
    ]
    stored = PartnerIia.objects.get()
    assert stored.conditions[0]["mobilities_per_year"] == "3"
    assert [e.action for e in entries_of(stored)] == [AuditAction.CREATE, AuditAction.UPDATE]

    theirs.in_effect = False
    theirs.partners[0].iia_code = "A/2026/2"
    report = imported(named, theirs)
    assert report.changed == [f"{PARTNER_A_HEI} partner-a-iia-1: iia code, in effect"]


def test_a_copy_that_does_not_name_our_iia_id_is_stored_unmapped(named: World) -> None:
    agreement = erasmus_iia(named)
    imported(named, partners_copy(agreement, names_ours=False))
    assert PartnerIia.objects.get().agreement is None


def test_a_v6_copy_is_imported_but_not_valid_for_approval(named: World) -> None:
    data = (Path(settings.EWP_SCHEMAS) / "iias-v6/examples/get-response-example.xml").read_bytes()
    data = data.replace(b"uw.edu.pl", PARTNER_A_HEI.encode()).replace(b"hibo.no", HOME_HEI.encode())
    report = copies.import_copies(named.officer, data, named.home)
    assert report.created == [f"{PARTNER_A_HEI} {EXAMPLE_ID}"]
    stored = PartnerIia.objects.get()
    assert not stored.valid_for_approval
    assert stored.hash == ewp.hash_of(ewp.read_iia(ewp.iia_elements(parse(data))[0]))


@pytest.mark.parametrize(
    ("second", "message"),
    [
        ({"owner": "unknown.example.eu"}, "no partner has the hei-id unknown.example.eu"),
        ({"other": PARTNER_B_HEI}, f"the second partner is {PARTNER_B_HEI}, not the home"),
        ({"iia_id": ""}, "the first partner has no iia-id"),
    ],
    ids=["unknown partner", "another home", "no iia-id"],
)
def test_an_import_is_all_or_nothing(named: World, second: dict[str, Any], message: str) -> None:
    agreement = erasmus_iia(named)
    good = partners_copy(agreement)
    bad = partners_copy(agreement, **{"iia_id": "partner-a-iia-2", **second})
    with pytest.raises(XmlRefused, match=f"IIA 2 .*{message}"):
        imported(named, good, bad)
    assert not PartnerIia.objects.exists()


def test_an_invalid_document_is_refused_whole(named: World) -> None:
    agreement = erasmus_iia(named)
    theirs = partners_copy(agreement)
    theirs.conditions[0].languages = []  # v7 requires one for student studies
    with pytest.raises(XmlRefused, match="does not follow the EWP schema"):
        imported(named, partners_copy(agreement, "partner-a-iia-2"), theirs)
    assert not PartnerIia.objects.exists()


def test_an_import_from_a_named_partner_refuses_another_partners_copy(named: World) -> None:
    agreement = erasmus_iia(named)
    with pytest.raises(XmlRefused, match=f"comes from {PARTNER_A_HEI}, not from {PARTNER_B_HEI}"):
        imported(named, partners_copy(agreement), partner=named.partner_b)
    assert not PartnerIia.objects.exists()
    assert imported(named, partners_copy(agreement), partner=named.partner_a).created


def test_a_copy_naming_another_partners_agreement_is_not_mapped_to_it(named: World) -> None:
    with_a = erasmus_iia(named)
    theirs = partners_copy(with_a, "partner-b-iia-1", owner=PARTNER_B_HEI)
    imported(named, theirs)
    assert PartnerIia.objects.get().agreement is None


def test_a_second_copy_naming_the_same_agreement_is_not_mapped_to_it(named: World) -> None:
    agreement = erasmus_iia(named)
    imported(named, partners_copy(agreement, "partner-a-iia-1"))
    imported(named, partners_copy(agreement, "partner-a-iia-2"))
    assert PartnerIia.objects.filter(agreement=agreement).count() == 1


# Differences


def test_differences_name_a_changed_number_and_a_spec_in_one_copy_only(named: World) -> None:
    agreement = erasmus_iia(named)
    mine = ours(agreement)
    theirs = partners_copy(agreement)
    assert copies.differences(copies.conditions_data(mine), copies.conditions_data(theirs)) == []
    theirs.conditions[0].mobilities_per_year = "3"
    theirs.conditions.append(
        ewp.MobilitySpec(
            kind="staff-training",
            sending_hei=HOME_HEI,
            receiving_hei=PARTNER_A_HEI,
            first_year="2026/2027",
            last_year="2026/2027",
            mobilities_per_year="1",
        )
    )
    del theirs.conditions[1]  # the teachers
    lines = copies.differences(copies.conditions_data(mine), copies.conditions_data(theirs))
    teachers, training, studies = (
        MobilityType.TEACHING_STAFF.label,
        MobilityType.TRAINING_STAFF.label,
        MobilityType.STUDENT_STUDIES.label,
    )
    assert lines == [
        f"{teachers}, {PARTNER_A_HEI} → {HOME_HEI}, from 2026/2027: only in our copy.",
        f"{training}, {HOME_HEI} → {PARTNER_A_HEI}, from 2026/2027: only in the partner's copy.",
        f"{studies}, {HOME_HEI} → {PARTNER_A_HEI}, from 2026/2027: mobilities per year "
        "is 2 in ours, 3 in theirs.",
    ]


def test_differences_notice_another_order() -> None:
    spec = {"kind": "staff-teacher", "sending_hei": "a", "receiving_hei": "b", "first_year": "1"}
    other = dict(spec, first_year="2")
    assert copies.differences([spec, other], [other, spec]) == [
        "The conditions are the same but in another order."
    ]


# Approving


def stored_copy(world: World, agreement: Agreement, **changes: Any) -> PartnerIia:
    imported(world, partners_copy(agreement, **changes))
    return PartnerIia.objects.get()


def test_approve_records_the_hash_with_an_audit_entry(named: World) -> None:
    agreement = erasmus_iia(named)
    copy_ = stored_copy(named, agreement)
    approved = copies.approve(named.officer, copy_)
    copy_.refresh_from_db()
    assert approved.approved_hash == copy_.approved_hash == copy_.hash
    assert copy_.approved_on is not None
    assert copy_.approved
    entry = entries_of(copy_)[-1]
    assert entry.action == AuditAction.UPDATE
    assert entry.actor == named.officer
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["approved_hash"], entry.after["approved_hash"]) == ("", copy_.hash)

    # A later change of the partner's copy leaves our approval on the earlier version.
    theirs = partners_copy(agreement)
    theirs.conditions[0].mobilities_per_year = "3"
    imported(named, theirs)
    copy_.refresh_from_db()
    assert copy_.approved_hash != copy_.hash
    assert not copy_.approved


def test_approve_refuses_an_unmapped_copy(named: World) -> None:
    copy_ = stored_copy(named, erasmus_iia(named), names_ours=False)
    with pytest.raises(Conflict, match="Map the partner's copy"):
        copies.approve(named.officer, copy_)
    copy_.refresh_from_db()
    assert copy_.approved_hash == ""
    assert len(entries_of(copy_)) == 1


def test_approve_refuses_a_copy_not_valid_for_approval(named: World) -> None:
    agreement = erasmus_iia(named)
    theirs = partners_copy(agreement)
    theirs.conditions[0].mobilities_not_yet_defined = True
    imported(named, theirs)
    copy_ = PartnerIia.objects.get()
    assert copy_.agreement == agreement
    assert not copy_.valid_for_approval
    with pytest.raises(Conflict, match="not yet defined"):
        copies.approve(named.officer, copy_)
    assert PartnerIia.objects.get().approved_hash == ""


def test_approve_refuses_a_copy_whose_published_hash_is_not_ours(named: World) -> None:
    agreement = erasmus_iia(named)
    root = ewp.get_response([partners_copy(agreement)])
    hash_element = root.find(".//{*}iia-hash")
    assert hash_element is not None
    hash_element.text = "0" * 64
    copies.import_copies(named.officer, serialize(root), named.home)
    copy_ = PartnerIia.objects.get()
    assert copy_.published_hash == "0" * 64
    assert copy_.hash != copy_.published_hash
    with pytest.raises(Conflict, match="does not match"):
        copies.approve(named.officer, copy_)
    assert PartnerIia.objects.get().approved_hash == ""


def test_the_approve_command(named: World) -> None:
    agreement = erasmus_iia(named)
    copy_ = stored_copy(named, agreement)
    output = run("approve", "--agreement", str(agreement.pk))
    assert output.strip() == f"Approved partner-a-iia-1 with the hash {copy_.hash}."
    with pytest.raises(CommandError, match="No partner's copy is mapped to agreement 0"):
        run("approve", "--agreement", "0")


# Mapping


def test_map_copy_maps_and_unmaps_with_audit_entries(named: World) -> None:
    agreement = erasmus_iia(named)
    copy_ = stored_copy(named, agreement, names_ours=False)
    mapped = copies.map_copy(named.officer, copy_, agreement.pk)
    assert mapped.agreement_id == agreement.pk
    assert copies.map_copy(named.officer, copy_, None).agreement_id is None
    assert [e.action for e in entries_of(copy_)] == [AuditAction.CREATE] + [AuditAction.UPDATE] * 2


def test_map_copy_refuses_an_agreement_with_another_partner(named: World) -> None:
    erasmus_iia(named)
    with_b = erasmus_iia(named, named.partner_b, title="With B")
    copy_ = stored_copy(named, Agreement.objects.exclude(pk=with_b.pk).get(), names_ours=False)
    with pytest.raises(Conflict, match="one of our Erasmus\\+ agreements with it"):
        copies.map_copy(named.officer, copy_, with_b.pk)
    assert PartnerIia.objects.get().agreement is None


def test_map_copy_refuses_a_second_copy_for_one_agreement(named: World) -> None:
    agreement = erasmus_iia(named)
    imported(named, partners_copy(agreement, "partner-a-iia-1"))
    imported(named, partners_copy(agreement, "partner-a-iia-2", names_ours=False))
    second = PartnerIia.objects.get(iia_id="partner-a-iia-2")
    with pytest.raises(Conflict, match="already mapped"):
        copies.map_copy(named.officer, second, agreement.pk)


def test_the_map_command(named: World) -> None:
    agreement = erasmus_iia(named)
    stored_copy(named, agreement, names_ours=False)
    output = run(
        "map",
        "--partner",
        PARTNER_A_HEI,
        "--iia-id",
        "partner-a-iia-1",
        "--agreement",
        str(agreement.pk),
    )
    assert f"is the partner's copy of agreement {agreement.pk}" in output
    assert PartnerIia.objects.get().agreement == agreement
    with pytest.raises(CommandError, match="No copy missing from"):
        run("map", "--partner", PARTNER_A_HEI, "--iia-id", "missing", "--agreement", "1")
