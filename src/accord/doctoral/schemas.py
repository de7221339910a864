"""API shapes of advisers and their publications, topics, candidates, recommendations and
recommendation rounds."""

import datetime
from collections.abc import Callable
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field as SchemaField
from ninja import Schema
from pydantic import ConfigDict

from accord.core.models import AuditEntry
from accord.core.schemas import AuditEntryOut, State, masked, masking
from accord.doctoral import access
from accord.doctoral.actions import STEPS, Step
from accord.doctoral.models import (
    Candidate,
    Level,
    MatchingModel,
    PairRule,
    Recommendation,
    RecommendationStatus,
    RoundStatus,
    Topic,
    TopicFunding,
    Visibility,
)

# Unknown keys are refused with their name rather than silently dropped.
STRICT_INPUT = ConfigDict(extra="forbid")

# Set by the API on candidates (and their history) it answers with: whether the caller may see
# the candidate's e-mail and CV; without it they are hidden.
PERSONAL_DATA = "personal_data"
# The candidate's fields shown only with PERSONAL_DATA.
CANDIDATE_PERSONAL_FIELDS = ("email", "cv")

# Set by the API on topic history entries: whether the caller is home staff, who alone see the
# partners a topic is shared with.
SEES_SHARING = "sees_sharing"


class ConflictOut(Schema):
    detail: str = SchemaField(description="Why the record's current state refuses the change.")


def _user(context: dict[str, Any]) -> Any:
    return context["request"].user


