"""Candidate pages: registering a candidate with a CV kept private, the CV's download, the
recommend form's choices and refusals, the best fits and their explanation, the list's filters
and query count."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accord.core.models import AuditEntry
from accord.doctoral import actions
from accord.doctoral.models import Candidate, Level, Recommendation, Topic
from conftest import client_for, count_queries, entries_of, html, section

from .conftest import PDF, Doctoral, make_candidate


@pytest.fixture(autouse=True)
def _private_files(settings: Any, tmp_path: Path) -> None:
    settings.ACCORD_PRIVATE_DIR = tmp_path / "private"


def candidate_data(d: Doctoral, **changes: Any) -> dict[str, Any]:
    return {
        "institution": d.world.partner_a.pk,
        "first_name": "Nigar",
        "last_name": "Huseynova",
        "citizenship": "AZ",
        "email": "nigar@example.az",
        "education": "MSc in chemical engineering, 2024",
        "research_interests": "Catalysis in gas processing",
        "cv": SimpleUploadedFile("nigar.pdf", PDF, content_type="application/pdf"),
    } | changes


def test_a_partner_registers_its_candidate_with_a_private_cv(
    doctoral: Doctoral, settings: Any
) -> None:
    d = doctoral
    client = client_for(d.world.partner_a_coordinator)
    # The institution is fixed to partner A's, whatever is posted.
    response = client.post(
        reverse("candidate_create"), candidate_data(d, institution=d.world.partner_b.pk)
    )
    candidate = Candidate.objects.get(last_name="Huseynova")
    assert response["Location"] == reverse("candidate_detail", args=[candidate.pk])
    assert (candidate.institution, candidate.recommended_by) == (
        d.world.partner_a,
        d.world.partner_a_coordinator,
    )
    stored = Path(candidate.cv.path)
    assert stored.is_relative_to(Path(settings.ACCORD_PRIVATE_DIR))
    assert stored.read_bytes() == PDF
    [entry] = entries_of(candidate)
    assert (entry.action, entry.actor) == ("create", d.world.partner_a_coordinator)
    # The CV downloads through the page, which checks who asks.
    download = client.get(reverse("candidate_cv", args=[candidate.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert (
        client_for(d.world.leadership).get(reverse("candidate_cv", args=[candidate.pk])).status_code
        == 403
    )
    assert (
        client_for(d.world.partner_b_coordinator)
        .get(reverse("candidate_cv", args=[candidate.pk]))
        .status_code
        == 404
    )
    # The edit page names the CV without linking it (private files have no address).
    edit = html(client.get(reverse("candidate_edit", args=[candidate.pk])))
    assert "nigar.pdf" in edit


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"cv": SimpleUploadedFile("cv.pdf", b"GIF89a not a pdf")},
            "cv",
            "The CV must be a PDF file.",
        ),
        ({"citizenship": "XX"}, "citizenship", "Select a valid choice."),
        ({"research_interests": ""}, "research_interests", "This field is required."),
        ({"email": "nigar@"}, "email", "Enter a valid email address."),
    ],
)
def test_bad_input_is_shown_on_its_field_and_nothing_is_written(
    doctoral: Doctoral, changes: dict[str, Any], field: str, message: str, settings: Any
) -> None:
    d = doctoral
    before = (Candidate.objects.count(), AuditEntry.objects.count())
    response = client_for(d.world.partner_a_coordinator).post(
        reverse("candidate_create"), candidate_data(d, **changes)
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert (Candidate.objects.count(), AuditEntry.objects.count()) == before
    assert not Path(settings.ACCORD_PRIVATE_DIR).exists() or not any(
        Path(settings.ACCORD_PRIVATE_DIR).rglob("*.pdf")
    )


def test_the_officer_chooses_a_partner_never_the_home_university(doctoral: Doctoral) -> None:
    d = doctoral
    client = client_for(d.world.officer)
    offered = set(
        client.get(reverse("candidate_create")).context["form"].fields["institution"].queryset
    )
    assert offered == {d.world.partner_a, d.world.partner_b}
    response = client.post(
        reverse("candidate_create"), candidate_data(d, institution=d.world.home.pk)
    )
    assert "Select a valid choice." in " ".join(response.context["form"].errors["institution"])
    client.post(reverse("candidate_create"), candidate_data(d, institution=d.world.partner_b.pk))
    assert Candidate.objects.get(last_name="Huseynova").institution == d.world.partner_b


def test_a_candidate_with_a_decision_is_not_deleted(doctoral: Doctoral) -> None:
    d = doctoral
    actions.take_step(d.world.adviser, d.recommendation_a, "decline", note="No place.")
    response = client_for(d.world.partner_a_coordinator).post(
        reverse("candidate_delete", args=[d.candidate_a.pk]), follow=True
    )
    assert "has a decision on record" in html(response)
    assert Candidate.objects.filter(pk=d.candidate_a.pk).exists()


# Recommending


def test_the_recommend_form_offers_the_open_topics_the_partner_sees(doctoral: Doctoral) -> None:
    d = doctoral
    Topic.objects.filter(pk=d.master_place.pk).update(is_open=False)
    page = client_for(d.world.partner_b_coordinator).get(
        reverse("candidate_recommend", args=[d.candidate_b.pk])
    )
    offered = set(page.context["form"].fields["topic"].queryset)
    assert offered == {d.public_topic, d.partners_topic}
    response = client_for(d.world.partner_b_coordinator).post(
        reverse("candidate_recommend", args=[d.candidate_b.pk]),
        {"topic": d.topic_for_a.pk, "level": Level.DOCTORATE},
    )
    assert "Select a valid choice." in " ".join(response.context["form"].errors["topic"])
    assert not Recommendation.objects.filter(topic=d.topic_for_a, candidate=d.candidate_b).exists()


def test_a_candidate_is_recommended_to_an_adviser_directly(doctoral: Doctoral) -> None:
    d = doctoral
    response = client_for(d.world.partner_a_coordinator).post(
        reverse("candidate_recommend", args=[d.candidate_a.pk]),
        {"adviser": d.other_adviser.pk, "level": Level.MASTER, "motivation": "Strong coder."},
    )
    recommendation = Recommendation.objects.get(candidate=d.candidate_a, adviser=d.other_adviser)
    assert response["Location"] == reverse("recommendation_detail", args=[recommendation.pk])
    assert (recommendation.topic, recommendation.level) == (None, Level.MASTER)
    assert [entry.action for entry in entries_of(recommendation)] == ["create"]


def test_a_recommendation_needs_a_topic_or_an_adviser(doctoral: Doctoral) -> None:
    d = doctoral
    count = Recommendation.objects.count()
    response = client_for(d.world.partner_a_coordinator).post(
        reverse("candidate_recommend", args=[d.candidate_a.pk]), {"level": Level.DOCTORATE}
    )
    assert "Choose a topic or an adviser." in " ".join(response.context["form"].errors["topic"])
    assert Recommendation.objects.count() == count


# Best fits


def test_the_best_fits_explain_themselves(doctoral: Doctoral) -> None:
    """Partner A's oil recovery candidate: the oil recovery topic and its adviser come first,
    with the words shared and the publications behind the adviser's fit."""
    d = doctoral
    page = html(
        client_for(d.world.partner_a_coordinator).get(
            reverse("candidate_detail", args=[d.candidate_a.pk])
        )
    )
    fits = section(page, "Best fits")
    topics = fits[fits.index("<h3>Topics</h3>") : fits.index("<h3>Advisers</h3>")]
    advisers = fits[fits.index("<h3>Advisers</h3>") :]
    assert topics.index("Oil recovery in mature fields") < topics.index("Machine learning")
    assert "recovery" in topics
    assert advisers.index("Mykola Bondarenko") < advisers.index("Olena Kovalenko")
    # The publications behind the fit, never the adviser's topics (some are not shared).
    assert "Reservoir simulation of fractured carbonates" in advisers
    assert "Oil recovery in mature fields" not in advisers


