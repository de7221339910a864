"""REST endpoints of doctoral cooperation: advisers and their publications, topics, candidates,
recommendations and recommendation rounds; access rules from :mod:`.access`, changes through
:mod:`.actions`.

Public topics are read without signing in; everything else needs a bearer token or a session.
An illegal step, deleting a record others depend on and changing a round being assigned are
conflicts: the API answers them with 409 and the message (see ``accord.api``).
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    BooleanField,
    Prefetch,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Cast
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from accord.core import actions as audited
from accord.core import audit
from accord.core.api_links import checked, emptied, links_of
from accord.core.downloads import private_download
from accord.core.pagination import Page
from accord.core.schemas import AuditEntryOut
from accord.doctoral import access, actions, expertise, matching, publications
from accord.doctoral.models import (
    Adviser,
    Candidate,
    Level,
    Publication,
    Recommendation,
    Round,
    RoundPair,
    Topic,
    validate_cv,
)
from accord.doctoral.schemas import (
    PERSONAL_DATA,
    SEES_SHARING,
    AdviserFilter,
    AdviserIn,
    AdviserOut,
    AdviserPatch,
    CandidateAuditEntryOut,
    CandidateFilter,
    CandidateFitOut,
    CandidateIn,
    CandidateOut,
    CandidatePatch,
    ConflictOut,
    FitsOut,
    ImportedOut,
    MessageIn,
    MessageOut,
    PublicationIn,
    PublicationOut,
    RankingQuery,
    RecommendationFilter,
    RecommendationIn,
    RecommendationOut,
    RoundDetailOut,
    RoundIn,
    RoundOut,
    RuleIn,
    RuleOut,
    RunOut,
    StepIn,
    TopicAuditEntryOut,
    TopicFilter,
    TopicIn,
    TopicOut,
    TopicPatch,
    ValidationErrorsOut,
    is_home_staff,
)
from accord.institutions.models import Field, FieldLevel, Institution, PartnerStatus

router = Router(tags=["doctoral"])

CONFLICT = {409: ConflictOut}
PDF = {
    200: {
        "description": "The CV, a PDF file.",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}


class _SignedInOrVisitor:
    """Authentication of the public reads: a bearer token or a session signs the caller in as on
    every endpoint; without either the caller reads as an anonymous visitor. A token that names
    no one is still refused (401)."""

    def __call__(self, request: HttpRequest) -> Any:
        from accord.api import BearerToken  # accord.api mounts this module's router

        if request.headers.get("Authorization"):
            return BearerToken()(request)
        return request.user


PUBLIC_READ = [_SignedInOrVisitor()]


def _home_advisers(advisers: QuerySet[Adviser]) -> QuerySet[Adviser]:
    return advisers.filter(institution__partner_status=PartnerStatus.HOME)


def _require_model(model: str) -> None:
    """Refuse a ranking model whose packages this server lacks."""
    if model != "lexical" and not expertise.semantic_available():
        raise ValidationError(
            {
                "model": _("The %(model)s ranking is not installed here; use lexical.")
                % {"model": model}
            }
        )


def _names_of_institutions(ids: set[int]) -> dict[int, str]:
    institutions = Institution.objects.filter(pk__in=ids).prefetch_related("names")
    return {institution.pk: institution.display_name for institution in institutions}


# Topics ----------------------------------------------------------------------------------------


def _topics(request: HttpRequest) -> QuerySet[Topic]:
    """The topics the caller sees; home staff get the partners each is shared with, in one
    query for the page."""
    topics = access.topics_for(request.user).select_related("adviser", "field")
    if is_home_staff(request.user):
        topics = topics.prefetch_related(
            Prefetch("shared_with", queryset=Institution.objects.only("pk"))
        )
    return topics


def _topic(request: HttpRequest, pk: int) -> Topic:
    return get_object_or_404(_topics(request), pk=pk)


def _topic_links(request: HttpRequest) -> dict[str, QuerySet[Any]]:
    """A topic's adviser is one of the home advisers the caller sees; its field a detailed one."""
    return links_of(
        Topic,
        adviser=_home_advisers(access.advisers_for(request.user)),
        field=Field.objects.filter(level=FieldLevel.DETAILED),
    )


def _publishes_for(user: Any, adviser_id: int) -> None:
    """Refuse a topic offered by an adviser the caller does not speak for."""
    if not access.advisers_for(user, "change").filter(pk=adviser_id).exists():
        raise PermissionDenied(_("Advisers publish their own topics; the office publishes any."))