def is_home_staff(user: Any) -> bool:
    """Home officers and other home staff: those who see every topic and how it is shared."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_home_officer or user.is_home)
    )


# Advisers and publications -------------------------------------------------------------------


class AdviserOut(Schema):
    id: int
    first_name: str
    last_name: str
    name: str
    institution: int = SchemaField(alias="institution_id")
    institution_name: str = SchemaField(alias="institution.display_name")
    unit: int | None = SchemaField(alias="unit_id")
    unit_name: str | None = SchemaField(None, alias="unit.display_name")
    user: int | None = SchemaField(
        None, description="The adviser's user account; shown to home officers only."
    )
    degrees: str
    orcid: str
    email: str
    keywords: str
    capacity: int
    current_students: int
    created: datetime.datetime
    modified: datetime.datetime

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)

    @staticmethod
    def resolve_user(obj: Any, context: dict[str, Any]) -> int | None:
        return obj.user_id if _user(context).is_home_officer else None


class AdviserIn(Schema):
    model_config = STRICT_INPUT
    first_name: str = SchemaField(min_length=1, max_length=150)
    last_name: str = SchemaField(min_length=1, max_length=150)
    institution: int = SchemaField(description="Id of the adviser's institution.")
    unit: int | None = SchemaField(None, description="Id of a unit of that institution.")
    user: int | None = SchemaField(None, description="Id of the adviser's own user account.")
    degrees: str = SchemaField("", max_length=300)
    orcid: str = SchemaField("", max_length=19, description="e.g. 0000-0002-1825-0097")
    email: str = SchemaField("", max_length=254)
    keywords: str = SchemaField("", description="Areas of expertise, separated by commas.")
    capacity: int = SchemaField(3, ge=0, le=50)
    current_students: int = SchemaField(0, ge=0, le=32767)


class AdviserPatch(Schema):
    model_config = STRICT_INPUT
    first_name: str | None = SchemaField(None, min_length=1, max_length=150)
    last_name: str | None = SchemaField(None, min_length=1, max_length=150)
    institution: int | None = None
    unit: int | None = None
    user: int | None = None
    degrees: str | None = SchemaField(None, max_length=300)
    orcid: str | None = SchemaField(None, max_length=19)
    email: str | None = SchemaField(None, max_length=254)
    keywords: str | None = None
    capacity: int | None = SchemaField(None, ge=0, le=50)
    current_students: int | None = SchemaField(None, ge=0, le=32767)


class AdviserFilter(Schema):
    institution: int | None = SchemaField(None, description="Id of the institution.")
    unit: int | None = SchemaField(None, description="Id of the unit.")
    q: str | None = SchemaField(None, description="Words of the name or the expertise keywords.")


class PublicationOut(Schema):
    id: int
    adviser: int = SchemaField(alias="adviser_id")
    title: str
    abstract: str
    year: int | None
    doi: str


class PublicationIn(Schema):
    model_config = STRICT_INPUT
    title: str = SchemaField(min_length=1, max_length=500)
    abstract: str = ""
    year: int | None = SchemaField(None, ge=1900, le=2100)
    doi: str = SchemaField("", max_length=200)


class ImportedOut(Schema):
    imported: int = SchemaField(description="How many publications the file added.")


# Topics --------------------------------------------------------------------------------------


class TopicOut(Schema):
    id: int
    adviser: int = SchemaField(alias="adviser_id")
    adviser_name: str
    level: Level
    title: str = SchemaField(description="In English.")
    titles: dict[str, str] = SchemaField(description="Titles in other languages, by code.")
    localised_title: str = SchemaField(description="The title in the request's language.")
    description: str
    descriptions: dict[str, str]
    field: str | None = SchemaField(alias="field_id", description="ISCED-F detailed code.")
    field_name: str | None = SchemaField(None, alias="field.name")
    languages: list[str]
    funding: TopicFunding | Literal[""]
    places: int
    deadline: datetime.date | None
    visibility: Visibility
    shared_with: list[int] | None = SchemaField(
        description="Ids of the partners who see a topic shared with chosen partners; shown to "
        "home staff only (null for others)."
    )
    is_open: bool
    created: datetime.datetime
    modified: datetime.datetime

    @staticmethod
    def resolve_adviser_name(obj: Topic) -> str:
        return str(obj.adviser)

    @staticmethod
    def resolve_shared_with(obj: Topic, context: dict[str, Any]) -> list[int] | None:
        if not is_home_staff(_user(context)):
            return None
        return [institution.pk for institution in obj.shared_with.all()]


class TopicIn(Schema):
    model_config = STRICT_INPUT
    adviser: int | None = SchemaField(
        None, description="Id of the home adviser offering it; an adviser's own profile if omitted."
    )
    level: Level = Level.DOCTORATE
    title: str = SchemaField(min_length=1, max_length=300, description="In English.")
    titles: dict[str, str] = SchemaField({}, description='e.g. {"uk": "..."}')
    description: str = ""
    descriptions: dict[str, str] = {}
    field: str | None = SchemaField(None, description="ISCED-F detailed code, e.g. 0724.")
    languages: list[str] = SchemaField([], description='Language codes, e.g. ["en", "uk"].')
    funding: TopicFunding | Literal[""] = ""
    places: int = SchemaField(1, ge=1, le=100)
    deadline: datetime.date | None = None
    visibility: Visibility = Visibility.PARTNERS
    shared_with: list[int] = SchemaField(
        [], description="Ids of the partners who see it when shared with chosen partners."
    )
    is_open: bool = True


class TopicPatch(Schema):
    model_config = STRICT_INPUT
    adviser: int | None = None
    level: Level | None = None
    title: str | None = SchemaField(None, min_length=1, max_length=300)
    titles: dict[str, str] | None = None
    description: str | None = None
    descriptions: dict[str, str] | None = None
    field: str | None = None
    languages: list[str] | None = None
    funding: TopicFunding | Literal[""] | None = None
    places: int | None = SchemaField(None, ge=1, le=100)
    deadline: datetime.date | None = None
    visibility: Visibility | None = None
    shared_with: list[int] | None = None
    is_open: bool | None = None


class TopicFilter(Schema):
    level: Level | None = None
    field: str | None = SchemaField(
        None, description="An ISCED-F code: the detailed field, or a broad or narrow one above it."
    )
    adviser: int | None = SchemaField(None, description="Id of the adviser.")
    language: str | None = SchemaField(None, description="A language of supervision, e.g. uk.")
    open: bool | None = SchemaField(
        None, description="true: taking candidates now (open, deadline not passed)."
    )
    q: str | None = SchemaField(None, description="Words of the title, description or adviser.")


def _without_sharing(entry: AuditEntry, state: State) -> State:
    return masked(state, ("shared_with",), getattr(entry, SEES_SHARING, False))


class TopicAuditEntryOut(AuditEntryOut):
    """An entry of a topic's history: the partners it is shared with are null unless the caller
    is home staff."""

    resolve_before, resolve_after = masking(_without_sharing)


# Ranking -------------------------------------------------------------------------------------


RankingModel = Literal["lexical", "semantic", "hybrid"]


class RankingQuery(Schema):
    limit: int = SchemaField(10, ge=1, le=100, description="How many of the best fits.")
    model: RankingModel = SchemaField(
        "lexical", description="lexical (words shared), semantic (meaning) or hybrid."
    )


class CandidateFitOut(Schema):
    candidate: int
    name: str
    institution: int
    institution_name: str
    score: float = SchemaField(description="The fit, from 0 to 1.")
    terms: list[str] = SchemaField(description="The words the candidate and the topic share.")


class TopicFitOut(Schema):
    topic: int
    title: str
    level: Level
    adviser: int
    adviser_name: str
    score: float = SchemaField(description="The fit, from 0 to 1.")
    terms: list[str] = SchemaField(description="The words the candidate and the topic share.")
    evidence: list[str] = SchemaField(
        description="The texts behind the fit (the topic's title, its adviser's works)."
    )


class AdviserFitOut(Schema):
    adviser: int
    name: str
    unit_name: str | None
    score: float = SchemaField(description="The fit, from 0 to 1.")
    terms: list[str] = SchemaField(description="The words the candidate and the adviser share.")
    evidence: list[str] = SchemaField(
        description="The adviser's works (by title) and keywords behind the fit."
    )


class FitsOut(Schema):
    topics: list[TopicFitOut] = SchemaField(description="Open topics the caller sees, best first.")
    advisers: list[AdviserFitOut] = SchemaField(description="Home advisers, best first.")


# Candidates ----------------------------------------------------------------------------------


def _personal(obj: Any) -> bool:
    return bool(getattr(obj, PERSONAL_DATA, False))


class CandidateOut(Schema):
    id: int
    first_name: str
    last_name: str
    name: str
    institution: int = SchemaField(alias="institution_id")
    institution_name: str = SchemaField(alias="institution.display_name")
    citizenship: str
    citizenship_name: str
    personal_data: bool = SchemaField(
        description="Whether the caller may see the e-mail and the CV (null and false if not): "
        "the recommending partner, home officers and the advisers the candidate is "
        "recommended to."
    )
    email: str | None
    has_cv: bool
    education: str
    research_interests: str
    created: datetime.datetime
    modified: datetime.datetime

    @staticmethod
    def resolve_name(obj: Candidate) -> str:
        return str(obj)

    @staticmethod
    def resolve_personal_data(obj: Candidate) -> bool:
        return _personal(obj)

    @staticmethod
    def resolve_email(obj: Candidate) -> str | None:
        return obj.email if _personal(obj) else None

    @staticmethod
    def resolve_has_cv(obj: Candidate) -> bool:
        return _personal(obj) and bool(obj.cv)


class CandidateIn(Schema):
    model_config = STRICT_INPUT
    institution: int | None = SchemaField(
        None, description="Id of the recommending partner; a partner coordinator's own if omitted."
    )
    first_name: str = SchemaField(min_length=1, max_length=150)
    last_name: str = SchemaField(min_length=1, max_length=150)
    citizenship: str = SchemaField(max_length=2, description="Two-letter ISO code.")
    email: str = SchemaField("", max_length=254)
    education: str = SchemaField(description="Degrees held: institution, specialty, year.")
    research_interests: str = SchemaField(description="What the candidate wants to work on.")


class CandidatePatch(Schema):
    model_config = STRICT_INPUT
    institution: int | None = None
    first_name: str | None = SchemaField(None, min_length=1, max_length=150)
    last_name: str | None = SchemaField(None, min_length=1, max_length=150)
    citizenship: str | None = SchemaField(None, max_length=2)
    email: str | None = SchemaField(None, max_length=254)
    education: str | None = None
    research_interests: str | None = None


class CandidateFilter(Schema):
    institution: int | None = SchemaField(None, description="Id of the recommending partner.")
    citizenship: str | None = SchemaField(None, description="Two-letter ISO code.")
    q: str | None = SchemaField(None, description="Words of the first or last name.")


def _masked(entry: AuditEntry, state: State) -> State:
    shown = _personal(entry) or entry.object_type != "doctoral.candidate"
    return masked(state, CANDIDATE_PERSONAL_FIELDS, shown)


class CandidateAuditEntryOut(AuditEntryOut):
    """An entry of a candidate's history: the e-mail and the CV masked (null) unless the caller
    may see them."""

    resolve_before, resolve_after = masking(_masked)


# Recommendations -----------------------------------------------------------------------------


def steps_of(request: HttpRequest) -> Callable[[Recommendation], list[Step]]:
    """The steps open to the caller on a recommendation (:func:`actions.allowed_steps`), with
    the caller's adviser profile looked up once a request rather than once a recommendation."""
    user: Any = request.user
    officer = bool(user.is_authenticated and user.is_active and user.is_home_officer)
    own = access.own_adviser_id(user)
    partner_id = user.partner_institution_id if user.is_authenticated and user.is_active else None

    def steps(recommendation: Recommendation) -> list[Step]:
        reviews = officer or (own is not None and recommendation.adviser_id == own)
        withdraws = officer or (
            partner_id is not None and recommendation.candidate.institution_id == partner_id
        )
        return [
            step
            for step, (sources, _target) in STEPS.items()
            if recommendation.status in sources
            and (withdraws if step == Step.WITHDRAW else reviews)
        ]

    return steps


