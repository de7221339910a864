"""Round pages: creating a round, its pair rules, running the assignment in the background (run
at once here) with its progress page, the result and its export, a failed run, and the list's
query count."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse

from accord.core.models import AuditEntry, Job, JobStatus
from accord.doctoral import actions, tasks
from accord.doctoral.models import (
    Adviser,
    Level,
    PairRule,
    Placement,
    Round,
    RoundPair,
    RoundStatus,
)
from conftest import (
    PARTNERS,
    PERSONAS,
    assert_login_redirect,
    client_for,
    count_queries,
    entries_of,
    html,
    section,
    user_of,
)

from .conftest import Doctoral, make_candidate


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings: Any) -> None:
    """The worker's own loop closes connections, which a test transaction cannot survive."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def new_round(d: Doctoral, **fields: Any) -> Round:
    return actions.create_round(d.world.officer, Round(name="Autumn 2026", **fields))


def run(client: Any, round_: Round, capture: Any) -> Any:
    """Press "Run the assignment"; the job runs once the request's transaction commits."""
    with capture(execute=True):
        return client.post(reverse("round_run", args=[round_.pk]))


def test_the_officer_creates_a_round(doctoral: Doctoral) -> None:
    d = doctoral
    response = client_for(d.world.officer).post(
        reverse("round_create"),
        {
            "name": "Spring 2027",
            "level": Level.DOCTORATE,
            "model": "lexical",
            "partner_quota": 2,
            "recommended_only": "on",
        },
    )
    round_ = Round.objects.get(name="Spring 2027")
    assert response["Location"] == reverse("round_detail", args=[round_.pk])
    assert (round_.partner_quota, round_.recommended_only, round_.created_by) == (
        2,
        True,
        d.world.officer,
    )
    assert [entry.action for entry in entries_of(round_)] == ["create"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"partner_quota": -1}, "partner_quota", "greater than or equal to 0"),
        ({"model": "telepathic"}, "model", "Select a valid choice."),
    ],
)
def test_bad_round_settings_are_shown_on_their_field(
    doctoral: Doctoral, changes: dict[str, Any], field: str, message: str
) -> None:
    d = doctoral
    data = {"name": "Spring 2027", "level": Level.DOCTORATE, "model": "lexical"} | changes
    before = AuditEntry.objects.count()
    response = client_for(d.world.officer).post(reverse("round_create"), data)
    assert message in " ".join(response.context["form"].errors[field])
    assert not Round.objects.exists()
    assert AuditEntry.objects.count() == before


def test_pair_rules_are_added_refused_when_repeated_and_deleted(doctoral: Doctoral) -> None:
    d = doctoral
    round_ = new_round(d)
    client = client_for(d.world.officer)
    url = reverse("round_rule_add", args=[round_.pk])
    data = {
        "rule-candidate": d.candidate_a.pk,
        "rule-adviser": d.own_adviser.pk,
        "rule-rule": PairRule.CONFLICT,
    }
    assert client.post(url, data)["Location"].endswith("#rules")
    rule = RoundPair.objects.get(round=round_)
    assert [entry.action for entry in entries_of(rule)] == ["create"]
    before = AuditEntry.objects.count()
    repeated = client.post(url, data | {"rule-rule": PairRule.FORCED})
    assert "This pair already has a rule in this round." in html(repeated)
    assert AuditEntry.objects.count() == before
    # Only the round's candidates are offered: one without an open recommendation is not.
    stranger = make_candidate(d.world, "partner_b", last_name="Stranger")
    refused = client.post(url, data | {"rule-candidate": stranger.pk})
    assert "Select a valid choice." in " ".join(refused.context["rule_form"].errors["candidate"])
    client.post(reverse("round_rule_delete", args=[round_.pk, rule.pk]))
    assert not RoundPair.objects.exists()


def test_the_officer_runs_the_assignment_and_reads_the_result(
    doctoral: Doctoral, django_capture_on_commit_callbacks: Any
) -> None:
    """Partner A's oil recovery candidate goes to the oil recovery adviser, partner B's machine
    learning candidate to the machine learning adviser; a second candidate of partner A is left
    out by the one place per partner."""
    d = doctoral
    second = make_candidate(d.world, "partner_a", first_name="Aysel", last_name="Karimova")
    actions.recommend(d.world.partner_a_coordinator, second, topic=d.partners_topic)
    round_ = new_round(d, partner_quota=1)
    client = client_for(d.world.officer)
    response = run(client, round_, django_capture_on_commit_callbacks)
    job = Job.objects.get(kind=tasks.JOB_KIND)
    assert response["Location"] == reverse("round_job", args=[round_.pk, job.pk])
    assert job.status == JobStatus.DONE
    round_.refresh_from_db()
    assert round_.status == RoundStatus.DONE
    placed = dict(Placement.objects.filter(round=round_).values_list("candidate", "adviser"))
    assert placed[d.candidate_b.pk] == d.other_adviser.pk
    assert len(placed) == 2
    assert (d.candidate_a.pk in placed) != (second.pk in placed)
    # The progress page, as htmx polls it, ends on the result.
    polled = html(client.get(response["Location"], HTTP_HX_REQUEST="true"))
    assert "<html" not in polled
    assert "hx-trigger" not in polled
    assert "Total fit" in polled
    assert "Jan Nowak" in polled
    # The round's page shows the same result: placements, who is left, advisers, partners.
    page = html(client.get(reverse("round_detail", args=[round_.pk])))
    result = section(page, "Result")
    assert f"{round_.total_score:.3f}" in result
    unassigned = result[result.index("Unassigned candidates") : result.index("<h3>Advisers")]
    assert ("Aysel Karimova" in unassigned) == (second.pk not in placed)
    partners = result[result.index("<h3>Partners") :]
    assert "Partner A University</td><td>2</td><td>1</td>" in partners
    assert "Partner B University</td><td>1</td><td>1</td>" in partners
    assert "Olena Kovalenko</td><td>2</td><td>0</td><td>2</td><td>1</td>" in result