def _partners(ids: list[int]) -> list[Institution]:
    partners = list(Institution.objects.filter(pk__in=ids))
    missing = sorted(set(ids) - {partner.pk for partner in partners})
    if missing:
        raise ValidationError(
            {
                "shared_with": _("Unknown institutions: %(ids)s.")
                % {"ids": ", ".join(map(str, missing))}
            }
        )
    return partners


@router.get("/topics", response=list[TopicOut], auth=PUBLIC_READ)
@paginate(Page)
def list_topics(request: HttpRequest, filters: Query[TopicFilter]) -> Any:
    """The topics the caller sees; without signing in, the public ones."""
    topics = _topics(request)
    if filters.level is not None:
        topics = topics.filter(level=filters.level)
    if filters.field:
        topics = topics.filter(field__code__startswith=filters.field)
    if filters.adviser is not None:
        topics = topics.filter(adviser_id=filters.adviser)
    if filters.language:
        # The list stored as JSON text: a code in quotes is one whole element.
        topics = topics.annotate(languages_text=Cast("languages", TextField())).filter(
            languages_text__contains=f'"{filters.language.lower()}"'
        )
    if filters.open is not None:
        today = timezone.localdate()
        taking = Q(is_open=True) & (Q(deadline__isnull=True) | Q(deadline__gte=today))
        topics = topics.filter(taking) if filters.open else topics.exclude(taking)
    for word in (filters.q or "").split():
        topics = topics.filter(
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(adviser__first_name__icontains=word)
            | Q(adviser__last_name__icontains=word)
        )
    return topics.order_by("title", "id")


@router.post("/topics", response={201: TopicOut})
def create_topic(request: HttpRequest, payload: TopicIn) -> Any:
    """Publish a topic (home officers, and advisers for themselves)."""
    user = request.user
    if not access.may_create_topic(user):
        raise PermissionDenied(_("Only the office and advisers publish topics."))
    data = payload.dict(exclude={"shared_with"})
    if data["adviser"] is None:
        data["adviser"] = access.own_adviser_id(user)
        if data["adviser"] is None:
            raise ValidationError({"adviser": _("Choose the topic's adviser.")})
    data = checked(data, _topic_links(request))
    _publishes_for(user, data["adviser_id"])
    partners = _partners(payload.shared_with)
    topic = actions.save_topic(user, Topic(**data), partners)
    return Status(201, _topic(request, topic.pk))


@router.get("/topics/{pk}", response=TopicOut, auth=PUBLIC_READ)
def get_topic(request: HttpRequest, pk: int) -> Any:
    return _topic(request, pk)


@router.patch("/topics/{pk}", response=TopicOut)
def update_topic(request: HttpRequest, pk: int, payload: TopicPatch) -> Any:
    """Change a topic; ``shared_with`` replaces the partners it is shared with."""
    user = request.user
    topic = access.changeable_topic(user, pk)
    changes = payload.dict(exclude_unset=True)
    if "shared_with" in changes:
        partners = _partners(changes.pop("shared_with") or [])
    else:
        partners = list(topic.shared_with.all())
    empty: dict[str, Any] = {
        "description": "",
        "funding": "",
        "titles": {},
        "descriptions": {},
        "languages": [],
    }
    changes = checked(emptied(changes, empty), _topic_links(request))
    if changes.get("adviser_id") is not None:
        _publishes_for(user, changes["adviser_id"])
    actions.save_topic(user, topic, partners, changes)
    return _topic(request, pk)


@router.delete("/topics/{pk}", response={204: None, **CONFLICT})
def delete_topic(request: HttpRequest, pk: int) -> Any:
    """Delete a topic no candidate is recommended for (close it otherwise)."""
    actions.delete_topic(request.user, access.changeable_topic(request.user, pk))
    return Status(204, None)


@router.get("/topics/{pk}/history", response=list[TopicAuditEntryOut])
@paginate(Page)
def topic_history(request: HttpRequest, pk: int) -> Any:
    """The topic's changes; the partners it is shared with are null except for home staff."""
    topic = _topic(request, pk)
    sees = Value(is_home_staff(request.user), output_field=BooleanField())
    return audit.history(topic).annotate(**{SEES_SHARING: sees})