def _steps_for(context: dict[str, Any]) -> Callable[[Recommendation], list[Step]]:
    request = context["request"]
    steps = getattr(request, "_recommendation_steps", None)
    if steps is None:
        steps = steps_of(request)
        request._recommendation_steps = steps
    return steps


class RecommendationOut(Schema):
    id: int
    status: RecommendationStatus
    steps: list[Step] = SchemaField(description="The steps the caller may take now.")
    candidate: int = SchemaField(alias="candidate_id")
    candidate_name: str
    institution: int = SchemaField(
        alias="candidate.institution_id", description="Id of the recommending partner."
    )
    institution_name: str = SchemaField(alias="candidate.institution.display_name")
    adviser: int = SchemaField(alias="adviser_id")
    adviser_name: str
    topic: int | None = SchemaField(alias="topic_id")
    topic_title: str | None = SchemaField(None, alias="topic.localised_title")
    level: Level
    motivation: str
    interview_at: datetime.datetime | None
    interview_place: str
    decision_note: str
    decided: datetime.datetime | None
    created: datetime.datetime
    modified: datetime.datetime

    @staticmethod
    def resolve_steps(obj: Recommendation, context: dict[str, Any]) -> list[Step]:
        return _steps_for(context)(obj)

    @staticmethod
    def resolve_candidate_name(obj: Recommendation) -> str:
        return str(obj.candidate)

    @staticmethod
    def resolve_adviser_name(obj: Recommendation) -> str:
        return str(obj.adviser)


