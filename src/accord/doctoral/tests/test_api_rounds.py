"""The rounds API: drafting a round with pair rules, running it as a background job (run at once
here) and reading its placements, what partners never see, conflicts and validation."""

from __future__ import annotations

from typing import Any

import pytest

from accord.core.models import AuditEntry, Job, JobStatus
from accord.doctoral import actions, expertise
from accord.doctoral.models import Adviser, PairRule, Round, RoundPair, RoundStatus
from conftest import client_for, count_queries, entries_of, error_fields

from .conftest import make_candidate
from .test_api import Scene, ids, make_scene, send


@pytest.fixture
def scene(doctoral: Any) -> Scene:
    return make_scene(doctoral)


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings: Any) -> None:
    """The worker's own loop closes connections, which a test transaction cannot survive."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def run(scene: Scene, capture: Any, round_: Round | None = None) -> dict[str, Any]:
    """Run the round as the officer, the job executed once the request's work is committed;
    the round as the API then shows it."""
    url = f"/api/rounds/{(round_ or scene.round).pk}"
    with capture(execute=True):
        started = send(scene.world.officer, "post", f"{url}/run")
    assert started.status_code == 202, started.content
    assert started.json()["status"] == "running"
    job = Job.objects.get(pk=started.json()["job"])
    assert job.status in (JobStatus.DONE, JobStatus.FAILED)
    result: dict[str, Any] = send(scene.world.officer, "get", url).json()
    return result


def test_the_office_drafts_a_round(scene: Scene) -> None:
    body = {"name": "Autumn 2026", "partner_quota": 1, "recommended_only": True}
    response = send(scene.world.officer, "post", "/api/rounds", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["status"], created["level"], created["model"]) == ("draft", 8, "lexical")
    assert (created["placements"], created["unassigned"], created["total"]) == ([], [], None)
    round_ = Round.objects.get(pk=created["id"])
    assert round_.created_by == scene.world.officer
    [entry] = entries_of(round_)
    assert (entry.after or {})["partner_quota"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "R", "partner_quota": 0}, "partner_quota"),
        ({"name": "R", "level": 6}, "level"),
        ({"name": "R", "model": "magic"}, "model"),
        ({"name": "R", "status": "done"}, "status"),
    ],
)
def test_a_bad_round_names_the_field_and_writes_nothing(
    scene: Scene, body: dict[str, Any], field: str
) -> None:
    before = (AuditEntry.objects.count(), Round.objects.count())
    assert field in error_fields(send(scene.world.officer, "post", "/api/rounds", body))
    assert (AuditEntry.objects.count(), Round.objects.count()) == before


def test_partners_never_see_rounds(scene: Scene) -> None:
    for user in (scene.world.partner_a_coordinator, scene.world.partner_b_coordinator):
        assert ids(send(user, "get", "/api/rounds")) == set()
    assert ids(send(scene.world.adviser, "get", "/api/rounds")) == {scene.round.pk}


def test_a_run_assigns_each_candidate_to_the_adviser_fitting_best(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    d = scene.d
    RoundPair.objects.filter(pk=scene.rule.pk).delete()
    result = run(scene, django_capture_on_commit_callbacks)
    assert result["status"] == "done"
    pairs = {(p["candidate"], p["adviser"]) for p in result["placements"]}
    # Leyla works on oil recovery (Bondarenko's field), Jan on machine learning (Kovalenko's).
    assert pairs == {(d.candidate_a.pk, d.own_adviser.pk), (d.candidate_b.pk, d.other_adviser.pk)}
    assert result["total"] == pytest.approx(sum(p["score"] for p in result["placements"]))
    assert result["total"] == result["total_score"] > 0
    assert result["unassigned"] == []
    assert result["finished"] is not None
    placed_a = next(p for p in result["placements"] if p["candidate"] == d.candidate_a.pk)
    assert (placed_a["candidate_name"], placed_a["institution_name"], placed_a["adviser_name"]) == (
        "Leyla Mammadova",
        "Partner A University",
        "Mykola Bondarenko",
    )
    statuses = [(entry.after or {}).get("status") for entry in entries_of(scene.round)]
    assert statuses[-2:] == ["running", "done"]


def test_pair_rules_and_quotas_shape_the_assignment(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    """Jan is kept from Bondarenko (the scene's conflict rule) and Leyla forced to Kovalenko,
    whose second place goes unused: Jan fits no one else and stays unassigned."""
    d = scene.d
    url = f"/api/rounds/{scene.round.pk}/rules"
    body = {"candidate": d.candidate_a.pk, "adviser": d.other_adviser.pk, "rule": "forced"}
    added = send(scene.world.officer, "post", url, body)
    assert added.status_code == 201, added.content
    assert (added.json()["candidate_name"], added.json()["adviser_name"]) == (
        "Leyla Mammadova",
        "Olena Kovalenko",
    )
    Adviser.objects.filter(pk=d.other_adviser.pk).update(capacity=1)
    result = run(scene, django_capture_on_commit_callbacks)
    assert result["status"] == "done"
    assert [(p["candidate"], p["adviser"]) for p in result["placements"]] == [
        (d.candidate_a.pk, d.other_adviser.pk)
    ]
    assert [u["candidate"] for u in result["unassigned"]] == [d.candidate_b.pk]
    assert result["unassigned"][0]["institution_name"] == "Partner B University"
    assert {(r["candidate"], r["rule"]) for r in result["rules"]} == {
        (d.candidate_b.pk, "conflict"),
        (d.candidate_a.pk, "forced"),
    }


def test_a_partner_quota_holds_back_a_partners_second_candidate(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    second = make_candidate(scene.world, "partner_a", first_name="Kamal", last_name="Guliyev")
    actions.recommend(scene.world.partner_a_coordinator, second, topic=scene.d.public_topic)
    round_ = actions.create_round(scene.world.officer, Round(name="Quota", partner_quota=1))
    result = run(scene, django_capture_on_commit_callbacks, round_)
    by_partner = [p["institution"] for p in result["placements"]]
    assert by_partner.count(scene.world.partner_a.pk) == 1
    assert len(result["placements"]) + len(result["unassigned"]) == 3


def test_a_refused_assignment_fails_the_round_with_the_reason(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    """Two candidates forced on an adviser with one place cannot be assigned."""
    d = scene.d
    for candidate in (d.candidate_a, d.candidate_b):
        actions.add_rule(
            scene.world.officer,
            RoundPair(
                round=scene.round,
                candidate=candidate,
                adviser=scene.spare_adviser,
                rule=PairRule.FORCED,
            ),
        )
    result = run(scene, django_capture_on_commit_callbacks)
    assert result["status"] == "failed"
    # The solver's reason, not an unexpected error.
    assert result["error"]
    assert "unexpected" not in result["error"]
    assert result["placements"] == []


def test_a_running_round_is_neither_run_again_changed_nor_deleted(scene: Scene) -> None:
    """Without the worker the job stays queued and the round running."""
    url = f"/api/rounds/{scene.round.pk}"
    officer = scene.world.officer
    assert send(officer, "post", f"{url}/run").status_code == 202
    assert send(officer, "get", url).json()["status"] == "running"
    before = AuditEntry.objects.count()
    again = send(officer, "post", f"{url}/run")
    assert again.status_code == 409
    assert "being assigned" in again.json()["detail"]
    rule = {
        "candidate": scene.d.candidate_a.pk,
        "adviser": scene.d.own_adviser.pk,
        "rule": "forced",
    }
    assert send(officer, "post", f"{url}/rules", rule).status_code == 409
    assert send(officer, "delete", f"{url}/rules/{scene.rule.pk}").status_code == 409
    assert send(officer, "delete", url).status_code == 409
    assert AuditEntry.objects.count() == before
    assert Round.objects.get(pk=scene.round.pk).status == RoundStatus.RUNNING


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"candidate": 1_000_000}, "candidate"),
        ({"adviser": 1_000_000}, "adviser"),
        ({"adviser": "foreign"}, "adviser"),
        ({"rule": "maybe"}, "rule"),
        ({"candidate": "candidate_b", "adviser": "own_adviser"}, "__all__"),
    ],
)
def test_a_bad_rule_names_the_field_and_writes_nothing(
    scene: Scene, change: dict[str, Any], field: str
) -> None:
    d = scene.d
    foreign = Adviser.objects.create(
        first_name="Anar", last_name="Mammadov", institution=scene.world.partner_a
    )
    named = {
        "foreign": foreign.pk,
        "candidate_b": d.candidate_b.pk,
        "own_adviser": d.own_adviser.pk,
    }
    change = {
        name: named.get(value, value) if isinstance(value, str) else value
        for name, value in change.items()
    }
    body = {"candidate": d.candidate_a.pk, "adviser": d.own_adviser.pk, "rule": "forced"} | change
    before = (AuditEntry.objects.count(), RoundPair.objects.count())
    response = send(scene.world.officer, "post", f"/api/rounds/{scene.round.pk}/rules", body)
    assert field in error_fields(response)
    assert (AuditEntry.objects.count(), RoundPair.objects.count()) == before


def test_a_rule_of_another_round_is_not_found(scene: Scene) -> None:
    other = actions.create_round(scene.world.officer, Round(name="Other"))
    url = f"/api/rounds/{other.pk}/rules/{scene.rule.pk}"
    assert send(scene.world.officer, "delete", url).status_code == 404
    assert RoundPair.objects.filter(pk=scene.rule.pk).exists()


def test_deleting_a_round_is_audited(scene: Scene) -> None:
    assert send(scene.world.officer, "delete", f"/api/rounds/{scene.round.pk}").status_code == 204
    assert not Round.objects.filter(pk=scene.round.pk).exists()
    assert entries_of(scene.round)[-1].action == "delete"
    assert entries_of(scene.rule)[-1].action == "delete"


def test_round_history_shows_its_rules_and_runs(scene: Scene) -> None:
    send(scene.world.officer, "post", f"/api/rounds/{scene.round.pk}/run")
    history = send(scene.world.leadership, "get", f"/api/rounds/{scene.round.pk}/history").json()
    kinds = [(entry["object_type"], entry["action"]) for entry in history["items"]]
    assert ("doctoral.roundpair", "create") in kinds
    assert kinds.count(("doctoral.round", "update")) == 1


def test_round_list_query_counts_do_not_grow_with_rows(scene: Scene) -> None:
    client = client_for(scene.world.leadership)
    few = count_queries(client, "/api/rounds")
    for number in range(5):
        actions.create_round(scene.world.officer, Round(name=f"Round {number}"))
    assert client.get("/api/rounds").json()["count"] == 6
    assert count_queries(client, "/api/rounds") == few


def test_a_ranking_model_not_installed_is_refused(scene: Scene, monkeypatch: Any) -> None:
    monkeypatch.setattr(expertise, "semantic_available", lambda: False)
    body = {"name": "Meaning", "model": "hybrid"}
    assert "model" in error_fields(send(scene.world.officer, "post", "/api/rounds", body))
    assert not Round.objects.filter(name="Meaning").exists()
    url = f"/api/candidates/{scene.d.candidate_a.pk}/fits?model=semantic"
    assert "model" in error_fields(send(scene.world.officer, "get", url))
    assert send(scene.world.officer, "get", url.replace("semantic", "lexical")).status_code == 200