@router.get("/topics/{pk}/candidates", response=list[CandidateFitOut])
def topic_candidates(request: HttpRequest, pk: int, ranking: Query[RankingQuery]) -> Any:
    """The candidates with an undecided recommendation of the topic's level, best fit for the
    topic first, with the words they share (home staff only)."""
    topic = _topic(request, pk)
    if not is_home_staff(request.user):
        raise PermissionDenied(_("Only home staff rank candidates for a topic."))
    _require_model(ranking.model)
    fits = matching.rank_candidates(request.user, topic, ranking.limit, ranking.model)
    names = _names_of_institutions({fit.obj.institution_id for fit in fits})
    return [
        {
            "candidate": fit.obj.pk,
            "name": str(fit.obj),
            "institution": fit.obj.institution_id,
            "institution_name": names.get(fit.obj.institution_id, ""),
            "score": fit.score,
            "terms": list(fit.terms),
        }
        for fit in fits
    ]


# Advisers and publications --------------------------------------------------------------------


def _advisers(request: HttpRequest) -> QuerySet[Adviser]:
    return (
        access.advisers_for(request.user)
        .select_related("institution", "unit")
        .prefetch_related("institution__names")
    )


def _adviser(request: HttpRequest, pk: int) -> Adviser:
    return get_object_or_404(_advisers(request), pk=pk)


def _officer_only(user: Any, message: str) -> None:
    if not user.is_home_officer:
        raise PermissionDenied(message)


@router.get("/advisers", response=list[AdviserOut])
@paginate(Page)
def list_advisers(request: HttpRequest, filters: Query[AdviserFilter]) -> Any:
    advisers = _advisers(request)
    if filters.institution is not None:
        advisers = advisers.filter(institution_id=filters.institution)
    if filters.unit is not None:
        advisers = advisers.filter(unit_id=filters.unit)
    for word in (filters.q or "").split():
        advisers = advisers.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(keywords__icontains=word)
        )
    return advisers.order_by("last_name", "first_name", "id")


@router.post("/advisers", response={201: AdviserOut})
def create_adviser(request: HttpRequest, payload: AdviserIn) -> Any:
    """Register an adviser (home officers)."""
    _officer_only(request.user, _("Only the office registers advisers."))
    data = checked(payload.dict(), links_of(Adviser))
    adviser = actions.create_adviser(request.user, Adviser(**data))
    return Status(201, _adviser(request, adviser.pk))


@router.get("/advisers/{pk}", response=AdviserOut)
def get_adviser(request: HttpRequest, pk: int) -> Any:
    return _adviser(request, pk)


@router.patch("/advisers/{pk}", response=AdviserOut)
def update_adviser(request: HttpRequest, pk: int, payload: AdviserPatch) -> Any:
    """Change an adviser's profile (the adviser, or a home officer); only the office moves an
    adviser to another institution or links their user account."""
    user: Any = request.user
    adviser = access.changeable_adviser(user, pk)
    changes = payload.dict(exclude_unset=True)
    if {"institution", "user"} & changes.keys():
        _officer_only(user, _("Only the office changes an adviser's institution or account."))
    empty = dict.fromkeys(("degrees", "orcid", "email", "keywords"), "")
    changes = checked(emptied(changes, empty), links_of(Adviser))
    actions.update_adviser(user, adviser, changes)
    return _adviser(request, pk)


@router.delete("/advisers/{pk}", response={204: None, **CONFLICT})
def delete_adviser(request: HttpRequest, pk: int) -> Any:
    """Delete an adviser without topics or recommended candidates (home officers)."""
    adviser = _adviser(request, pk)
    _officer_only(request.user, _("Only the office deletes advisers."))
    actions.delete_adviser(request.user, adviser)
    return Status(204, None)


@router.get("/advisers/{pk}/history", response=list[AuditEntryOut])
@paginate(Page)
def adviser_history(request: HttpRequest, pk: int) -> Any:
    """The adviser's changes and those of their publications."""
    return audit.history(_adviser(request, pk))


@router.get("/advisers/{pk}/publications", response=list[PublicationOut])
@paginate(Page)
def list_publications(request: HttpRequest, pk: int) -> Any:
    return _adviser(request, pk).publications.order_by("-year", "title", "id")


@router.post("/advisers/{pk}/publications", response={201: PublicationOut})
def create_publication(request: HttpRequest, pk: int, payload: PublicationIn) -> Any:
    """Add one of the adviser's works (the adviser, or a home officer)."""
    adviser = access.changeable_adviser(request.user, pk)
    publication = audited.create(request.user, Publication(adviser=adviser, **payload.dict()))
    return Status(201, publication)