class RecommendationIn(Schema):
    model_config = STRICT_INPUT
    candidate: int = SchemaField(description="Id of the candidate.")
    topic: int | None = SchemaField(None, description="Id of the topic (its adviser is implied).")
    adviser: int | None = SchemaField(None, description="Id of the adviser, if no topic.")
    level: Level | None = SchemaField(None, description="The topic's if a topic is named.")
    motivation: str = SchemaField("", max_length=5000)


class RecommendationFilter(Schema):
    candidate: int | None = SchemaField(None, description="Id of the candidate.")
    topic: int | None = SchemaField(None, description="Id of the topic.")
    adviser: int | None = SchemaField(None, description="Id of the adviser.")
    status: RecommendationStatus | None = None
    level: Level | None = None


class StepIn(Schema):
    model_config = STRICT_INPUT
    step: Step
    interview_at: datetime.datetime | None = SchemaField(
        None, description="When the interview takes place (schedule only)."
    )
    interview_place: str = SchemaField(
        "", max_length=300, description="Where, or the link (schedule only)."
    )
    note: str = SchemaField(
        "",
        max_length=5000,
        description="The decision's note (admit, decline), else a message to the other side.",
    )


class MessageOut(Schema):
    id: int
    author: int | None = SchemaField(alias="author_id")
    author_name: str
    text: str
    created: datetime.datetime

    @staticmethod
    def resolve_author_name(obj: Any) -> str:
        author = obj.author
        if author is None:
            return ""
        return author.get_full_name() or author.get_username()


