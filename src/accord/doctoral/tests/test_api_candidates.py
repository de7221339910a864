"""The candidates API: what each persona sees of whom, personal data, registering for one's own
institution, validation, CVs, history, fits, and query counts."""

from __future__ import annotations

from typing import Any

import pytest

from accord.core.models import AuditEntry
from accord.doctoral import actions
from accord.doctoral.models import Adviser, Candidate, Recommendation, RecommendationStatus
from conftest import client_for, count_queries, entries_of, error_fields, user_of

from .conftest import PDF, make_candidate
from .test_api import Scene, items, make_scene, new_candidate, pdf, send, upload_cv


@pytest.fixture
def scene(doctoral: Any) -> Scene:
    return make_scene(doctoral)


def keyed(scene: Scene, response: Any) -> dict[str, dict[str, Any]]:
    names = {
        scene.d.candidate_a.pk: "a",
        scene.d.candidate_b.pk: "b",
        scene.spare_candidate.pk: "spare_a",
    }
    return {names[item["id"]]: item for item in items(response)}


@pytest.mark.parametrize(
    ("persona", "personal"),
    [
        ("officer", {"a": True, "b": True, "spare_a": True}),
        ("leadership", {"a": False, "b": False, "spare_a": False}),
        ("faculty_coordinator", {"a": False, "b": False, "spare_a": False}),
        # Both fixture candidates are recommended for the adviser persona's topics.
        ("adviser", {"a": True, "b": True, "spare_a": False}),
        ("partner_a_coordinator", {"a": True, "spare_a": True}),
        ("partner_b_coordinator", {"b": True}),
    ],
)
def test_candidates_and_their_personal_data_by_persona(
    scene: Scene, persona: str, personal: dict[str, bool]
) -> None:
    upload_cv(scene)
    user = user_of(scene.world, persona)
    listed = keyed(scene, send(user, "get", "/api/candidates"))
    assert {key: item["personal_data"] for key, item in listed.items()} == personal
    for key, item in listed.items():
        candidate: Candidate = {
            "a": scene.d.candidate_a,
            "b": scene.d.candidate_b,
            "spare_a": scene.spare_candidate,
        }[key]
        detail = send(user, "get", f"/api/candidates/{candidate.pk}").json()
        for body in (item, detail):
            assert body["email"] == (candidate.email if personal[key] else None)
            assert body["has_cv"] is (personal[key] and key == "a")
            assert body["research_interests"] == candidate.research_interests


def test_a_candidate_shows_names_and_the_partner(scene: Scene) -> None:
    body = send(scene.world.officer, "get", f"/api/candidates/{scene.d.candidate_b.pk}").json()
    assert (body["name"], body["citizenship"], body["citizenship_name"]) == (
        "Jan Nowak",
        "PL",
        "Poland",
    )
    assert (body["institution"], body["institution_name"]) == (
        scene.world.partner_b.pk,
        "Partner B University",
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("institution={partner_a}", {"a", "spare_a"}),
        ("citizenship=pl", {"b"}),
        ("q=nowak", {"b"}),
        ("q=kam aliy", {"spare_a"}),
        ("q=jan leyla", set()),
    ],
)
def test_candidate_filters(scene: Scene, query: str, expected: set[str]) -> None:
    url = "/api/candidates?" + query.format(partner_a=scene.world.partner_a.pk)
    assert set(keyed(scene, send(scene.world.officer, "get", url))) == expected


def test_a_partner_registers_a_candidate_for_its_own_institution(scene: Scene) -> None:
    body = new_candidate(scene)
    del body["institution"]
    response = send(scene.world.partner_a_coordinator, "post", "/api/candidates", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["institution"], created["citizenship"]) == (scene.world.partner_a.pk, "AZ")
    assert created["personal_data"] is True
    candidate = Candidate.objects.get(pk=created["id"])
    assert candidate.recommended_by == scene.world.partner_a_coordinator
    [entry] = entries_of(candidate)
    assert (entry.action, entry.actor) == ("create", scene.world.partner_a_coordinator)


