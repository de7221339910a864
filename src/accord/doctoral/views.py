"""Pages for doctoral cooperation: PhD topics and master's places (public ones for everyone),
advisers and their publications, candidates with their CVs and best fits, recommendations with
the adviser's review and messages, and recommendation rounds assigned in the background."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Greatest
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from accord.core import actions as core_actions
from accord.core import audit, jobs
from accord.core.downloads import private_download
from accord.core.forms import errors_text
from accord.core.languages import language_name
from accord.core.models import Job
from accord.core.pages import deleted, edit_page, history_shown, saved
from accord.core.refusals import refused
from accord.doctoral import access, actions, matching, publications, tasks
from accord.doctoral.forms import (
    AdviserFilterForm,
    AdviserForm,
    CandidateFilterForm,
    CandidateForm,
    MessageForm,
    PairRuleForm,
    PublicationForm,
    PublicationUploadForm,
    RecommendationFilterForm,
    RecommendForm,
    RoundForm,
    StepForm,
    TopicFilterForm,
    TopicForm,
    home_advisers,
)
from accord.doctoral.models import (
    Adviser,
    Candidate,
    Publication,
    Recommendation,
    RecommendationStatus,
    Round,
    RoundStatus,
    Topic,
)
from accord.exchanges import tabular

# Columns of the placements export.
PLACEMENT_COLUMNS = ("candidate", "partner", "citizenship", "adviser", "unit", "fit")


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


def _is_home(user: Any) -> bool:
    """Staff of the home university: they see how topics are shared and rank candidates."""
    return bool(user.is_authenticated and (user.is_home or user.is_home_officer))


def _list_page(
    request: HtmxRequest, name: str, rows: QuerySet[Any], context: dict[str, Any]
) -> HttpResponse:
    """One page of a filtered list; only the rows when htmx asks for them."""
    context["page"] = Paginator(rows, settings.ACCORD_PAGE_SIZE).get_page(request.GET.get("page"))
    template = f"doctoral/_{name}_rows.html" if request.htmx else f"doctoral/{name}_list.html"
    return render(request, template, context)


def _takes_candidates(topic: Topic) -> bool:
    return topic.is_open and (topic.deadline is None or topic.deadline >= timezone.localdate())


def with_load(advisers: QuerySet[Adviser]) -> QuerySet[Adviser]:
    """``advisers`` with their ``load`` (current students and those admitted here) and their
    ``free`` places."""
    admitted = Count(
        "recommendations", filter=Q(recommendations__status=RecommendationStatus.ADMITTED)
    )
    return advisers.annotate(admitted=admitted).annotate(
        load=F("current_students") + F("admitted"),
        free=Greatest(F("capacity") - F("current_students") - F("admitted"), Value(0)),
    )


# Topics -----------------------------------------------------------------------------------------


def topic_list(request: HtmxRequest) -> HttpResponse:
    """PhD topics and master's places: the public ones for visitors, those shared with their
    institution for partners, every one for home staff."""
    user: Any = request.user
    visible = access.topics_for(user)
    form = TopicFilterForm(request.GET or None, topics=visible)
    rows = form.filter(visible).select_related("adviser", "field").order_by("title", "id")
    context = {"form": form, "may_create": access.may_create_topic(user)}
    return _list_page(request, "topic", rows, context)


def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    topic = access.topics_for(user).select_related("adviser__unit", "field").filter(pk=pk).first()
    if topic is None:
        # A visitor may be a partner not yet logged in: whether or not the topic exists.
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404(_("No such topic."))
    home = _is_home(user)
    open_now = _takes_candidates(topic)
    context = {
        "topic": topic,
        "home": home,
        "open_now": open_now,
        "languages": [language_name(code) for code in topic.languages],
        "shared_with": topic.shared_with.order_by("name") if home else [],
        "sees_advisers": access.may_see_advisers(user),
        "may_change": access.topics_for(user, "change").filter(pk=pk).exists(),
        "may_recommend": open_now
        and user.is_authenticated
        and user.partner_institution_id is not None,
        "fits": matching.rank_candidates(user, topic) if home else [],
        "recommendations": access.recommendations_for(user)
        .filter(topic=topic)
        .select_related("candidate__institution"),
        "history": audit.history(topic)[:50] if home else [],
    }
    return render(request, "doctoral/topic_detail.html", context)


@login_required
def topic_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Offer a topic (a home officer, for any adviser; an adviser, their own) or change one."""
    user: Any = request.user
    if pk is None:
        if not access.may_create_topic(user):
            raise PermissionDenied(_("Advisers and the office offer topics."))
        topic = Topic()
    else:
        topic = access.changeable_topic(user, pk)
    original = core_actions.snapshot_for_edit(topic) if pk else {}
    form = TopicForm(request.POST or None, instance=topic, user=user)
    if request.method == "POST" and form.is_valid():
        partners = form.cleaned_data["shared_with"]
        if pk is None:
            done = saved(request, form, lambda: actions.save_topic(user, form.instance, partners))
        else:
            changes = core_actions.edits(original, form.instance)
            done = saved(
                request,
                form,
                lambda: actions.save_topic(user, form.instance, partners, changes),
            )
        if done:
            return redirect("topic_detail", pk=form.instance.pk)
    return render(request, "doctoral/topic_form.html", {"form": form, "topic": topic})