def test_partner_b_s_best_fits_leave_out_a_topic_shared_with_partner_a_only(
    doctoral: Doctoral,
) -> None:
    d = doctoral
    candidate = make_candidate(
        d.world,
        "partner_b",
        last_name="Drilling",
        research_interests="Drilling fluids for deep wells",
    )
    page = html(
        client_for(d.world.partner_b_coordinator).get(
            reverse("candidate_detail", args=[candidate.pk])
        )
    )
    assert "Drilling fluids for deep wells" not in section(page, "Best fits")


# The list


def listed(client: Any, **params: Any) -> set[int]:
    return {
        candidate.pk for candidate in client.get(reverse("candidate_list"), params).context["page"]
    }


def test_the_list_filters(doctoral: Doctoral) -> None:
    d = doctoral
    actions.take_step(d.world.adviser, d.recommendation_b, "admit")
    spare = make_candidate(d.world, "partner_a", first_name="Aysel", last_name="Karimova")
    actions.recommend(d.world.officer, spare, adviser=d.other_adviser, level=Level.MASTER)
    client = client_for(d.world.officer)
    assert listed(client, partner=d.world.partner_b.pk) == {d.candidate_b.pk}
    assert listed(client, status="admitted") == {d.candidate_b.pk}
    assert listed(client, level=Level.MASTER) == {spare.pk}
    assert listed(client, q="karimova") == {spare.pk}
    assert listed(client, q="machine learning") == {d.candidate_b.pk}
    # A partner has no partner filter, and its own candidates only whatever it asks.
    partner_a = client_for(d.world.partner_a_coordinator)
    assert "partner" not in partner_a.get(reverse("candidate_list")).context["form"].fields
    assert listed(partner_a, status="admitted") == set()


@pytest.mark.parametrize("persona", ["officer", "partner_a_coordinator"])
def test_the_list_makes_as_many_queries_for_ten_candidates_as_for_two(
    doctoral: Doctoral, persona: str
) -> None:
    d = doctoral
    Candidate.objects.filter(pk=d.candidate_b.pk).update(institution=d.world.partner_a)
    client = client_for(getattr(d.world, persona))
    two = count_queries(client, reverse("candidate_list"))
    for number in range(8):
        candidate = make_candidate(d.world, "partner_a", last_name=f"Candidate {number}")
        actions.recommend(d.world.officer, candidate, topic=d.partners_topic)
        actions.recommend(d.world.officer, candidate, adviser=d.own_adviser)
    assert len(client.get(reverse("candidate_list")).context["page"]) == 10
    assert count_queries(client, reverse("candidate_list")) == two