def test_a_partner_cannot_register_a_candidate_for_another_institution(scene: Scene) -> None:
    body = new_candidate(scene) | {"institution": scene.world.partner_b.pk}
    response = send(scene.world.partner_a_coordinator, "post", "/api/candidates", body)
    assert response.status_code == 403
    assert not Candidate.objects.filter(last_name="Huseynova").exists()


def test_a_partner_cannot_move_its_candidate_to_another_institution(scene: Scene) -> None:
    url = f"/api/candidates/{scene.d.candidate_a.pk}"
    body = {"institution": scene.world.partner_b.pk}
    assert send(scene.world.partner_a_coordinator, "patch", url, body).status_code == 403
    assert Candidate.objects.get(pk=scene.d.candidate_a.pk).institution == scene.world.partner_a


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"citizenship": "xx"}, "citizenship"),
        ({"citizenship": "AZE"}, "citizenship"),
        ({"email": "not an address"}, "email"),
        ({"education": ""}, "education"),
        ({"research_interests": None}, "research_interests"),
        ({"institution": 1_000_000}, "institution"),
        ({"institution": "home"}, "institution"),
        ({"cv": "cv.pdf"}, "cv"),
        ({"nickname": "Leyla"}, "nickname"),
    ],
)
@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_bad_candidate_names_the_field_and_writes_nothing(
    scene: Scene, method: str, change: dict[str, Any], field: str
) -> None:
    if change.get("institution") == "home":
        change = {"institution": scene.world.home.pk}
    before = (AuditEntry.objects.count(), Candidate.objects.count())
    if method == "post":
        response = send(
            scene.world.officer, "post", "/api/candidates", new_candidate(scene) | change
        )
    else:
        url = f"/api/candidates/{scene.d.candidate_a.pk}"
        response = send(scene.world.officer, "patch", url, change)
    assert field in error_fields(response)
    assert (AuditEntry.objects.count(), Candidate.objects.count()) == before


def test_an_officer_names_the_recommending_partner(scene: Scene) -> None:
    body = new_candidate(scene)
    del body["institution"]
    assert "institution" in error_fields(send(scene.world.officer, "post", "/api/candidates", body))


def test_a_patch_changes_only_what_it_names_and_null_empties(scene: Scene) -> None:
    url = f"/api/candidates/{scene.d.candidate_a.pk}"
    body = {"email": None, "citizenship": "ua"}
    response = send(scene.world.partner_a_coordinator, "patch", url, body)
    assert response.status_code == 200, response.content
    assert (response.json()["email"], response.json()["citizenship"]) == ("", "UA")
    entry = entries_of(scene.d.candidate_a)[-1]
    assert {name for name, _old, _new in entry.changes} == {"email", "citizenship"}
    assert entry.actor == scene.world.partner_a_coordinator


def test_a_candidate_with_a_decision_stays_on_record(scene: Scene) -> None:
    actions.take_step(scene.world.adviser, scene.d.recommendation_a, "decline", note="No fit.")
    response = send(
        scene.world.partner_a_coordinator, "delete", f"/api/candidates/{scene.d.candidate_a.pk}"
    )
    assert response.status_code == 409
    assert "has a decision on record" in response.json()["detail"]
    assert Candidate.objects.filter(pk=scene.d.candidate_a.pk).exists()