@login_required
@require_POST
def topic_delete(request: HttpRequest, pk: int) -> HttpResponse:
    topic = access.changeable_topic(request.user, pk)
    return deleted(request, lambda: actions.delete_topic(request.user, topic), "topic", pk)


@login_required
def topic_recommend(request: HttpRequest, pk: int) -> HttpResponse:
    """Recommend one of the partner's candidates for a topic."""
    user: Any = request.user
    topic = get_object_or_404(access.topics_for(user).select_related("adviser"), pk=pk)
    if not access.may_recommend(user):
        raise PermissionDenied(_("Partners and the office recommend candidates."))
    form = RecommendForm(request.POST or None, user=user, topic=topic)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created: list[Recommendation] = []
        if saved(
            request,
            form,
            lambda: created.append(
                actions.recommend(
                    user, data["candidate"], topic=topic, motivation=data["motivation"]
                )
            ),
        ):
            return redirect("recommendation_detail", pk=created[0].pk)
    context = {"form": form, "topic": topic, "candidate": None}
    return render(request, "doctoral/recommend_form.html", context)


# Advisers and publications ---------------------------------------------------------------------


def _require_adviser_base(user: Any) -> None:
    if not access.may_see_advisers(user):
        raise PermissionDenied(_("The adviser base is for home staff and partners."))


@login_required
def adviser_list(request: HtmxRequest) -> HttpResponse:
    user: Any = request.user
    _require_adviser_base(user)
    visible = with_load(access.advisers_for(user))
    form = AdviserFilterForm(request.GET or None, advisers=visible)
    rows = form.filter(visible).select_related("unit").order_by("last_name", "first_name", "id")
    context = {"form": form, "may_create": user.is_home_officer}
    return _list_page(request, "adviser", rows, context)


def _adviser_page(
    request: HttpRequest,
    adviser: Adviser,
    publication_form: PublicationForm | None = None,
    upload_form: PublicationUploadForm | None = None,
    import_errors: list[str] | None = None,
) -> HttpResponse:
    user: Any = request.user
    may_change = access.advisers_for(user, "change").filter(pk=adviser.pk).exists()
    context = {
        "adviser": adviser,
        "publications": adviser.publications.all(),
        "topics": access.topics_for(user).filter(adviser=adviser).select_related("field"),
        "may_change": may_change,
        "may_delete": user.is_home_officer,
        "publication_form": publication_form or PublicationForm(adviser=adviser),
        "upload_form": upload_form or PublicationUploadForm(),
        "import_errors": import_errors or [],
        "history": audit.history(adviser)[:50] if _is_home(user) else [],
    }
    return render(request, "doctoral/adviser_detail.html", context)


def _visible_adviser(user: Any, pk: int) -> Adviser:
    return get_object_or_404(
        with_load(access.advisers_for(user)).select_related("unit", "institution", "user"), pk=pk
    )


