"""Pages for proposal packages: drafting directions, sending them, the partners' answers, and
the protocols that follow."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.agreements import access, actions
from accord.agreements.direction_views import direction_from_form
from accord.agreements.forms import AnswerForm, DirectionForm, PackageForm, ProtocolForm
from accord.agreements.models import (
    AnswerKind,
    Direction,
    DirectionAnswer,
    PackageStatus,
    ProposalPackage,
)
from accord.agreements.suggestions import suggest_directions
from accord.core import audit
from accord.core.errors import Conflict
from accord.core.forms import add_errors, errors_text
from accord.core.refusals import refused
from accord.institutions.models import Field, Institution


@login_required
def package_list(request: HttpRequest) -> HttpResponse:
    packages = access.packages_for(request.user).order_by("-created", "-id")
    page = Paginator(packages, 50).get_page(request.GET.get("page"))
    context = {"page": page, "may_create": request.user.is_home_officer}  # type: ignore[union-attr]
    return render(request, "agreements/package_list.html", context)


@login_required
def package_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is None:
        access.require_officer(request.user)
        package = ProposalPackage()
    else:
        package = access.changeable_package(request.user, pk)
    form = PackageForm(request.POST if request.method == "POST" else None, instance=package)
    if form.is_valid():
        recipients = [institution.pk for institution in form.cleaned_data["recipients"]]
        try:
            if pk is None:
                actions.create_package(request.user, form.instance, recipients)
            else:
                changes = {name: form.cleaned_data[name] for name in ("title", "description")}
                actions.update_package(request.user, package, changes, recipients)
        except ValidationError as error:
            add_errors(form, error)
        except Conflict as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("package_detail", pk=form.instance.pk)
    return render(request, "agreements/package_form.html", {"form": form, "package": package})


def _answer_rows(
    directions: list[Direction],
    recipients: list[Institution],
    answers: dict[tuple[int, int], DirectionAnswer],
) -> list[tuple[Direction, list[DirectionAnswer | None]]]:
    """Per direction, each recipient's answer (or None) in the recipients' order."""
    return [
        (direction, [answers.get((direction.pk, partner.pk)) for partner in recipients])
        for direction in directions
    ]


@login_required
def package_detail(request: HttpRequest, pk: int) -> HttpResponse:
    package = get_object_or_404(access.packages_for(request.user), pk=pk)
    user = request.user
    may_change = access.packages_for(user, "change").filter(pk=pk).exists()
    directions = list(package.directions.prefetch_related("fields", "specialties"))
    answers = {
        (answer.direction_id, answer.institution_id): answer
        for answer in access.answers_for(user)
        .filter(direction__package=package)
        .select_related("institution")
    }
    recipients = list(package.recipients.order_by("name"))
    if not user.is_home:  # type: ignore[union-attr]
        # A partner sees its own part of the package only.
        recipients = [r for r in recipients if r.pk == user.partner_institution_id]  # type: ignore[union-attr]
    open_ = package.status != PackageStatus.CLOSED
    home = Institution.objects.home().first()
    context = {
        "package": package,
        "may_change": may_change,
        "recipients": recipients,
        "rows": _answer_rows(directions, recipients, answers),
        # Partners answer for themselves; officers record an answer received by other means.
        "may_answer": package.status == PackageStatus.SENT and (may_change or not user.is_home),  # type: ignore[union-attr]
        "answer_form": AnswerForm(),
        "direction_form": DirectionForm(prefix="direction") if may_change and open_ else None,
        "suggestions": [(partner, suggest_directions(home, partner)[:10]) for partner in recipients]
        if may_change and open_ and home is not None
        else [],
        "protocol_forms": [
            (partner, ProtocolForm(partner=partner, prefix=f"protocol-{partner.pk}"))
            for partner in recipients
            if any(
                getattr(answers.get((d.pk, partner.pk)), "answer", None) == AnswerKind.ACCEPT
                for d in directions
            )
        ]
        if may_change
        else [],
        # A field counts as proposed when a direction is tied to it or to the narrow field above.
        "proposed": {
            code
            for direction in directions
            for field in direction.fields.all()
            for code in (field.code, field.code[:3])
        },
        "history": access.visible_history(user, audit.history(package))[:50],
    }
    return render(request, "agreements/package_detail.html", context)


@login_required
@require_POST
def package_send(request: HttpRequest, pk: int) -> HttpResponse:
    package = access.changeable_package(request.user, pk)
    if not refused(request, lambda: actions.send_package(request.user, package)):
        messages.success(request, _("Sent to the partners."))
    return redirect("package_detail", pk=pk)


@login_required
@require_POST
def package_close(request: HttpRequest, pk: int) -> HttpResponse:
    package = access.changeable_package(request.user, pk)
    if not refused(request, lambda: actions.close_package(request.user, package)):
        messages.success(request, _("Closed."))
    return redirect("package_detail", pk=pk)


@login_required
@require_POST
def package_direction_add(request: HttpRequest, pk: int) -> HttpResponse:
    package = access.changeable_package(request.user, pk)
    form = DirectionForm(request.POST, prefix="direction")
    if direction_from_form(request, form, package=package):
        messages.success(request, _("Direction added."))
    return redirect("package_detail", pk=pk)


@login_required
@require_POST
def package_suggestion_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose, in one click, a direction for a field both sides teach."""
    package = access.changeable_package(request.user, pk)
    field = get_object_or_404(Field, pk=request.POST.get("field", ""))
    home = Institution.objects.home().first()
    specialties = (
        home.offerings.filter(field__code__startswith=field.code, specialty__isnull=False)
        .values_list("specialty", flat=True)
        .distinct()
        if home is not None
        else []
    )
    direction = Direction(package=package, name=field.name_en, names={"uk": field.name_uk})
    fields = [field] if len(field.code) == 4 else list(field.children.all())
    if not refused(
        request,
        lambda: actions.add_direction(request.user, direction, fields, list(specialties)),
    ):
        messages.success(request, _("Direction added: %(name)s.") % {"name": field.name})
    return redirect("package_detail", pk=pk)