@router.post(
    "/advisers/{pk}/publications/import",
    response={200: ImportedOut, 422: ValidationErrorsOut},
)
def import_publications(request: HttpRequest, pk: int, file: File[UploadedFile]) -> Any:
    """Add the adviser's works from a CSV, XLSX or JSON file (multipart, field ``file``; see
    :mod:`accord.doctoral.publications` for its columns), all or nothing: a refused file is
    answered with one error a problem, each naming its line (or item) and column."""
    adviser = access.changeable_adviser(request.user, pk)
    try:
        imported = publications.import_publications(request.user, file, adviser=adviser)
    except publications.PublicationsRefused as refusal:
        errors = [{"loc": ["body", "file"], "msg": str(error)} for error in refusal.errors]
        return Status(422, {"detail": errors})
    return {"imported": imported}


@router.delete("/publications/{pk}", response={204: None})
def delete_publication(request: HttpRequest, pk: int) -> Any:
    """Delete one of an adviser's works (the adviser, or a home officer)."""
    user = request.user
    publication = get_object_or_404(
        Publication.objects.filter(adviser__in=access.advisers_for(user)), pk=pk
    )
    if not access.advisers_for(user, "change").filter(pk=publication.adviser_id).exists():
        raise PermissionDenied(_("Only the adviser or the office changes this."))
    audited.delete(user, publication)
    return Status(204, None)


# Candidates -------------------------------------------------------------------------------------


def _candidates(request: HttpRequest) -> QuerySet[Candidate]:
    """The candidates the caller sees, each marked with whether they may see its personal data
    (in the same query)."""
    return (
        access.candidates_for(request.user)
        .select_related("institution")
        .prefetch_related("institution__names")
        .annotate(**{PERSONAL_DATA: access.personal_data(request.user)})
    )


def _candidate(request: HttpRequest, pk: int) -> Candidate:
    return get_object_or_404(_candidates(request), pk=pk)


def _recommending_partner(institution_id: int | None) -> None:
    """Refuse the home university (or none) as a candidate's recommending partner."""
    if institution_id is None:
        raise ValidationError({"institution": _("Choose the recommending partner.")})
    if Institution.objects.filter(pk=institution_id, partner_status=PartnerStatus.HOME).exists():
        raise ValidationError({"institution": _("Candidates are recommended by partners.")})


@router.get("/candidates", response=list[CandidateOut])
@paginate(Page)
def list_candidates(request: HttpRequest, filters: Query[CandidateFilter]) -> Any:
    candidates = _candidates(request)
    if filters.institution is not None:
        candidates = candidates.filter(institution_id=filters.institution)
    if filters.citizenship:
        candidates = candidates.filter(citizenship=filters.citizenship.upper())
    for word in (filters.q or "").split():
        candidates = candidates.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return candidates.order_by("last_name", "first_name", "id")


@router.post("/candidates", response={201: CandidateOut})
def create_candidate(request: HttpRequest, payload: CandidateIn) -> Any:
    """Register a candidate: a partner coordinator for their own institution (the default), a
    home officer for any partner."""
    user: Any = request.user
    if not access.may_recommend(user):
        raise PermissionDenied(_("Partners and the office recommend candidates."))
    data = payload.dict()
    partner_id = user.partner_institution_id
    if data["institution"] is None:
        data["institution"] = partner_id
    elif partner_id is not None and data["institution"] != partner_id:
        # Refused before validating, so the refusal tells nothing of the other institution.
        raise PermissionDenied(_("Partners recommend their own candidates only."))
    data = checked(data, links_of(Candidate))
    _recommending_partner(data["institution_id"])
    data["citizenship"] = data["citizenship"].upper()
    candidate = actions.create_candidate(user, Candidate(**data))
    return Status(201, _candidate(request, candidate.pk))


@router.get("/candidates/{pk}", response=CandidateOut)
def get_candidate(request: HttpRequest, pk: int) -> Any:
    return _candidate(request, pk)