def test_deleting_a_candidate_removes_the_recommendations_and_the_cv(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    upload_cv(scene)
    candidate = Candidate.objects.get(pk=scene.d.candidate_a.pk)
    storage, name = candidate.cv.storage, candidate.cv.name
    assert storage.exists(name)
    client = client_for(scene.world.partner_a_coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"/api/candidates/{candidate.pk}")
    assert response.status_code == 204
    assert not storage.exists(name)
    assert not Recommendation.objects.filter(candidate_id=candidate.pk).exists()
    actions_logged = {entry.action for entry in entries_of(scene.d.recommendation_a)}
    assert "delete" in actions_logged


# CVs


def test_the_cv_is_uploaded_audited_and_downloaded(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    url = f"/api/candidates/{scene.d.candidate_a.pk}/cv"
    partner = client_for(scene.world.partner_a_coordinator)
    assert partner.get(url).status_code == 404  # none yet
    response = partner.post(url, {"file": pdf("Leyla CV.pdf")})
    assert response.status_code == 200, response.content
    assert response.json()["has_cv"] is True
    entry = entries_of(scene.d.candidate_a)[-1]
    assert entry.actor == scene.world.partner_a_coordinator
    assert [name for name, _old, _new in entry.changes] == ["cv"]
    first = Candidate.objects.get(pk=scene.d.candidate_a.pk).cv.name
    assert first.startswith(f"candidates/{scene.world.partner_a.pk}/")
    download = client_for(scene.world.adviser).get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Cache-Control"] == "private, no-store"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    # A new CV replaces the old one, whose file goes once the change is committed.
    candidate = Candidate.objects.get(pk=scene.d.candidate_a.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert partner.post(url, {"file": pdf("new.pdf", PDF + b"%new")}).status_code == 200
    assert not candidate.cv.storage.exists(first)
    download = partner.get(url)
    assert b"".join(download.streaming_content).endswith(b"%new")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("cv.pdf", b"GIF89a not a pdf", "must be a PDF"),
        ("cv.pdf", b"", "must be a PDF"),
        ("cv.pdf", PDF + b"0" * (10 * 1024 * 1024), "larger than 10 MB"),
    ],
)
def test_a_bad_cv_is_refused_naming_the_file(
    scene: Scene, name: str, content: bytes, message: str
) -> None:
    url = f"/api/candidates/{scene.d.candidate_a.pk}/cv"
    before = AuditEntry.objects.count()
    response = client_for(scene.world.officer).post(url, {"file": pdf(name, content)})
    assert error_fields(response) == {"body", "file"}
    assert message in response.json()["detail"][0]["msg"]
    assert AuditEntry.objects.count() == before
    assert not Candidate.objects.get(pk=scene.d.candidate_a.pk).cv


def test_a_cv_upload_without_a_file_names_the_file(scene: Scene) -> None:
    url = f"/api/candidates/{scene.d.candidate_a.pk}/cv"
    assert "file" in error_fields(client_for(scene.world.officer).post(url, {}))


def test_an_adviser_reads_the_cv_of_a_candidate_recommended_to_them_only(scene: Scene) -> None:
    upload_cv(scene, scene.spare_candidate)
    url = f"/api/candidates/{scene.spare_candidate.pk}/cv"
    adviser = client_for(scene.world.adviser)
    assert adviser.get(url).status_code == 403
    actions.recommend(
        scene.world.partner_a_coordinator, scene.spare_candidate, topic=scene.spare_topic
    )
    assert adviser.get(url).status_code == 200
    # Recommended to another adviser: still not the adviser persona's to read.
    other = make_candidate(scene.world, "partner_a", first_name="Nigar", last_name="Karimova")
    actions.recommend(scene.world.partner_a_coordinator, other, topic=scene.d.partners_topic)
    upload_cv(scene, other)
    assert adviser.get(f"/api/candidates/{other.pk}/cv").status_code == 403


# History


@pytest.mark.parametrize(
    ("persona", "email"),
    [
        ("officer", "leyla@example.org"),
        ("partner_a_coordinator", "leyla@example.org"),
        ("adviser", "leyla@example.org"),
        ("leadership", None),
    ],
)
def test_history_masks_personal_data_like_the_record(
    scene: Scene, persona: str, email: str | None
) -> None:
    upload_cv(scene)
    response = send(
        user_of(scene.world, persona), "get", f"/api/candidates/{scene.d.candidate_a.pk}/history"
    )
    entries = items(response)
    kinds = {(entry["object_type"], entry["action"]) for entry in entries}
    # The recommendation made for the candidate is part of the candidate's history.
    assert ("doctoral.recommendation", "create") in kinds
    created = next(
        entry
        for entry in entries
        if entry["object_type"] == "doctoral.candidate" and entry["action"] == "create"
    )
    assert created["after"]["email"] == email
    assert created["after"]["last_name"] == "Mammadova"
    assert ("leyla@example.org" in str(entries)) is (email is not None)
    assert ("candidates/" in str(entries)) is (email is not None)


# Fits


def test_fits_rank_topics_and_advisers_with_their_evidence(scene: Scene) -> None:
    response = send(
        scene.world.partner_b_coordinator, "get", f"/api/candidates/{scene.d.candidate_b.pk}/fits"
    )
    assert response.status_code == 200, response.content
    fits = response.json()
    # Jan Nowak works on machine learning for software testing.
    best_topic = fits["topics"][0]
    assert best_topic["topic"] == scene.d.partners_topic.pk
    assert best_topic["adviser_name"] == "Olena Kovalenko"
    assert {"machine", "learning"} <= {term.lower() for term in best_topic["terms"]}
    best_adviser = fits["advisers"][0]
    assert (best_adviser["adviser"], best_adviser["name"]) == (
        scene.d.other_adviser.pk,
        "Olena Kovalenko",
    )
    # The evidence: the adviser's works (by title) and keywords that fit best.
    assert "Neural networks for code review" in best_adviser["evidence"]
    assert best_topic["evidence"]
    for fit in fits["advisers"]:
        adviser = Adviser.objects.get(pk=fit["adviser"])
        own_texts = {*adviser.publications.values_list("title", flat=True), adviser.keywords}
        assert set(fit["evidence"]) <= own_texts
    # Only topics partner B sees: never the one shared with partner A.
    assert scene.d.topic_for_a.pk not in {fit["topic"] for fit in fits["topics"]}


def test_fits_keep_to_the_topics_the_caller_sees(scene: Scene) -> None:
    url = f"/api/candidates/{scene.d.candidate_a.pk}/fits?limit=20"
    officer = {fit["topic"] for fit in send(scene.world.officer, "get", url).json()["topics"]}
    partner = {
        fit["topic"] for fit in send(scene.world.partner_a_coordinator, "get", url).json()["topics"]
    }
    assert scene.d.topic_for_a.pk in officer & partner
    url_b = f"/api/candidates/{scene.d.candidate_b.pk}/fits?limit=20"
    partner_b = {
        fit["topic"]
        for fit in send(scene.world.partner_b_coordinator, "get", url_b).json()["topics"]
    }
    assert scene.d.topic_for_a.pk not in partner_b
    assert len(send(scene.world.officer, "get", url.replace("20", "1")).json()["advisers"]) == 1


# Query counts


def _add_rows(scene: Scene, count: int) -> None:
    """``count`` more candidates of A and of B, each recommended for the public topic."""
    world = scene.world
    for number in range(count):
        for partner in ("partner_a", "partner_b"):
            candidate = make_candidate(world, partner, last_name=f"Candidate {number}")
            actions.recommend(
                getattr(world, f"{partner}_coordinator"), candidate, topic=scene.d.partners_topic
            )


@pytest.mark.parametrize("persona", ["officer", "leadership", "adviser", "partner_a_coordinator"])
@pytest.mark.parametrize("url", ["/api/candidates", "/api/recommendations"])
def test_list_query_counts_do_not_grow_with_rows(scene: Scene, persona: str, url: str) -> None:
    client = client_for(user_of(scene.world, persona))
    few_rows = client.get(url).json()["count"]
    few = count_queries(client, url)
    _add_rows(scene, 5)
    assert client.get(url).json()["count"] >= few_rows + 5
    assert count_queries(client, url) == few


def test_a_decided_recommendation_leaves_the_open_ones(scene: Scene) -> None:
    actions.take_step(scene.world.officer, scene.d.recommendation_b, "admit")
    assert Recommendation.objects.get(pk=scene.d.recommendation_b.pk).status == (
        RecommendationStatus.ADMITTED
    )
    url = f"/api/topics/{scene.d.public_topic.pk}/candidates"
    ranked = send(scene.world.officer, "get", url).json()
    assert scene.d.candidate_b.pk not in {fit["candidate"] for fit in ranked}