def test_the_placements_are_exported(
    doctoral: Doctoral, django_capture_on_commit_callbacks: Any
) -> None:
    d = doctoral
    round_ = new_round(d)
    client = client_for(d.world.officer)
    run(client, round_, django_capture_on_commit_callbacks)
    response = client_for(d.world.leadership).get(reverse("round_export", args=[round_.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["candidate", "partner", "citizenship", "adviser", "unit", "fit"]
    exported = {tuple(row[:4]) for row in rows[1:]}
    assert ("Jan Nowak", "Partner B University", "PL", "Olena Kovalenko") in exported
    assert len(rows) == 3
    workbook = client.get(reverse("round_export", args=[round_.pk]), {"format": "xlsx"})
    assert workbook["Content-Disposition"].endswith('.xlsx"')


def test_a_round_that_cannot_be_assigned_fails_with_the_reason(
    doctoral: Doctoral, django_capture_on_commit_callbacks: Any
) -> None:
    """A pair fixed with an adviser who has no free place cannot be kept."""
    d = doctoral
    Adviser.objects.filter(pk=d.other_adviser.pk).update(current_students=2)
    round_ = new_round(d)
    actions.add_rule(
        d.world.officer,
        RoundPair(
            round=round_, candidate=d.candidate_b, adviser=d.other_adviser, rule=PairRule.FORCED
        ),
    )
    client = client_for(d.world.officer)
    response = run(client, round_, django_capture_on_commit_callbacks)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.FAILED
    assert round_.error
    assert not Placement.objects.exists()
    assert Job.objects.get().status == JobStatus.FAILED
    assert round_.error in html(client.get(response["Location"]))
    assert "The assignment failed" in html(client.get(reverse("round_detail", args=[round_.pk])))


def test_a_running_round_polls_and_is_not_started_twice(doctoral: Doctoral) -> None:
    d = doctoral
    round_ = new_round(d)
    Round.objects.filter(pk=round_.pk).update(status=RoundStatus.RUNNING)
    client = client_for(d.world.officer)
    page = html(client.get(reverse("round_detail", args=[round_.pk])))
    assert 'hx-trigger="every 2s"' in page
    assert reverse("round_run", args=[round_.pk]) not in page
    response = client.post(reverse("round_run", args=[round_.pk]), follow=True)
    assert "The round is being assigned" in html(response)
    assert not Job.objects.exists()


def test_home_staff_read_a_round_without_changing_it(doctoral: Doctoral) -> None:
    d = doctoral
    round_ = new_round(d)
    page = html(
        client_for(d.world.faculty_coordinator).get(reverse("round_detail", args=[round_.pk]))
    )
    for url_name in ("round_run", "round_rule_add", "round_delete"):
        assert reverse(url_name, args=[round_.pk]) not in page
    listing = html(client_for(d.world.adviser).get(reverse("round_list")))
    assert reverse("round_create") not in listing
    assert "Autumn 2026" in listing


def test_the_round_list_makes_as_many_queries_for_ten_rounds_as_for_two(
    doctoral: Doctoral,
) -> None:
    d = doctoral
    client = client_for(d.world.leadership)
    for number in range(2):
        new_round(d).placements.create(
            candidate=d.candidate_a, adviser=d.own_adviser, score=0.5 + number
        )
    two = count_queries(client, reverse("round_list"))
    for number in range(8):
        round_ = new_round(d)
        round_.placements.create(candidate=d.candidate_b, adviser=d.other_adviser, score=number)
        round_.candidates.add(d.candidate_a, d.candidate_b)
    assert len(client.get(reverse("round_list")).context["page"]) == 10
    assert count_queries(client, reverse("round_list")) == two


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_follows_a_run(doctoral: Doctoral, persona: str) -> None:
    """Home staff follow the assignment's progress; partners find nothing; visitors log in."""
    d = doctoral
    round_ = new_round(d)
    job = actions.start_round(d.world.officer, round_)
    url = reverse("round_job", args=[round_.pk, job.pk])
    response = client_for(user_of(d.world, persona)).get(url)
    if persona == "anonymous":
        assert_login_redirect(response)
    elif persona in PARTNERS:
        assert response.status_code == 404
    else:
        assert "Waiting for the background worker" in html(response)