@router.patch("/candidates/{pk}", response=CandidateOut)
def update_candidate(request: HttpRequest, pk: int, payload: CandidatePatch) -> Any:
    user: Any = request.user
    candidate = access.changeable_candidate(user, pk)
    changes = payload.dict(exclude_unset=True)
    partner_id = user.partner_institution_id
    if changes.get("institution") not in (None, partner_id) and partner_id is not None:
        raise PermissionDenied(_("Partners recommend their own candidates only."))
    changes = checked(emptied(changes, {"email": ""}), links_of(Candidate))
    if "institution_id" in changes:
        _recommending_partner(changes["institution_id"])
    if changes.get("citizenship"):
        changes["citizenship"] = changes["citizenship"].upper()
    actions.update_candidate(user, candidate, changes)
    return _candidate(request, pk)


@router.delete("/candidates/{pk}", response={204: None, **CONFLICT})
def delete_candidate(request: HttpRequest, pk: int) -> Any:
    """Delete a candidate with no decision on record; their CV goes with them."""
    candidate = access.changeable_candidate(request.user, pk)
    name, storage = candidate.cv.name, candidate.cv.storage
    with transaction.atomic():
        actions.delete_candidate(request.user, candidate)
        if name:
            transaction.on_commit(lambda: storage.delete(name))
    return Status(204, None)


@router.get("/candidates/{pk}/history", response=list[CandidateAuditEntryOut])
@paginate(Page)
def candidate_history(request: HttpRequest, pk: int) -> Any:
    """The candidate's changes, their recommendations' and messages'; the e-mail and the CV are
    null unless the caller may see them."""
    candidate = _candidate(request, pk)
    visible = Value(getattr(candidate, PERSONAL_DATA), output_field=BooleanField())
    return audit.history(candidate).annotate(**{PERSONAL_DATA: visible})