@login_required
def adviser_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _adviser_page(request, _visible_adviser(request.user, pk))


@login_required
def adviser_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Register an adviser (home officers) or change a profile (also the adviser themself)."""
    user: Any = request.user
    if pk is None:
        if not user.is_home_officer:
            raise PermissionDenied(_("The office registers advisers."))
        adviser = Adviser()
    else:
        adviser = access.changeable_adviser(user, pk)
    form = AdviserForm(request.POST or None, instance=adviser, user=user)
    return edit_page(
        request,
        form,
        actions.create_adviser,
        actions.update_adviser,
        "adviser_detail",
        "doctoral/adviser_form.html",
        {"adviser": adviser},
    )


@login_required
@require_POST
def adviser_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    adviser = get_object_or_404(access.advisers_for(user), pk=pk)
    if not user.is_home_officer:
        raise PermissionDenied(_("The office removes advisers."))
    return deleted(request, lambda: actions.delete_adviser(user, adviser), "adviser", pk)


def _to_publications(pk: int) -> HttpResponse:
    return redirect(reverse("adviser_detail", args=[pk]) + "#publications")


@login_required
@require_POST
def publication_add(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    access.changeable_adviser(user, pk)
    adviser = _visible_adviser(user, pk)
    form = PublicationForm(request.POST, adviser=adviser)
    if form.is_valid() and saved(request, form, lambda: core_actions.create(user, form.instance)):
        return _to_publications(pk)
    return _adviser_page(request, adviser, publication_form=form)


@login_required
@require_POST
def publication_delete(request: HttpRequest, pk: int, publication_pk: int) -> HttpResponse:
    user: Any = request.user
    adviser = access.changeable_adviser(user, pk)
    publication = get_object_or_404(adviser.publications.all(), pk=publication_pk)
    core_actions.delete(user, publication)
    messages.success(request, _("Deleted."))
    return _to_publications(pk)


@login_required
@require_POST
def publication_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Add the publications a CSV, XLSX or JSON file lists; a file with any problem adds
    nothing, and every problem is listed with its line and column."""
    user: Any = request.user
    access.changeable_adviser(user, pk)
    adviser = _visible_adviser(user, pk)
    form = PublicationUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            added = publications.import_publications(
                user, form.cleaned_data["upload"], adviser=adviser
            )
        except publications.PublicationsRefused as refusal:
            form.add_error("upload", refusal.listing(0))
            return _adviser_page(request, adviser, upload_form=form, import_errors=refusal.errors)
        messages.success(
            request,
            ngettext("%(count)s publication added.", "%(count)s publications added.", added)
            % {"count": added},
        )
        return _to_publications(pk)
    return _adviser_page(request, adviser, upload_form=form)


# Candidates -------------------------------------------------------------------------------------


@login_required
def candidate_list(request: HtmxRequest) -> HttpResponse:
    """Candidates: a partner's own, every one for home staff."""
    user: Any = request.user
    visible = access.candidates_for(user)
    form = CandidateFilterForm(request.GET or None, candidates=visible, user=user)
    rows = (
        form.filter(visible)
        .select_related("institution")
        .prefetch_related("recommendations")
        .order_by("last_name", "first_name", "id")
    )
    context = {"form": form, "may_create": access.may_recommend(user)}
    return _list_page(request, "candidate", rows, context)


def publications_behind(fits: list[matching.Fit]) -> list[matching.Fit]:
    """Advisers' fits explained by their publications only: the other texts of a profile (its
    topics, some perhaps not shared with the user) are not quoted."""
    titles: dict[int, set[str]] = {}
    rows = Publication.objects.filter(adviser__in=[fit.obj.pk for fit in fits])
    for adviser_id, title in rows.values_list("adviser_id", "title"):
        # The evidence quotes a text up to its first sentence's end, as the ranking does.
        titles.setdefault(adviser_id, set()).add(title.split(". ", 1)[0])
    return [
        replace(fit, evidence=tuple(e for e in fit.evidence if e in titles.get(fit.obj.pk, ())))
        for fit in fits
    ]


