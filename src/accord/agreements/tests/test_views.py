"""Agreement pages: access and denial per persona, and moving an agreement along."""

import pytest
from django.urls import reverse

from accord.agreements import actions
from accord.agreements.models import Agreement, AgreementKind, AgreementStatus
from conftest import World, client_for, memorandum


def test_list_shows_each_persona_what_it_may_see(world: World) -> None:
    memorandum(world, world.partner_a)
    memorandum(world, world.partner_b)
    for persona, expected in [
        (world.officer, {"Partner A University", "Partner B University"}),
        (world.leadership, {"Partner A University", "Partner B University"}),
        (world.partner_a_coordinator, {"Partner A University"}),
        (world.partner_b_coordinator, {"Partner B University"}),
    ]:
        page = client_for(persona).get(reverse("agreement_list")).content.decode()
        shown = {name for name in ("Partner A University", "Partner B University") if name in page}
        assert shown == expected, persona
    response = client_for(None).get(reverse("agreement_list"))
    assert response.status_code == 302


def test_detail_is_404_for_another_partner(world: World) -> None:
    agreement = memorandum(world, world.partner_a)
    url = reverse("agreement_detail", args=[agreement.pk])
    assert client_for(world.partner_a_coordinator).get(url).status_code == 200
    assert client_for(world.partner_b_coordinator).get(url).status_code == 404


def test_officer_moves_the_agreement_and_sees_the_buttons(world: World) -> None:
    agreement = memorandum(world, world.partner_a)
    client = client_for(world.officer)
    page = client.get(reverse("agreement_detail", args=[agreement.pk])).content.decode()
    assert reverse("agreement_transition", args=[agreement.pk, "propose"]) in page
    response = client.post(reverse("agreement_transition", args=[agreement.pk, "propose"]))
    assert response.status_code == 302
    assert Agreement.objects.get(pk=agreement.pk).status == AgreementStatus.NEGOTIATION
    refused = client.post(
        reverse("agreement_transition", args=[agreement.pk, "activate"]), follow=True
    )
    assert "cannot be changed" in refused.content.decode()
    assert Agreement.objects.get(pk=agreement.pk).status == AgreementStatus.NEGOTIATION


@pytest.mark.parametrize("persona", ["leadership", "partner_a_coordinator"])
def test_others_see_no_buttons_and_cannot_move_it(world: World, persona: str) -> None:
    agreement = memorandum(world, world.partner_a)
    client = client_for(getattr(world, persona))
    page = client.get(reverse("agreement_detail", args=[agreement.pk])).content.decode()
    assert reverse("agreement_transition", args=[agreement.pk, "propose"]) not in page
    response = client.post(reverse("agreement_transition", args=[agreement.pk, "propose"]))
    assert response.status_code == 403
    assert Agreement.objects.get(pk=agreement.pk).status == AgreementStatus.DRAFT


def test_title_follows_the_language(world: World) -> None:
    agreement = Agreement(
        kind=AgreementKind.MEMORANDUM,
        title="Memorandum of Understanding",
        titles={"uk": "Меморандум про взаєморозуміння"},
    )
    actions.create_agreement(world.officer, agreement, [world.home.pk, world.partner_a.pk])
    client = client_for(world.officer)
    client.cookies["django_language"] = "uk"
    page = client.get(reverse("agreement_list")).content.decode()
    assert "Меморандум про взаєморозуміння" in page
    client.cookies["django_language"] = "az"
    assert "Memorandum of Understanding" in client.get(reverse("agreement_list")).content.decode()