@router.post("/candidates/{pk}/cv", response=CandidateOut)
def upload_cv(request: HttpRequest, pk: int, file: File[UploadedFile]) -> Any:
    """Upload the candidate's CV (multipart, field ``file``): a PDF of at most 10 MB; it
    replaces the previous one. The recommending partner, or a home officer."""
    candidate = access.changeable_candidate(request.user, pk)
    try:
        validate_cv(file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    previous, storage = candidate.cv.name, candidate.cv.storage
    with transaction.atomic():
        actions.update_candidate(request.user, candidate, {"cv": file})
        if previous and previous != candidate.cv.name:
            transaction.on_commit(lambda: storage.delete(previous))
    return _candidate(request, pk)


@router.get("/candidates/{pk}/cv", openapi_extra={"responses": PDF})
def download_cv(request: HttpRequest, pk: int) -> FileResponse:
    """The candidate's CV, for those who may see their personal data."""
    candidate = _candidate(request, pk)
    if not getattr(candidate, PERSONAL_DATA):
        raise PermissionDenied(
            _("The CV is for the recommending partner, the office and the adviser reviewing.")
        )
    if not candidate.cv:
        raise Http404(_("No CV is uploaded for this candidate."))
    return private_download(candidate.cv, "application/pdf", _("The file of this CV is missing."))


@router.get("/candidates/{pk}/fits", response=FitsOut)
def candidate_fits(request: HttpRequest, pk: int, ranking: Query[RankingQuery]) -> Any:
    """The open topics the caller sees and the home advisers, best fit for the candidate first,
    with the words they share and the texts behind each fit."""
    candidate = _candidate(request, pk)
    _require_model(ranking.model)
    user = request.user
    topics = matching.rank_topics(user, candidate, ranking.limit, ranking.model)
    advisers = matching.rank_advisers(user, candidate, ranking.limit, ranking.model)
    return {
        "topics": [
            {
                "topic": fit.obj.pk,
                "title": fit.obj.localised_title,
                "level": fit.obj.level,
                "adviser": fit.obj.adviser_id,
                "adviser_name": str(fit.obj.adviser),
                "score": fit.score,
                "terms": list(fit.terms),
                "evidence": list(fit.evidence),
            }
            for fit in topics
        ],
        "advisers": [
            {
                "adviser": fit.obj.pk,
                "name": str(fit.obj),
                "unit_name": fit.obj.unit.display_name if fit.obj.unit else None,
                "score": fit.score,
                "terms": list(fit.terms),
                "evidence": list(fit.evidence),
            }
            for fit in advisers
        ],
    }


# Recommendations --------------------------------------------------------------------------------


def _recommendations(request: HttpRequest) -> QuerySet[Recommendation]:
    return (
        access.recommendations_for(request.user)
        .select_related("candidate__institution", "adviser", "topic")
        .prefetch_related("candidate__institution__names")
    )


def _recommendation(request: HttpRequest, pk: int) -> Recommendation:
    return get_object_or_404(_recommendations(request), pk=pk)


@router.get("/recommendations", response=list[RecommendationOut])
@paginate(Page)
def list_recommendations(request: HttpRequest, filters: Query[RecommendationFilter]) -> Any:
    recommendations = _recommendations(request)
    for name in ("candidate", "topic", "adviser"):
        value = getattr(filters, name)
        if value is not None:
            recommendations = recommendations.filter(**{f"{name}_id": value})
    if filters.status:
        recommendations = recommendations.filter(status=filters.status)
    if filters.level is not None:
        recommendations = recommendations.filter(level=filters.level)
    return recommendations.order_by("-created", "-id")


@router.post("/recommendations", response={201: RecommendationOut})
def create_recommendation(request: HttpRequest, payload: RecommendationIn) -> Any:
    """Recommend a candidate for a topic (its adviser is implied) or to an adviser directly:
    the recommending partner, or a home officer."""
    user = request.user
    if not access.may_recommend(user):
        raise PermissionDenied(_("Partners and the office recommend candidates."))
    links = {
        "candidate": access.candidates_for(user, "change"),
        "topic": access.topics_for(user),
        "adviser": access.advisers_for(user),
    }
    checked(payload.dict(include={"candidate", "topic", "adviser"}), links)
    candidate = Candidate.objects.get(pk=payload.candidate)
    topic = Topic.objects.get(pk=payload.topic) if payload.topic is not None else None
    adviser = Adviser.objects.get(pk=payload.adviser) if payload.adviser is not None else None
    if topic is not None:
        if adviser is not None and adviser.pk != topic.adviser_id:
            raise ValidationError({"adviser": _("The topic is another adviser's.")})
        if payload.level is not None and payload.level != topic.level:
            raise ValidationError({"level": _("The level differs from the topic's.")})
    recommendation = actions.recommend(
        user,
        candidate,
        topic=topic,
        adviser=adviser,
        level=payload.level or Level.DOCTORATE,
        motivation=payload.motivation,
    )
    return Status(201, _recommendation(request, recommendation.pk))


@router.get("/recommendations/{pk}", response=RecommendationOut)
def get_recommendation(request: HttpRequest, pk: int) -> Any:
    return _recommendation(request, pk)


@router.post("/recommendations/{pk}/steps", response={200: RecommendationOut, **CONFLICT})
def take_step(request: HttpRequest, pk: int, payload: StepIn) -> Any:
    """Schedule an interview (``interview_at``, ``interview_place``), record it, admit or
    decline (``note``: the decision's) — the adviser or a home officer — or withdraw (the
    recommending partner). A ``note`` to another step is posted as a message."""
    recommendation = _recommendation(request, pk)
    interview_at = payload.interview_at
    if interview_at is not None and timezone.is_naive(interview_at):
        interview_at = timezone.make_aware(interview_at)
    actions.take_step(
        request.user,
        recommendation,
        payload.step,
        interview_at=interview_at,
        interview_place=payload.interview_place,
        note=payload.note,
    )
    return _recommendation(request, pk)


@router.get("/recommendations/{pk}/messages", response=list[MessageOut])
@paginate(Page)
def list_messages(request: HttpRequest, pk: int) -> Any:
    """The notes between the partner and the home university, oldest first."""
    recommendation = _recommendation(request, pk)
    return recommendation.messages.select_related("author").order_by("created", "id")


@router.post("/recommendations/{pk}/messages", response={201: MessageOut})
def post_message(request: HttpRequest, pk: int, payload: MessageIn) -> Any:
    """Write to the other side: the recommending partner, the adviser or a home officer."""
    user = request.user
    recommendation = _recommendation(request, pk)
    if not (access.may_review(user, recommendation) or access.may_withdraw(user, recommendation)):
        raise PermissionDenied(
            _("The recommending partner, the adviser and the office write about a recommendation.")
        )
    return Status(201, actions.post_message(user, recommendation, payload.text))


# Rounds -----------------------------------------------------------------------------------------


def _rounds(request: HttpRequest) -> QuerySet[Round]:
    return access.rounds_for(request.user)


def _round_detail(round_: Round) -> dict[str, Any]:
    """The round with its placements, the candidates left unassigned and its pair rules."""
    placements = list(
        round_.placements.select_related("candidate", "adviser").order_by("-score", "id")
    )
    placed = {placement.candidate_id for placement in placements}
    unassigned = list(round_.candidates.exclude(pk__in=placed).order_by("last_name", "id"))
    names = _names_of_institutions(
        {placement.candidate.institution_id for placement in placements}
        | {candidate.institution_id for candidate in unassigned}
    )
    rules = round_.rules.select_related("candidate", "adviser").order_by("id")
    return {
        **RoundOut.from_orm(round_).dict(),
        "placements": [
            {
                "candidate": placement.candidate_id,
                "candidate_name": str(placement.candidate),
                "institution": placement.candidate.institution_id,
                "institution_name": names.get(placement.candidate.institution_id, ""),
                "adviser": placement.adviser_id,
                "adviser_name": str(placement.adviser),
                "score": placement.score,
            }
            for placement in placements
        ],
        "total": round_.total_score,
        "unassigned": [
            {
                "candidate": candidate.pk,
                "name": str(candidate),
                "institution": candidate.institution_id,
                "institution_name": names.get(candidate.institution_id, ""),
            }
            for candidate in unassigned
        ],
        "rules": list(rules),
    }


def _round(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _round_detail(get_object_or_404(_rounds(request), pk=pk))


@router.get("/rounds", response=list[RoundOut])
@paginate(Page)
def list_rounds(request: HttpRequest) -> Any:
    """Recommendation rounds, newest first (home staff)."""
    return _rounds(request).order_by("-created", "-id")


@router.post("/rounds", response={201: RoundDetailOut})
def create_round(request: HttpRequest, payload: RoundIn) -> Any:
    """Start a draft round (home officers); run it at ``/rounds/{id}/run``."""
    if not access.may_run_rounds(request.user):
        raise PermissionDenied(_("Only the office runs recommendation rounds."))
    _require_model(payload.model)
    round_ = actions.create_round(request.user, Round(**payload.dict()))
    return Status(201, _round(request, round_.pk))


@router.get("/rounds/{pk}", response=RoundDetailOut)
def get_round(request: HttpRequest, pk: int) -> Any:
    """The round's status (draft, running, done, failed), and once assigned its placements,
    total fit and the candidates left without an adviser."""
    return _round(request, pk)


@router.delete("/rounds/{pk}", response={204: None, **CONFLICT})
def delete_round(request: HttpRequest, pk: int) -> Any:
    actions.delete_round(request.user, access.changeable_round(request.user, pk))
    return Status(204, None)


@router.post("/rounds/{pk}/rules", response={201: RuleOut, **CONFLICT})
def add_rule(request: HttpRequest, pk: int, payload: RuleIn) -> Any:
    """Keep a candidate and an adviser apart (a conflict of interest) or together."""
    user = request.user
    round_ = access.changeable_round(user, pk)
    links = links_of(
        RoundPair,
        candidate=access.candidates_for(user),
        adviser=_home_advisers(access.advisers_for(user)),
    )
    data = checked(payload.dict(), links)
    rule = actions.add_rule(user, RoundPair(round=round_, **data))
    return Status(201, RoundPair.objects.select_related("candidate", "adviser").get(pk=rule.pk))


@router.delete("/rounds/{pk}/rules/{rule_pk}", response={204: None, **CONFLICT})
def delete_rule(request: HttpRequest, pk: int, rule_pk: int) -> Any:
    round_ = access.changeable_round(request.user, pk)
    actions.delete_rule(request.user, get_object_or_404(round_.rules.all(), pk=rule_pk))
    return Status(204, None)


@router.post("/rounds/{pk}/run", response={202: RunOut, **CONFLICT})
def run_round(request: HttpRequest, pk: int) -> Any:
    """Assign the round's candidates in the background (home officers); follow the round's
    status at ``/rounds/{id}``. A round being assigned is a conflict."""
    round_ = access.changeable_round(request.user, pk)
    _require_model(round_.model)
    job = actions.start_round(request.user, round_)
    return Status(202, {"job": str(job.pk), "round": round_.pk, "status": round_.status})


@router.get("/rounds/{pk}/history", response=list[AuditEntryOut])
@paginate(Page)
def round_history(request: HttpRequest, pk: int) -> Any:
    """The round's changes, runs and pair rules."""
    return audit.history(get_object_or_404(_rounds(request), pk=pk))
