"""The EWP part of the REST API: an agreement's EWP status, its Erasmus+ terms, importing a
partner's IIAs and approving a partner's copy, per persona."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.ewp.models import MobilityTerms, PartnerIia
from accord.ewp.tests.helpers import (
    PARTNER_A_HEI,
    erasmus_iia,
    ours,
    partners_copy,
    xml_of,
)
from conftest import (
    OK,
    PERSONAS,
    World,
    change_outcome,
    client_for,
    entries_of,
    error_fields,
    error_text,
    send_json,
    user_of,
    view_outcome,
)


def status_url(pk: int) -> str:
    return f"/api/agreements/{pk}/ewp"


def import_copy(world: World, people: str = "2", iia_id: str = "partner-a-iia-1") -> PartnerIia:
    agreement = erasmus_iia(world)
    theirs = partners_copy(agreement, iia_id)
    theirs.conditions[0].mobilities_per_year = people
    response = client_for(world.officer).post(
        "/api/ewp/iias/import", {"file": SimpleUploadedFile("theirs.xml", xml_of(theirs))}
    )
    assert response.status_code == 200, response.content
    return PartnerIia.objects.get(iia_id=iia_id)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_status_per_persona(named: World, persona: str) -> None:
    agreement = erasmus_iia(named)
    response = client_for(user_of(named, persona)).get(status_url(agreement.pk))
    expected = view_outcome(persona, api=True)
    if expected != OK:
        assert response.status_code == expected
        return
    assert response.status_code == 200
    body = response.json()
    mine = ours(agreement)
    assert body["iia_id"] == mine.iia_id
    assert len(body["hash"]) == 64
    assert body["problem"] == ""
    assert [c["kind"] for c in body["conditions"]] == ["student-studies", "staff-teacher"]
    assert [(t["mobility_type"], t["languages"]) for t in body["terms"]] == [
        ("student_studies", ["en B2"]),
        ("teaching_staff", ["en C1"]),
    ]


def test_the_status_lists_the_partners_copy_and_its_differences(named: World) -> None:
    copy = import_copy(named, people="3")
    body = client_for(named.officer).get(status_url(copy.agreement_id or 0)).json()
    [listed] = body["copies"]
    assert listed["iia_id"] == "partner-a-iia-1"
    assert listed["partner"] == PARTNER_A_HEI
    assert listed["may_approve"] is True
    assert listed["approved"] is False
    assert any("mobilities per year is 2 in ours, 3 in theirs" in d for d in listed["differences"])


def test_the_status_says_why_an_agreement_cannot_be_sent(named: World) -> None:
    agreement = erasmus_iia(named)
    MobilityTerms.objects.filter(agreement=agreement).delete()
    body = client_for(named.officer).get(status_url(agreement.pk)).json()
    assert "needs at least one recommended language" in body["problem"]
    assert body["hash"] == ""
    assert body["conditions"] == []


TERMS = {"languages": ["en B2", "pl"], "eqf_levels": [7], "blended": True, "other_info": "Spring"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_putting_terms_per_persona(named: World, persona: str) -> None:
    agreement = erasmus_iia(named)
    url = f"{status_url(agreement.pk)}/terms/student_studies/outgoing"
    response = send_json(client_for(user_of(named, persona)), "put", url, TERMS)
    terms = MobilityTerms.objects.get(agreement=agreement, mobility_type="student_studies")
    expected = change_outcome(persona, api=True)
    if expected == OK:
        assert response.status_code == 200, response.content
        assert response.json()["languages"] == ["en B2", "pl"]
        assert (terms.languages, terms.eqf_levels, terms.blended) == (["en B2", "pl"], [7], True)
        assert entries_of(terms)[-1].actor == named.officer
        return
    assert response.status_code == expected
    assert terms.languages == ["en B2"]


def test_putting_new_terms_creates_them(named: World) -> None:
    agreement = erasmus_iia(named)
    MobilityTerms.objects.filter(agreement=agreement, mobility_type="teaching_staff").delete()
    url = f"{status_url(agreement.pk)}/terms/teaching_staff/incoming"
    response = send_json(client_for(named.officer), "put", url, {"languages": ["en C1"]})
    assert response.status_code == 200
    created = MobilityTerms.objects.get(agreement=agreement, mobility_type="teaching_staff")
    assert [e.action for e in entries_of(created)] == ["create"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"languages": ["Ukrainian"]}, "languages"),
        ({"eqf_levels": [9]}, "eqf_levels"),
        ({"days_per_year": "0"}, "days_per_year"),
    ],
)
def test_bad_terms_are_refused_naming_the_field(
    named: World, payload: dict[str, Any], field: str
) -> None:
    agreement = erasmus_iia(named)
    url = f"{status_url(agreement.pk)}/terms/student_studies/outgoing"
    response = send_json(client_for(named.officer), "put", url, payload)
    assert field in error_fields(response)
    assert MobilityTerms.objects.get(
        agreement=agreement, mobility_type="student_studies"
    ).languages == ["en B2"]


def test_terms_of_no_ewp_mobility_are_not_found(named: World) -> None:
    agreement = erasmus_iia(named)
    url = f"{status_url(agreement.pk)}/terms/phd_research/outgoing"
    assert send_json(client_for(named.officer), "put", url, TERMS).status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_importing_per_persona(named: World, persona: str) -> None:
    agreement = erasmus_iia(named)
    upload = SimpleUploadedFile("theirs.xml", xml_of(partners_copy(agreement)))
    response = client_for(user_of(named, persona)).post("/api/ewp/iias/import", {"file": upload})
    if persona == "officer":
        assert response.status_code == 200
        assert response.json()["created"] == [f"{PARTNER_A_HEI} partner-a-iia-1"]
        assert PartnerIia.objects.get().agreement == agreement
        return
    assert response.status_code == (401 if persona == "anonymous" else 403)
    assert not PartnerIia.objects.exists()


def test_a_hostile_import_is_refused_naming_the_file(named: World) -> None:
    upload = SimpleUploadedFile(
        "evil.xml", b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    )
    response = client_for(named.officer).post("/api/ewp/iias/import", {"file": upload})
    assert "file" in error_fields(response)
    assert "document type or entities" in error_text(response)
    assert not PartnerIia.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_approving_per_persona(named: World, persona: str) -> None:
    copy = import_copy(named)
    response = client_for(user_of(named, persona)).post(f"/api/ewp/copies/{copy.pk}/approve")
    copy.refresh_from_db()
    expected = change_outcome(persona, api=True)
    if expected == OK:
        assert response.status_code == 200
        assert response.json()["approved"] is True
        assert copy.approved_hash == copy.hash
        return
    assert response.status_code == expected
    assert copy.approved_hash == ""


def test_a_copy_not_ready_for_approval_is_a_conflict(named: World) -> None:
    copy = import_copy(named)
    PartnerIia.objects.filter(pk=copy.pk).update(valid_for_approval=False)
    response = client_for(named.officer).post(f"/api/ewp/copies/{copy.pk}/approve")
    assert response.status_code == 409
    assert "not yet defined" in response.json()["detail"]
