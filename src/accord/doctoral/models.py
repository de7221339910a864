"""Advisers and the topics they offer, candidates that partners recommend, and matching rounds
that assign candidates to advisers."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accord.agreements.storage import private_storage
from accord.core.languages import LANGUAGE_CODE
from accord.institutions.models import (
    Field,
    FieldLevel,
    Institution,
    Unit,
    check_unit_of_institution,
    country_name,
    localised,
    validate_country,
)

ORCID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")


PDF_SIGNATURE = b"%PDF-"
CV_MAX_BYTES = 10 * 1024 * 1024


def validate_cv(file: Any) -> None:
    """A PDF (checked by its first bytes, not its name) of at most 10 MB."""
    if file.size > CV_MAX_BYTES:
        raise ValidationError(_("The CV is larger than 10 MB."))
    file.seek(0)
    head = file.read(len(PDF_SIGNATURE))
    file.seek(0)
    if head != PDF_SIGNATURE:
        raise ValidationError(_("The CV must be a PDF file."))


def validate_orcid(value: str) -> None:
    """An ORCID iD written 0000-0002-1825-0097, its check digit verified (ISO 7064 11,2)."""
    if not ORCID.match(value):
        raise ValidationError(_("Write the ORCID iD as 0000-0000-0000-0000."))
    digits = value.replace("-", "")
    total = 0
    for digit in digits[:-1]:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    if digits[-1] != ("X" if check == 10 else str(check)):
        raise ValidationError(_("This ORCID iD's check digit is wrong."))


def validate_languages(value: object) -> None:
    """A list of language codes such as ["en", "uk"]."""
    if not isinstance(value, list) or not all(
        isinstance(code, str) and LANGUAGE_CODE.match(code) for code in value
    ):
        raise ValidationError(_('List language codes, e.g. ["en", "uk"].'))


def validate_translations(value: object) -> None:
    """Texts in other languages as {"uk": "...", "az": "..."}."""
    if not isinstance(value, dict) or not all(
        isinstance(code, str) and LANGUAGE_CODE.match(code) and isinstance(text, str)
        for code, text in value.items()
    ):
        raise ValidationError(_('Give texts by language code, e.g. {"uk": "..."}.'))


class Adviser(models.Model):
    """A person who may supervise doctoral (or master's) students, profiled by their work."""

    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="advisers",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="advisers",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="adviser",
        help_text=_("The adviser's own login, to publish topics and review candidates."),
    )
    degrees = models.CharField(
        _("degrees and titles"),
        max_length=300,
        blank=True,
        help_text=_("e.g. Doctor of Technical Sciences, Professor."),
    )
    orcid = models.CharField(_("ORCID iD"), max_length=19, blank=True, validators=[validate_orcid])
    email = models.EmailField(_("e-mail"), blank=True)
    keywords = models.TextField(
        _("expertise keywords"),
        blank=True,
        help_text=_("Areas of expertise, separated by commas."),
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity"),
        default=3,
        validators=[MaxValueValidator(50)],
        help_text=_("The most doctoral students the adviser takes at once."),
    )
    current_students = models.PositiveSmallIntegerField(
        _("current students"),
        default=0,
        help_text=_("Doctoral students the adviser supervises now, besides those admitted here."),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("adviser")
        verbose_name_plural = _("advisers")
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["orcid"],
                condition=~Q(orcid=""),
                name="unique_adviser_orcid",
                violation_error_message=_("An adviser with this ORCID iD is already registered."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def clean(self) -> None:
        check_unit_of_institution(self)

    @property
    def keyword_list(self) -> list[str]:
        return [word.strip() for word in self.keywords.split(",") if word.strip()]


class Publication(models.Model):
    """One of an adviser's works; their titles and abstracts profile the adviser's expertise."""

    adviser = models.ForeignKey(Adviser, on_delete=models.CASCADE, related_name="publications")
    title = models.CharField(_("title"), max_length=500)
    abstract = models.TextField(_("abstract"), blank=True)
    year = models.PositiveSmallIntegerField(
        _("year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    doi = models.CharField(_("DOI"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-year", "title", "id"]

    def __str__(self) -> str:
        return self.title

    def audit_institution(self) -> int | None:
        return self.adviser.institution_id

    def audit_subject(self) -> models.Model | None:
        return self.adviser

    @property
    def text(self) -> str:
        """Title and abstract, as the expertise ranking reads them."""
        return f"{self.title}. {self.abstract}" if self.abstract else self.title


class Level(models.IntegerChoices):
    """What a topic offers: a doctoral topic or a place in a master's programme."""

    MASTER = 7, _("Master's place")
    DOCTORATE = 8, _("PhD topic")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    PARTNERS = "partners", _("All partners")
    CHOSEN = "chosen", _("Chosen partners")


class TopicFunding(models.TextChoices):
    STATE = "state", _("State budget")
    INSTITUTIONAL = "institutional", _("Home institution")
    GRANT = "grant", _("Research grant")
    SCHOLARSHIP = "scholarship", _("Scholarship")
    SELF = "self", _("Self-funded")


class Topic(models.Model):
    """A PhD topic an adviser offers, or a master's place, shared with partners."""

    adviser = models.ForeignKey(
        Adviser, verbose_name=_("adviser"), on_delete=models.PROTECT, related_name="topics"
    )
    level = models.PositiveSmallIntegerField(
        _("level"), choices=Level.choices, default=Level.DOCTORATE
    )
    title = models.CharField(_("title"), max_length=300, help_text=_("Title in English."))
    titles = models.JSONField(
        _("titles in other languages"),
        default=dict,
        blank=True,
        validators=[validate_translations],
        help_text=_('e.g. {"uk": "..."}'),
    )
    description = models.TextField(_("description"), blank=True, help_text=_("In English."))
    descriptions = models.JSONField(
        _("descriptions in other languages"),
        default=dict,
        blank=True,
        validators=[validate_translations],
        help_text=_('e.g. {"uk": "..."}'),
    )
    field = models.ForeignKey(
        Field,
        verbose_name=_("field (ISCED-F)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": FieldLevel.DETAILED},
    )
    languages = models.JSONField(
        _("languages of supervision"),
        default=list,
        blank=True,
        validators=[validate_languages],
        help_text=_('Language codes, e.g. ["en", "uk"].'),
    )
    funding = models.CharField(
        _("funding"), max_length=20, choices=TopicFunding.choices, blank=True
    )
    places = models.PositiveSmallIntegerField(
        _("places"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    deadline = models.DateField(_("deadline for candidates"), null=True, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PARTNERS
    )
    shared_with = models.ManyToManyField(
        Institution,
        verbose_name=_("shared with"),
        blank=True,
        related_name="shared_topics",
        help_text=_("The partners who see the topic when it is shared with chosen partners."),
    )
    is_open = models.BooleanField(_("open for candidates"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.localised_title

    def audit_institution(self) -> int | None:
        """None: who sees a topic depends on its visibility, so its history is its own."""
        return None

    @property
    def localised_title(self) -> str:
        return localised(self.titles, self.title)

    @property
    def localised_description(self) -> str:
        return localised(self.descriptions, self.description)

    @property
    def text(self) -> str:
        """Every title and description, in every language, as the ranking reads them."""
        parts = [self.title, *self.titles.values(), self.description, *self.descriptions.values()]
        return ". ".join(part for part in parts if part)


def cv_path(candidate: Candidate, filename: str) -> str:
    return f"candidates/{candidate.institution_id}/{filename}"


class Candidate(models.Model):
    """A student or graduate a partner recommends for PhD topics, advisers or master's places."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("recommending partner"),
        on_delete=models.PROTECT,
        related_name="candidates",
    )
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    citizenship = models.CharField(
        _("citizenship"),
        max_length=2,
        validators=[validate_country],
        help_text=_("Two-letter ISO code, e.g. AZ."),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    education = models.TextField(
        _("education"), help_text=_("Degrees held: institution, specialty, year.")
    )
    research_interests = models.TextField(
        _("research interests"), help_text=_("What the candidate wants to work on.")
    )
    cv = models.FileField(
        _("CV (PDF)"),
        upload_to=cv_path,
        storage=private_storage,
        blank=True,
        validators=[validate_cv],
    )
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recommended by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["last_name", "first_name", "id"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def audit_institution(self) -> int | None:
        """None: a candidate's record stays out of the partner's history, which others read."""
        return None

    @property
    def citizenship_name(self) -> str:
        return country_name(self.citizenship)

    @property
    def text(self) -> str:
        """What the ranking compares with advisers' work and topics."""
        return f"{self.research_interests}. {self.education}"


class RecommendationStatus(models.TextChoices):
    RECOMMENDED = "recommended", _("Recommended")
    INTERVIEW = "interview", _("Interview scheduled")
    INTERVIEWED = "interviewed", _("Interviewed")
    ADMITTED = "admitted", _("Admitted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# A recommendation still waiting for the adviser's decision.
OPEN_STATUSES = frozenset(
    {
        RecommendationStatus.RECOMMENDED,
        RecommendationStatus.INTERVIEW,
        RecommendationStatus.INTERVIEWED,
    }
)


class Recommendation(models.Model):
    """A partner's recommendation of a candidate for a topic, or for an adviser directly."""

    candidate = models.ForeignKey(
        Candidate,
        verbose_name=_("candidate"),
        on_delete=models.CASCADE,
        related_name="recommendations",
    )
    adviser = models.ForeignKey(
        Adviser,
        verbose_name=_("adviser"),
        on_delete=models.PROTECT,
        related_name="recommendations",
    )
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("topic"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recommendations",
    )
    level = models.PositiveSmallIntegerField(
        _("level"), choices=Level.choices, default=Level.DOCTORATE
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RecommendationStatus.choices,
        default=RecommendationStatus.RECOMMENDED,
        editable=False,
    )
    motivation = models.TextField(_("why this candidate"), blank=True)
    interview_at = models.DateTimeField(_("interview"), null=True, blank=True, editable=False)
    interview_place = models.CharField(
        _("interview place or link"), max_length=300, blank=True, editable=False
    )
    decision_note = models.TextField(_("decision note"), blank=True, editable=False)
    decided = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)
    created = models.DateTimeField(_("recommended"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "adviser"],
                condition=Q(topic__isnull=True),
                name="unique_recommendation_to_adviser",
                violation_error_message=_("This candidate is already recommended to this adviser."),
            ),
            models.UniqueConstraint(
                fields=["candidate", "topic"],
                condition=Q(topic__isnull=False),
                name="unique_recommendation_for_topic",
                violation_error_message=_("This candidate is already recommended for this topic."),
            ),
        ]
        indexes = [models.Index(fields=["adviser", "status"], name="recommendation_review")]

    def __str__(self) -> str:
        return f"{self.candidate} → {self.topic or self.adviser}"

    def audit_institution(self) -> int | None:
        return None

    def audit_subject(self) -> models.Model | None:
        return self.candidate

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def clean(self) -> None:
        topic = self.topic
        if topic is not None:
            if self.adviser_id is not None and topic.adviser_id != self.adviser_id:
                raise ValidationError({"topic": _("The topic is another adviser's.")})
            if self.level != topic.level:
                raise ValidationError({"level": _("The level differs from the topic's.")})


class Message(models.Model):
    """A note between the partner and the home university about one recommendation."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("message"), max_length=5000)
    created = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return self.text[:80]

    def audit_institution(self) -> int | None:
        return None

    def audit_subject(self) -> models.Model | None:
        return self.recommendation.candidate


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RUNNING = "running", _("Running")
    DONE = "done", _("Assigned")
    FAILED = "failed", _("Failed")


class MatchingModel(models.TextChoices):
    LEXICAL = "lexical", _("Lexical (words shared)")
    SEMANTIC = "semantic", _("Semantic (meaning)")
    HYBRID = "hybrid", _("Both combined")


class Round(models.Model):
    """A recommendation round: the open candidates of a level assigned to advisers at once,
    maximising the total fit under the advisers' capacities and a quota per partner."""

    name = models.CharField(_("name"), max_length=200)
    level = models.PositiveSmallIntegerField(
        _("level"), choices=Level.choices, default=Level.DOCTORATE
    )
    model = models.CharField(
        _("ranking model"),
        max_length=10,
        choices=MatchingModel.choices,
        default=MatchingModel.LEXICAL,
    )
    partner_quota = models.PositiveSmallIntegerField(
        _("places per partner"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("The most candidates of one partner assigned; empty: no limit."),
    )
    recommended_only = models.BooleanField(
        _("only advisers the candidate was recommended to"),
        default=False,
        help_text=_("Otherwise every adviser with free places is considered."),
    )
    candidates = models.ManyToManyField(
        Candidate, verbose_name=_("candidates"), blank=True, editable=False, related_name="rounds"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RoundStatus.choices,
        default=RoundStatus.DRAFT,
        editable=False,
    )
    total_score = models.FloatField(_("total fit"), null=True, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    finished = models.DateTimeField(_("assigned"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("recommendation round")
        verbose_name_plural = _("recommendation rounds")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.name


class PairRule(models.TextChoices):
    CONFLICT = "conflict", _("Never together (conflict of interest)")
    FORCED = "forced", _("Always together")


class RoundPair(models.Model):
    """A rule for one candidate and adviser in a round: a conflict, or a pair fixed in advance."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="rules")
    candidate = models.ForeignKey(
        Candidate, verbose_name=_("candidate"), on_delete=models.CASCADE, related_name="+"
    )
    adviser = models.ForeignKey(
        Adviser, verbose_name=_("adviser"), on_delete=models.CASCADE, related_name="+"
    )
    rule = models.CharField(_("rule"), max_length=10, choices=PairRule.choices)

    class Meta:
        verbose_name = _("pair rule")
        verbose_name_plural = _("pair rules")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "candidate", "adviser"],
                name="unique_round_pair",
                violation_error_message=_("This pair already has a rule in this round."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} / {self.adviser}: {self.get_rule_display()}"

    def audit_institution(self) -> int | None:
        return None

    def audit_subject(self) -> models.Model | None:
        return self.round


class Placement(models.Model):
    """One pair of a round's assignment: a candidate placed with an adviser, and their fit."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="placements")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="placements")
    adviser = models.ForeignKey(Adviser, on_delete=models.CASCADE, related_name="placements")
    score = models.FloatField(_("fit"))

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["round", "-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "candidate"], name="unique_placement"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} → {self.adviser}"