@login_required
def candidate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    candidate = get_object_or_404(
        access.candidates_for(user).select_related("institution", "recommended_by"), pk=pk
    )
    may_change = access.candidates_for(user, "change").filter(pk=pk).exists()
    personal = access.may_see_personal_data(user, candidate)
    context = {
        "candidate": candidate,
        "personal": personal,
        "recommendations": candidate.recommendations.select_related("topic", "adviser"),
        "topic_fits": matching.rank_topics(user, candidate),
        "adviser_fits": publications_behind(matching.rank_advisers(user, candidate)),
        "sees_advisers": access.may_see_advisers(user),
        "may_change": may_change,
        "may_recommend": may_change and access.may_recommend(user),
        "history": history_shown(candidate, access.PERSONAL_FIELDS, personal),
    }
    return render(request, "doctoral/candidate_detail.html", context)


@login_required
def candidate_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Register a candidate (a partner, of its own; the office, of a partner it chooses) or
    change one."""
    user: Any = request.user
    if pk is None:
        if not access.may_recommend(user):
            raise PermissionDenied(_("Partners and the office register candidates."))
        candidate = Candidate()
    else:
        candidate = access.changeable_candidate(user, pk)
    form = CandidateForm(request.POST or None, request.FILES or None, instance=candidate, user=user)
    return edit_page(
        request,
        form,
        actions.create_candidate,
        actions.update_candidate,
        "candidate_detail",
        "doctoral/candidate_form.html",
        {"candidate": candidate},
    )


@login_required
@require_POST
def candidate_delete(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = access.changeable_candidate(request.user, pk)
    return deleted(
        request, lambda: actions.delete_candidate(request.user, candidate), "candidate", pk
    )


@login_required
@require_GET
def candidate_cv(request: HttpRequest, pk: int) -> FileResponse:
    """The candidate's CV, for those who may see their personal data; it has no public
    address."""
    candidate = get_object_or_404(access.candidates_for(request.user), pk=pk)
    if not access.may_see_personal_data(request.user, candidate):
        raise PermissionDenied(
            _("The CV is for the recommending partner, the office and the adviser reviewing.")
        )
    if not candidate.cv:
        raise Http404(_("No CV was uploaded for this candidate."))
    return private_download(candidate.cv, "application/pdf", _("The CV's file is missing."))


@login_required
def candidate_recommend(request: HttpRequest, pk: int) -> HttpResponse:
    """Recommend a candidate for a topic (``?topic=`` preselects one) or to an adviser."""
    user: Any = request.user
    candidate = access.changeable_candidate(user, pk)
    if not access.may_recommend(user):
        raise PermissionDenied(_("Partners and the office recommend candidates."))
    initial = {"topic": request.GET["topic"]} if request.GET.get("topic") else {}
    form = RecommendForm(request.POST or None, user=user, candidate=candidate, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created: list[Recommendation] = []
        if saved(
            request,
            form,
            lambda: created.append(
                actions.recommend(
                    user,
                    candidate,
                    topic=data["topic"],
                    adviser=data["adviser"],
                    level=data["level"],
                    motivation=data["motivation"],
                )
            ),
        ):
            return redirect("recommendation_detail", pk=created[0].pk)
    context = {"form": form, "topic": None, "candidate": candidate}
    return render(request, "doctoral/recommend_form.html", context)


# Recommendations --------------------------------------------------------------------------------


@login_required
def recommendation_list(request: HtmxRequest) -> HttpResponse:
    """Recommendations; an adviser sees those to them unless they ask for all."""
    user: Any = request.user
    visible = access.recommendations_for(user)
    form = RecommendationFilterForm(request.GET or None, adviser_id=access.own_adviser_id(user))
    rows = form.filter(visible).select_related("candidate__institution", "topic", "adviser")
    return _list_page(request, "recommendation", rows, {"form": form})


def _may_write(user: Any, recommendation: Recommendation) -> bool:
    """The reviewing adviser, the recommending partner and the office write to each other."""
    return access.may_review(user, recommendation) or access.may_withdraw(user, recommendation)


@login_required
def recommendation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    recommendation = get_object_or_404(
        access.recommendations_for(user).select_related(
            "candidate__institution", "topic", "adviser"
        ),
        pk=pk,
    )
    may_write = _may_write(user, recommendation)
    context = {
        "recommendation": recommendation,
        "steps": [
            (step, StepForm(step=step)) for step in actions.allowed_steps(user, recommendation)
        ],
        "thread": recommendation.messages.select_related("author"),
        "message_form": MessageForm() if may_write else None,
        "history": audit.history(recommendation)[:50],
    }
    return render(request, "doctoral/recommendation_detail.html", context)


@login_required
@require_POST
def recommendation_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Schedule or record the interview, admit or decline (the adviser), withdraw (the
    partner); another adviser is refused (403)."""
    recommendation = get_object_or_404(access.recommendations_for(request.user), pk=pk)
    form = StepForm(request.POST, step=step)
    if not form.is_valid():
        messages.error(request, errors_text(form))
    elif not refused(
        request,
        lambda: actions.take_step(
            request.user,
            recommendation,
            step,
            interview_at=form.cleaned_data.get("interview_at"),
            interview_place=form.cleaned_data.get("interview_place", ""),
            note=form.cleaned_data.get("note", ""),
        ),
    ):
        messages.success(request, actions.Step(step).label)
    return redirect("recommendation_detail", pk=pk)