class MessageIn(Schema):
    model_config = STRICT_INPUT
    text: str = SchemaField(max_length=5000)


# Rounds --------------------------------------------------------------------------------------


class RoundOut(Schema):
    id: int
    name: str
    level: Level
    model: MatchingModel
    partner_quota: int | None
    recommended_only: bool
    status: RoundStatus
    total_score: float | None = SchemaField(description="The total fit of the assignment.")
    error: str = SchemaField(description="Why the last assignment failed.")
    created: datetime.datetime
    finished: datetime.datetime | None


class PlacementOut(Schema):
    candidate: int
    candidate_name: str
    institution: int
    institution_name: str
    adviser: int
    adviser_name: str
    score: float


class RuleOut(Schema):
    id: int
    candidate: int = SchemaField(alias="candidate_id")
    candidate_name: str
    adviser: int = SchemaField(alias="adviser_id")
    adviser_name: str
    rule: PairRule

    @staticmethod
    def resolve_candidate_name(obj: Any) -> str:
        return str(obj.candidate)

    @staticmethod
    def resolve_adviser_name(obj: Any) -> str:
        return str(obj.adviser)


class UnassignedOut(Schema):
    candidate: int
    name: str
    institution: int
    institution_name: str


class RoundDetailOut(RoundOut):
    placements: list[PlacementOut] = SchemaField(description="The pairs assigned, best fit first.")
    total: float | None = SchemaField(description="The total fit, as total_score.")
    unassigned: list[UnassignedOut] = SchemaField(
        description="The round's candidates left without an adviser."
    )
    rules: list[RuleOut]


class RoundIn(Schema):
    model_config = STRICT_INPUT
    name: str = SchemaField(min_length=1, max_length=200)
    level: Level = Level.DOCTORATE
    model: MatchingModel = MatchingModel.LEXICAL
    partner_quota: int | None = SchemaField(
        None, ge=1, le=32767, description="The most candidates of one partner assigned."
    )
    recommended_only: bool = SchemaField(
        False, description="Only advisers the candidate was recommended to."
    )


class RuleIn(Schema):
    model_config = STRICT_INPUT
    candidate: int = SchemaField(description="Id of the candidate.")
    adviser: int = SchemaField(description="Id of the home adviser.")
    rule: PairRule


class RunOut(Schema):
    job: str = SchemaField(description="Id of the background job assigning the round.")
    round: int
    status: RoundStatus


class ErrorOut(Schema):
    loc: list[str] = SchemaField(description='Where: ["body", "file"].')
    msg: str


class ValidationErrorsOut(Schema):
    detail: list[ErrorOut]
