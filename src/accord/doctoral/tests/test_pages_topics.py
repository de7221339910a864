"""Topic pages: the form with texts in other languages and sharing, its refusals, the list's
filters and query count, candidates ranked by fit, and recommending a candidate for a topic."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from accord.core.models import AuditEntry
from accord.doctoral.models import Level, Recommendation, Topic, Visibility
from accord.institutions.models import Field
from conftest import client_for, count_queries, entries_of, html, section

from .conftest import Doctoral, make_candidate, make_topic


class TopicForm:
    """Posts of the topic form, built from the doctoral fixture."""

    def __init__(self, d: Doctoral) -> None:
        self.d = d

    def data(self, **changes: Any) -> dict[str, Any]:
        return {
            "adviser": self.d.own_adviser.pk,
            "level": Level.DOCTORATE,
            "title": "Hydraulic fracturing of tight reservoirs",
            "title_uk": "Гідророзрив щільних колекторів",
            "title_az": "Sıx kollektorların hidravlik yarılması",
            "description": "Modelling fracture growth.",
            "description_uk": "Моделювання росту тріщин.",
            "field": "0724",
            "languages": ["en", "uk"],
            "funding": "grant",
            "places": 2,
            "deadline": "2099-06-30",
            "visibility": Visibility.CHOSEN,
            "shared_with": [self.d.world.partner_a.pk],
            "is_open": "on",
        } | changes


def test_the_officer_offers_a_topic_in_three_languages_shared_with_partner_a(
    doctoral: Doctoral,
) -> None:
    d = doctoral
    response = client_for(d.world.officer).post(reverse("topic_create"), TopicForm(d).data())
    topic = Topic.objects.get(title="Hydraulic fracturing of tight reservoirs")
    assert response["Location"] == reverse("topic_detail", args=[topic.pk])
    assert topic.titles == {
        "uk": "Гідророзрив щільних колекторів",
        "az": "Sıx kollektorların hidravlik yarılması",
    }
    assert topic.descriptions == {"uk": "Моделювання росту тріщин."}
    assert (topic.languages, topic.field_id, topic.places) == (["en", "uk"], "0724", 2)
    assert list(topic.shared_with.all()) == [d.world.partner_a]
    [entry] = entries_of(topic)
    assert (entry.action, entry.actor) == ("create", d.world.officer)
    assert (entry.after or {})["shared_with"] == [d.world.partner_a.pk]
    # Partner A reads it in Ukrainian, partner B does not find it.
    partner_a = client_for(d.world.partner_a_coordinator)
    partner_a.cookies["django_language"] = "uk"
    url = reverse("topic_detail", args=[topic.pk])
    assert "Гідророзрив щільних колекторів" in html(partner_a.get(url))
    assert client_for(d.world.partner_b_coordinator).get(url).status_code == 404


def test_editing_a_topic_changes_its_sharing_and_texts_with_one_audit_entry(
    doctoral: Doctoral,
) -> None:
    d = doctoral
    topic = d.topic_for_a
    data = TopicForm(d).data(
        title=topic.title,
        title_uk="",
        title_az="",
        description_uk="",
        visibility=Visibility.PARTNERS,
        shared_with=[],
    )
    before = len(entries_of(topic))
    response = client_for(d.world.adviser).post(reverse("topic_edit", args=[topic.pk]), data)
    assert response.status_code == 302
    topic.refresh_from_db()
    assert (topic.titles, topic.visibility) == ({}, Visibility.PARTNERS)
    assert not topic.shared_with.exists()
    entries = entries_of(topic)
    assert len(entries) == before + 1
    changed = {name for name, _old, _new in entries[-1].changes}
    assert {"titles", "visibility", "shared_with", "languages"} <= changed
    # Shared with all partners now: partner B finds it.
    page = client_for(d.world.partner_b_coordinator).get(reverse("topic_detail", args=[topic.pk]))
    assert page.status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"shared_with": []}, "shared_with", "Choose the partners who see the topic."),
        ({"title": ""}, "title", "This field is required."),
        ({"places": 0}, "places", "greater than or equal to 1"),
        ({"deadline": "someday"}, "deadline", "Enter a valid date."),
        ({"languages": ["xx"]}, "languages", "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_on_its_field_and_nothing_is_written(
    doctoral: Doctoral, changes: dict[str, Any], field: str, message: str
) -> None:
    d = doctoral
    topics, entries = Topic.objects.count(), AuditEntry.objects.count()
    response = client_for(d.world.officer).post(
        reverse("topic_create"), TopicForm(d).data(**changes)
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert (Topic.objects.count(), AuditEntry.objects.count()) == (topics, entries)


def test_an_adviser_offers_topics_of_their_own_only(doctoral: Doctoral) -> None:
    d = doctoral
    data = TopicForm(d).data(adviser=d.other_adviser.pk)
    client_for(d.world.adviser).post(reverse("topic_create"), data)
    assert Topic.objects.get(title=data["title"]).adviser == d.own_adviser


def test_a_topic_with_recommended_candidates_is_not_deleted(doctoral: Doctoral) -> None:
    d = doctoral
    client = client_for(d.world.officer)
    response = client.post(reverse("topic_delete", args=[d.topic_for_a.pk]), follow=True)
    assert "close it instead" in html(response)
    assert Topic.objects.filter(pk=d.topic_for_a.pk).exists()
    response = client.post(reverse("topic_delete", args=[d.master_place.pk]))
    assert response["Location"] == reverse("topic_list")
    assert not Topic.objects.filter(pk=d.master_place.pk).exists()
    assert [entry.action for entry in entries_of(d.master_place)][-1] == "delete"


# The list


def listed(client: Any, **params: Any) -> set[str]:
    response = client.get(reverse("topic_list"), params)
    return {topic.title for topic in response.context["page"]}


def test_the_list_filters(doctoral: Doctoral) -> None:
    d = doctoral
    make_topic(
        d.world,
        d.own_adviser,
        "Closed topic",
        is_open=False,
        field=Field.objects.get(code="0724"),
        languages=["az"],
    )
    make_topic(d.world, d.own_adviser, "Overdue topic", deadline=datetime.date(2020, 1, 1))
    client = client_for(d.world.officer)
    assert listed(client, level=Level.MASTER) == {"Master's in software engineering"}
    assert listed(client, field="0724") == {"Closed topic"}
    assert listed(client, adviser=d.other_adviser.pk) == {
        "Machine learning for software testing",
        "Master's in software engineering",
    }
    assert listed(client, language="uk") == {"Oil recovery in mature fields"}
    assert "Closed topic" not in listed(client, open_only="on")
    assert "Overdue topic" not in listed(client, open_only="on")
    assert "Overdue topic" in listed(client)
    # Words match any language's title or description, in any case.
    assert listed(client, q="БУРОВІ") == {"Drilling fluids for deep wells"}
    assert listed(client, q="enhanced oil") == {"Oil recovery in mature fields"}


def test_the_list_answers_htmx_with_its_rows_only(doctoral: Doctoral) -> None:
    page = client_for(None).get(reverse("topic_list"), {"q": "oil"}, HTTP_HX_REQUEST="true")
    text = html(page)
    assert "<html" not in text
    assert "Oil recovery in mature fields" in text


@pytest.mark.parametrize("persona", ["officer", "partner_a_coordinator", None])
def test_the_list_makes_as_many_queries_for_ten_topics_as_for_two(
    doctoral: Doctoral, persona: str | None
) -> None:
    d = doctoral
    Recommendation.objects.all().delete()
    Topic.objects.exclude(pk__in=[d.public_topic.pk, d.partners_topic.pk]).delete()
    Topic.objects.update(visibility=Visibility.PUBLIC)
    client = client_for(getattr(d.world, persona) if persona else None)
    two = count_queries(client, reverse("topic_list"))
    for number in range(8):
        make_topic(
            d.world,
            d.other_adviser if number % 2 else d.own_adviser,
            f"Topic {number}",
            visibility=Visibility.PUBLIC,
            field=Field.objects.get(code="0724"),
            languages=["en"],
        )
    assert len(client.get(reverse("topic_list")).context["page"]) == 10
    assert count_queries(client, reverse("topic_list")) == two


# The topic's page


def test_home_staff_see_the_candidates_ranked_by_fit(doctoral: Doctoral) -> None:
    d = doctoral
    url = reverse("topic_detail", args=[d.partners_topic.pk])
    ranked = html(client_for(d.world.leadership).get(url))
    fits = section(ranked, "Candidates ranked by fit")
    # The machine learning candidate comes first, with the words the topic shares.
    assert fits.index("Jan Nowak") < fits.index("Leyla Mammadova")
    assert "learning" in fits
    partner_page = html(client_for(d.world.partner_b_coordinator).get(url))
    assert "Candidates ranked by fit" not in partner_page
    assert "Leyla Mammadova" not in partner_page


def test_a_partner_recommends_its_candidate_for_a_topic(doctoral: Doctoral) -> None:
    d = doctoral
    candidate = make_candidate(d.world, "partner_a", first_name="Aysel", last_name="Karimova")
    client = client_for(d.world.partner_a_coordinator)
    topic_url = reverse("topic_detail", args=[d.topic_for_a.pk])
    assert reverse("topic_recommend", args=[d.topic_for_a.pk]) in html(client.get(topic_url))
    form_page = client.get(reverse("topic_recommend", args=[d.topic_for_a.pk]))
    offered = {c.pk for c in form_page.context["form"].fields["candidate"].queryset}
    assert offered == {d.candidate_a.pk, candidate.pk}
    response = client.post(
        reverse("topic_recommend", args=[d.topic_for_a.pk]),
        {"candidate": candidate.pk, "motivation": "Best in her year."},
    )
    recommendation = Recommendation.objects.get(candidate=candidate)
    assert response["Location"] == reverse("recommendation_detail", args=[recommendation.pk])
    assert (recommendation.topic, recommendation.adviser, recommendation.motivation) == (
        d.topic_for_a,
        d.own_adviser,
        "Best in her year.",
    )
    assert [entry.action for entry in entries_of(recommendation)] == ["create"]


@pytest.mark.parametrize(
    ("candidate", "message"),
    [
        ("candidate_b", "Select a valid choice."),  # partner B's
        ("candidate_a", "already recommended for this topic"),
    ],
)
def test_a_recommendation_for_a_topic_is_refused_on_the_form(
    doctoral: Doctoral, candidate: str, message: str
) -> None:
    d = doctoral
    count = Recommendation.objects.count()
    response = client_for(d.world.partner_a_coordinator).post(
        reverse("topic_recommend", args=[d.topic_for_a.pk]),
        {"candidate": getattr(d, candidate).pk},
    )
    assert response.status_code == 200
    assert message in html(response)
    assert Recommendation.objects.count() == count


def test_a_closed_topic_offers_no_recommendation(doctoral: Doctoral) -> None:
    d = doctoral
    Topic.objects.filter(pk=d.partners_topic.pk).update(is_open=False)
    client = client_for(d.world.partner_a_coordinator)
    url = reverse("topic_detail", args=[d.partners_topic.pk])
    page = html(client.get(url))
    assert "Closed for candidates" in page
    assert reverse("topic_recommend", args=[d.partners_topic.pk]) not in page
    response = client.post(
        reverse("topic_recommend", args=[d.partners_topic.pk]), {"candidate": d.candidate_a.pk}
    )
    assert "This topic takes no more candidates." in html(response)
    assert not Recommendation.objects.filter(topic=d.partners_topic).exists()