@login_required
@require_POST
def recommendation_message(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    recommendation = get_object_or_404(
        access.recommendations_for(user).select_related("candidate"), pk=pk
    )
    if not _may_write(user, recommendation):
        raise PermissionDenied(_("The adviser and the recommending partner write here."))
    form = MessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
    elif not refused(
        request, lambda: actions.post_message(user, recommendation, form.cleaned_data["text"])
    ):
        messages.success(request, _("Message sent."))
    return redirect(reverse("recommendation_detail", args=[pk]) + "#messages")


# Rounds -----------------------------------------------------------------------------------------


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not _is_home(user):
        raise PermissionDenied(_("Recommendation rounds are the home university's."))
    rounds = (
        access.rounds_for(user)
        .select_related("created_by")
        .annotate(
            placed=Count("placements", distinct=True),
            considered=Count("candidates", distinct=True),
        )
        .order_by("-created", "-id")
    )
    page = Paginator(rounds, settings.ACCORD_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "may_create": access.may_run_rounds(user)}
    return render(request, "doctoral/round_list.html", context)


@login_required
def round_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not access.may_run_rounds(user):
        raise PermissionDenied(_("Only the office runs recommendation rounds."))
    form = RoundForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(request, form, lambda: actions.create_round(user, form.instance))
    ):
        return redirect("round_detail", pk=form.instance.pk)
    return render(request, "doctoral/round_form.html", {"form": form})


@dataclass(frozen=True)
class PartnerCount:
    name: str
    candidates: int
    placed: int


def round_result(round_: Round) -> dict[str, Any]:
    """A round's assignment: the placements, the candidates left out, each adviser's places
    and each partner's count."""
    placements = list(
        round_.placements.select_related("candidate__institution", "adviser__unit").order_by(
            "-score", "candidate__last_name", "id"
        )
    )
    placed_ids = {placement.candidate_id for placement in placements}
    considered = list(round_.candidates.select_related("institution"))
    per_adviser = Counter(placement.adviser_id for placement in placements)
    advisers = list(
        with_load(home_advisers())
        .filter(Q(pk__in=list(per_adviser)) | Q(free__gt=0))
        .select_related("unit")
        .order_by("last_name", "first_name", "id")
    )
    partners: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for candidate in considered:
        counts = partners.setdefault(candidate.institution_id, [0, 0])
        names[candidate.institution_id] = candidate.institution.name
        counts[0] += 1
        counts[1] += candidate.pk in placed_ids
    return {
        "placements": placements,
        "unassigned": [c for c in considered if c.pk not in placed_ids],
        "adviser_loads": [(adviser, per_adviser.get(adviser.pk, 0)) for adviser in advisers],
        "partner_counts": sorted(
            (PartnerCount(names[pk], total, placed) for pk, (total, placed) in partners.items()),
            key=lambda row: row.name,
        ),
    }