@login_required
@require_POST
def direction_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    direction = get_object_or_404(access.directions_for(request.user), pk=pk)
    access.require_officer(request.user)
    if not refused(request, lambda: actions.remove_direction(request.user, direction)):
        messages.success(request, _("Direction withdrawn."))
    return (
        redirect("package_detail", pk=direction.package_id)
        if direction.package_id
        else redirect("agreement_list")
    )


@login_required
@require_POST
def direction_answer(request: HttpRequest, pk: int) -> HttpResponse:
    direction = get_object_or_404(
        access.directions_for(request.user).filter(package__isnull=False), pk=pk
    )
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
    else:
        if not refused(
            request,
            lambda: actions.answer_direction(
                request.user,
                direction,
                access.answering_institution(request.user, form.cleaned_data["institution"]),
                form.cleaned_data["answer"],
                form.cleaned_data["comment"],
            ),
        ):
            messages.success(request, _("Answer recorded."))
    return redirect("package_detail", pk=direction.package_id)


@login_required
@require_POST
def package_protocol(request: HttpRequest, pk: int, partner: int) -> HttpResponse:
    """A draft protocol with one partner carrying the directions it accepted."""
    package = access.changeable_package(request.user, pk)
    institution = get_object_or_404(package.recipients.all(), pk=partner)
    form = ProtocolForm(request.POST, partner=institution, prefix=f"protocol-{partner}")
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("package_detail", pk=pk)
    created: list[object] = []
    if refused(
        request,
        lambda: created.append(
            actions.protocol_from_package(
                request.user,
                package,
                institution.pk,
                form.cleaned_data["parent"],
                form.cleaned_data["title"],
            )
        ),
    ):
        return redirect("package_detail", pk=pk)
    return redirect("agreement_detail", pk=created[0].pk)  # type: ignore[attr-defined]