def _round_page(
    request: HttpRequest, round_: Round, rule_form: PairRuleForm | None = None
) -> HttpResponse:
    user: Any = request.user
    officer = access.may_run_rounds(user)
    candidates = matching.round_candidates(round_)
    context: dict[str, Any] = {
        "round": round_,
        "may_run": officer,
        "candidate_count": candidates.count(),
        "rules": round_.rules.select_related("candidate__institution", "adviser"),
        "rule_form": (rule_form or PairRuleForm(round_=round_, candidates=candidates))
        if officer
        else None,
        "history": audit.history(round_)[:50],
    }
    if round_.status == RoundStatus.DONE:
        context |= round_result(round_)
    return render(request, "doctoral/round_detail.html", context)


def _visible_round(user: Any, pk: int) -> Round:
    return get_object_or_404(access.rounds_for(user).select_related("created_by"), pk=pk)


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _round_page(request, _visible_round(request.user, pk))


@login_required
@require_POST
def round_delete(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = access.changeable_round(request.user, pk)
    return deleted(request, lambda: actions.delete_round(request.user, round_), "round", pk)


@login_required
@require_POST
def round_rule_add(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    round_ = access.changeable_round(user, pk)
    form = PairRuleForm(request.POST, round_=round_, candidates=matching.round_candidates(round_))
    if form.is_valid() and saved(request, form, lambda: actions.add_rule(user, form.instance)):
        return redirect(reverse("round_detail", args=[pk]) + "#rules")
    return _round_page(request, _visible_round(user, pk), rule_form=form)


@login_required
@require_POST
def round_rule_delete(request: HttpRequest, pk: int, rule_pk: int) -> HttpResponse:
    round_ = access.changeable_round(request.user, pk)
    rule = get_object_or_404(round_.rules.select_related("round"), pk=rule_pk)
    if not refused(request, lambda: actions.delete_rule(request.user, rule)):
        messages.success(request, _("Deleted."))
    return redirect(reverse("round_detail", args=[pk]) + "#rules")


@login_required
@require_POST
def round_run(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the assignment in the background and follow it."""
    round_ = access.changeable_round(request.user, pk)
    started: list[Job] = []
    if refused(request, lambda: started.append(actions.start_round(request.user, round_))):
        return redirect("round_detail", pk=pk)
    return redirect("round_job", pk=pk, job=started[0].pk)


@login_required
def round_job(request: HttpRequest, pk: int, job: uuid.UUID) -> HttpResponse:
    """The assignment's progress, polled while it runs, then the round's result."""
    round_ = _visible_round(request.user, pk)
    found = get_object_or_404(Job.objects.filter(kind=tasks.JOB_KIND), pk=job)
    context: dict[str, Any] = {
        "round": round_,
        "job": found,
        "progress": jobs.progress(str(found.pk)),
        "status_url": reverse("round_job", args=[pk, found.pk]),
        "done_template": "doctoral/_round_result.html",
        "failed_text": _("The round was not assigned; its previous placements stay."),
    }
    if found.is_finished and round_.status == RoundStatus.DONE:
        context |= round_result(round_)
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    template = "core/_job.html" if htmx else "doctoral/round_job.html"
    return render(request, template, context)


@login_required
@require_GET
def round_export(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The round's placements as CSV (``?format=xlsx``: as a workbook)."""
    round_ = _visible_round(request.user, pk)
    fmt = request.GET.get("format", "csv")
    if fmt not in tabular.FORMATS:
        raise Http404(_("Export as csv or xlsx."))
    placements = round_.placements.select_related("candidate__institution", "adviser__unit")
    rows = (
        [
            tabular.safe(value)
            for value in (
                str(placement.candidate),
                placement.candidate.institution.name,
                placement.candidate.citizenship,
                str(placement.adviser),
                placement.adviser.unit.display_name if placement.adviser.unit else "",
                round(placement.score, 4),
            )
        ]
        for placement in placements.order_by("-score", "id")
    )
    return tabular.table_response(f"placements-{round_.pk}", fmt, PLACEMENT_COLUMNS, rows)
