"""Forms for advisers and their publications, topics, candidates, recommendations and rounds,
and the filters of their lists."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.core.languages import language_name
from accord.doctoral import access, expertise
from accord.doctoral.actions import Step
from accord.doctoral.models import (
    Adviser,
    Candidate,
    Level,
    MatchingModel,
    Publication,
    Recommendation,
    RecommendationStatus,
    Round,
    RoundPair,
    Topic,
    validate_cv,
)
from accord.institutions.forms import country_choices
from accord.institutions.models import Field, FieldLevel, Institution, PartnerStatus, Unit

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
EVERYTHING = ("", _("all"))
# Languages a topic's title and description are written in besides English.
OTHER_LANGUAGES = [(code, name) for code, name in settings.LANGUAGES if code != "en"]
# Languages of supervision offered on the topic form (a topic keeps any other it has).
SUPERVISION_LANGUAGES = (
    "en",
    "uk",
    "az",
    "ru",
    "tr",
    "pl",
    "de",
    "fr",
    "es",
    "it",
    "zh-hans",
    "ar",
)
PUBLICATION_SUFFIXES = (".csv", ".xlsx", ".json")


def _model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """A form's model choice field, typed so its queryset can be narrowed."""
    return cast(forms.ModelChoiceField, form.fields[name])


def _fix(form: forms.BaseForm, name: str, value: Any) -> None:
    """Show ``value`` in the field and ignore whatever is posted for it."""
    form.fields[name].disabled = True
    form.initial[name] = value


def _empty_label(form: forms.BaseForm, name: str) -> None:
    _model_choice(form, name).empty_label = str(EVERYTHING[1])


def home_advisers() -> QuerySet[Adviser]:
    return Adviser.objects.filter(institution__partner_status=PartnerStatus.HOME)


def open_topics(user: Any) -> QuerySet[Topic]:
    """The topics ``user`` sees that take candidates today."""
    return (
        access.topics_for(user)
        .filter(is_open=True)
        .filter(Q(deadline__isnull=True) | Q(deadline__gte=timezone.localdate()))
        .select_related("adviser")
        .order_by("title", "id")
    )


class PrivateFileInput(forms.ClearableFileInput):
    """A file in private storage: named by its file name, never linked (it has no URL)."""

    template_name = "doctoral/widgets/private_file_input.html"

    def is_initial(self, value: Any) -> bool:
        return bool(value and getattr(value, "name", ""))

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if self.is_initial(value):
            context["widget"]["file_name"] = PurePath(value.name).name
        return context


class AdviserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.last_name} {obj.first_name}"


class TopicChoiceField(forms.ModelChoiceField):
    """A topic, named with its level and adviser (the queryset selects the adviser)."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.localised_title} · {obj.get_level_display()} · {obj.adviser}"


class CandidateChoiceField(forms.ModelChoiceField):
    """A candidate, named with the partner (the queryset selects it)."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.last_name} {obj.first_name} ({obj.institution.name})"


class FieldChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


def _detailed_fields() -> QuerySet[Field]:
    return Field.objects.filter(level=FieldLevel.DETAILED).order_by("code")


def _home_units() -> QuerySet[Unit]:
    return Unit.objects.filter(institution__partner_status=PartnerStatus.HOME).order_by("name")


# Advisers and publications ---------------------------------------------------------------------


class AdviserForm(forms.ModelForm):
    """An adviser's profile. The office registers advisers of the home university and links
    their login; an adviser edits the rest of their own profile."""

    class Meta:
        model = Adviser
        fields = [
            "first_name",
            "last_name",
            "institution",
            "unit",
            "user",
            "degrees",
            "orcid",
            "email",
            "keywords",
            "capacity",
            "current_students",
        ]
        widgets = {
            "keywords": forms.Textarea(attrs={"rows": 3}),
            "orcid": forms.TextInput(attrs={"placeholder": "0000-0002-1825-0097"}),
        }
        field_classes = {"unit": UnitChoiceField, "user": UserChoiceField}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not user.is_home_officer:
            del self.fields["institution"], self.fields["user"]
        else:
            home = Institution.objects.home()
            _model_choice(self, "institution").queryset = home
            if self.instance.pk is None and home.count() == 1:
                self.initial.setdefault("institution", home.get().pk)
            _model_choice(self, "user").queryset = (
                get_user_model()
                .objects.filter(institution__partner_status=PartnerStatus.HOME)
                .order_by("username")
            )
        _model_choice(self, "unit").queryset = _home_units()


class PublicationForm(forms.ModelForm):
    class Meta:
        model = Publication
        fields = ["title", "abstract", "year", "doi"]
        widgets = {"abstract": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, adviser: Adviser, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "publication")
        super().__init__(*args, **kwargs)
        self.instance.adviser = adviser


class PublicationUploadForm(forms.Form):
    upload = forms.FileField(
        label=_("file of publications"),
        help_text=_(
            "CSV (UTF-8) or XLSX with the columns title, abstract, year, doi; or JSON, a list "
            "of objects with those fields."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(PUBLICATION_SUFFIXES)}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "publications")
        super().__init__(*args, **kwargs)


class AdviserFilterForm(forms.Form):
    q = forms.CharField(label=_("name or expertise"), required=False)
    unit = UnitChoiceField(label=_("unit"), queryset=Unit.objects.none(), required=False)
    free_only = forms.BooleanField(label=_("with free places only"), required=False)

    def __init__(self, *args: Any, advisers: QuerySet[Adviser], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "unit").queryset = Unit.objects.filter(
            pk__in=advisers.values("unit_id")
        ).order_by("name")
        _empty_label(self, "unit")

    def filter(self, advisers: QuerySet[Adviser]) -> QuerySet[Adviser]:
        """Filter ``advisers``, annotated with ``free`` places."""
        if not self.is_valid():
            return advisers
        data = self.cleaned_data
        for word in data["q"].split():
            advisers = advisers.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(keywords__icontains=word)
            )
        if data["unit"]:
            advisers = advisers.filter(unit=data["unit"])
        if data["free_only"]:
            advisers = advisers.filter(Q(free__gt=0))
        return advisers


# Topics -----------------------------------------------------------------------------------------


def _language_choices(current: list[str]) -> list[tuple[str, str]]:
    codes = list(SUPERVISION_LANGUAGES) + [
        code for code in current if code not in SUPERVISION_LANGUAGES
    ]
    return [(code, language_name(code)) for code in codes]


class TopicForm(forms.ModelForm):
    """A PhD topic or master's place: texts in English and, optionally, the other languages of
    the site; who sees it; the partners it is shared with when it is for chosen partners."""

    languages = forms.MultipleChoiceField(
        label=_("languages of supervision"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    shared_with = forms.ModelMultipleChoiceField(
        label=_("shared with"),
        queryset=Institution.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The partners who see the topic when it is shared with chosen partners."),
    )

    class Meta:
        model = Topic
        fields = [
            "adviser",
            "level",
            "title",
            "description",
            "field",
            "languages",
            "funding",
            "places",
            "deadline",
            "visibility",
            "shared_with",
            "is_open",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 5}), "deadline": DATE_INPUT}
        field_classes = {"adviser": AdviserChoiceField, "field": FieldChoiceField}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        topic = self.instance
        _model_choice(self, "adviser").queryset = home_advisers()
        if not user.is_home_officer:
            # An adviser offers topics of their own.
            _fix(self, "adviser", topic.adviser_id or access.own_adviser_id(user))
        _model_choice(self, "field").queryset = _detailed_fields()
        cast(forms.MultipleChoiceField, self.fields["languages"]).choices = _language_choices(
            list(topic.languages or [])
        )
        partners = Institution.objects.filter(
            Q(partner_status=PartnerStatus.PARTNER)
            | Q(pk__in=topic.shared_with.values("pk") if topic.pk else [])
        )
        _model_choice(self, "shared_with").queryset = partners.order_by("name")
        for code, name in OTHER_LANGUAGES:
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("title in %(language)s") % {"language": name},
                required=False,
                max_length=300,
                initial=topic.titles.get(code, ""),
            )
            self.fields[f"description_{code}"] = forms.CharField(
                label=_("description in %(language)s") % {"language": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 5}),
                initial=topic.descriptions.get(code, ""),
            )
        # Each text next to its translations.
        codes = [code for code, _name in OTHER_LANGUAGES]
        self.order_fields(
            [
                "adviser",
                "level",
                "title",
                *(f"title_{code}" for code in codes),
                "description",
                *(f"description_{code}" for code in codes),
            ]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        titles, descriptions = dict(self.instance.titles), dict(self.instance.descriptions)
        for code, _name in OTHER_LANGUAGES:
            for value, target in (
                (data.get(f"title_{code}"), titles),
                (data.get(f"description_{code}"), descriptions),
            ):
                if value:
                    target[code] = value
                else:
                    target.pop(code, None)
        self.instance.titles, self.instance.descriptions = titles, descriptions
        return data


class TopicFilterForm(forms.Form):
    q = forms.CharField(label=_("words"), required=False)
    level = forms.TypedChoiceField(
        label=_("level"), choices=[EVERYTHING, *Level.choices], coerce=int, required=False
    )
    field = FieldChoiceField(label=_("field"), queryset=Field.objects.none(), required=False)
    adviser = AdviserChoiceField(
        label=_("adviser"), queryset=Adviser.objects.none(), required=False
    )
    language = forms.ChoiceField(label=_("language"), required=False)
    open_only = forms.BooleanField(label=_("open for candidates only"), required=False)

    def __init__(self, *args: Any, topics: QuerySet[Topic], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "field").queryset = Field.objects.filter(
            pk__in=topics.values("field_id")
        ).order_by("code")
        _model_choice(self, "adviser").queryset = Adviser.objects.filter(
            pk__in=topics.values("adviser_id")
        )
        for name in ("field", "adviser"):
            _empty_label(self, name)
        used = sorted(
            {code for codes in topics.values_list("languages", flat=True) for code in codes}
        )
        cast(forms.ChoiceField, self.fields["language"]).choices = [
            EVERYTHING,
            *((code, language_name(code)) for code in used),
        ]

    def filter(self, topics: QuerySet[Topic]) -> QuerySet[Topic]:
        if not self.is_valid():
            return topics
        data = self.cleaned_data
        if data["level"]:
            topics = topics.filter(level=data["level"])
        for name in ("field", "adviser"):
            if data[name]:
                topics = topics.filter(**{name: data[name]})
        if data["open_only"]:
            topics = topics.filter(is_open=True).filter(
                Q(deadline__isnull=True) | Q(deadline__gte=timezone.localdate())
            )
        words, code = data["q"].casefold().split(), data["language"]
        if words or code:
            # Texts in other languages and the languages are JSON: compared in Python, so that
            # every database finds a Ukrainian word and a code in a list alike.
            topics = topics.filter(pk__in=_matching(topics, words, code))
        return topics


def _matching(topics: QuerySet[Topic], words: list[str], code: str) -> list[int]:
    """The topics whose texts, in any language, contain every word, and that are supervised in
    the language ``code`` (when given)."""
    found = []
    rows = topics.values_list("pk", "title", "titles", "description", "descriptions", "languages")
    for pk, title, titles, description, descriptions, languages in rows:
        if code and code not in languages:
            continue
        text = " ".join([title, description, *titles.values(), *descriptions.values()]).casefold()
        if all(word in text for word in words):
            found.append(pk)
    return found


# Candidates and recommendations -----------------------------------------------------------------


class CandidateForm(forms.ModelForm):
    """A candidate of a partner: a partner coordinator's own institution is fixed, the office
    chooses the partner."""

    citizenship = forms.ChoiceField(label=_("citizenship"), choices=country_choices)

    class Meta:
        model = Candidate
        fields = [
            "institution",
            "first_name",
            "last_name",
            "citizenship",
            "email",
            "education",
            "research_interests",
            "cv",
        ]
        widgets = {
            "education": forms.Textarea(attrs={"rows": 3}),
            "research_interests": forms.Textarea(attrs={"rows": 4}),
            "cv": PrivateFileInput(attrs={"accept": "application/pdf,.pdf"}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        institutions = Institution.objects.exclude(partner_status=PartnerStatus.HOME)
        partner_id = user.partner_institution_id
        if partner_id is not None:
            _fix(self, "institution", partner_id)
            institutions = institutions.filter(pk=partner_id)
        else:
            institutions = institutions.filter(
                Q(partner_status=PartnerStatus.PARTNER) | Q(pk=self.instance.institution_id)
            )
        _model_choice(self, "institution").queryset = institutions.order_by("name")

    def clean_cv(self) -> Any:
        cv = self.cleaned_data.get("cv")
        if isinstance(cv, UploadedFile):
            validate_cv(cv)
        return cv


class CandidateFilterForm(forms.Form):
    q = forms.CharField(label=_("name or interests"), required=False)
    partner = forms.ModelChoiceField(
        label=_("partner"), queryset=Institution.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=_("recommendation status"),
        choices=[EVERYTHING, *RecommendationStatus.choices],
        required=False,
    )
    level = forms.TypedChoiceField(
        label=_("level"), choices=[EVERYTHING, *Level.choices], coerce=int, required=False
    )

    def __init__(self, *args: Any, candidates: QuerySet[Candidate], user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if user.partner_institution_id is not None:
            del self.fields["partner"]
        else:
            _model_choice(self, "partner").queryset = Institution.objects.filter(
                pk__in=candidates.values("institution_id")
            ).order_by("name")
            _empty_label(self, "partner")

    def filter(self, candidates: QuerySet[Candidate]) -> QuerySet[Candidate]:
        if not self.is_valid():
            return candidates
        data = self.cleaned_data
        for word in data["q"].split():
            candidates = candidates.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(research_interests__icontains=word)
            )
        if data.get("partner"):
            candidates = candidates.filter(institution=data["partner"])
        recommendations = Recommendation.objects.all()
        if data["status"]:
            recommendations = recommendations.filter(status=data["status"])
        if data["level"]:
            recommendations = recommendations.filter(level=data["level"])
        if data["status"] or data["level"]:
            candidates = candidates.filter(pk__in=recommendations.values("candidate_id"))
        return candidates


class RecommendForm(forms.Form):
    """A recommendation: for a topic the user sees that takes candidates, or to an adviser
    directly (then with the level)."""

    candidate = CandidateChoiceField(label=_("candidate"), queryset=Candidate.objects.none())
    topic = TopicChoiceField(
        label=_("topic"),
        queryset=Topic.objects.none(),
        required=False,
        help_text=_("A topic open for candidates; or leave it empty and choose an adviser."),
    )
    adviser = AdviserChoiceField(
        label=_("adviser"),
        queryset=Adviser.objects.none(),
        required=False,
        help_text=_("Only when recommending to an adviser without a topic."),
    )
    level = forms.TypedChoiceField(
        label=_("level"), choices=Level.choices, coerce=int, initial=Level.DOCTORATE
    )
    motivation = forms.CharField(
        label=_("why this candidate"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(
        self,
        *args: Any,
        user: Any,
        candidate: Candidate | None = None,
        topic: Topic | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if candidate is not None:
            del self.fields["candidate"]
        else:
            _model_choice(self, "candidate").queryset = (
                access.candidates_for(user, "change")
                .select_related("institution")
                .order_by("last_name", "first_name", "id")
            )
        if topic is not None:
            del self.fields["topic"], self.fields["adviser"], self.fields["level"]
        else:
            _model_choice(self, "topic").queryset = open_topics(user)
            _model_choice(self, "adviser").queryset = access.advisers_for(user).filter(
                institution__partner_status=PartnerStatus.HOME
            )


class RecommendationFilterForm(forms.Form):
    whose = forms.ChoiceField(
        label=_("recommended"),
        choices=[("mine", _("to me")), ("all", _("to anyone"))],
        required=False,
    )
    q = forms.CharField(label=_("candidate"), required=False)
    status = forms.ChoiceField(
        label=_("status"), choices=[EVERYTHING, *RecommendationStatus.choices], required=False
    )
    level = forms.TypedChoiceField(
        label=_("level"), choices=[EVERYTHING, *Level.choices], coerce=int, required=False
    )

    def __init__(self, *args: Any, adviser_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.adviser_id = adviser_id
        if adviser_id is None:
            del self.fields["whose"]

    def filter(self, recommendations: QuerySet[Recommendation]) -> QuerySet[Recommendation]:
        # An adviser sees the candidates recommended to them unless they ask for all.
        data = self.cleaned_data if self.is_valid() else {}
        if self.adviser_id is not None and data.get("whose", "mine") != "all":
            recommendations = recommendations.filter(adviser_id=self.adviser_id)
        for word in data.get("q", "").split():
            recommendations = recommendations.filter(
                Q(candidate__first_name__icontains=word) | Q(candidate__last_name__icontains=word)
            )
        if data.get("status"):
            recommendations = recommendations.filter(status=data["status"])
        if data.get("level"):
            recommendations = recommendations.filter(level=data["level"])
        return recommendations


class StepForm(forms.Form):
    """What a step records besides the new status: the interview's time and place, a decision
    note, or a note sent along as a message."""

    interview_at = forms.DateTimeField(
        label=_("interview date and time"),
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    interview_place = forms.CharField(
        label=_("interview place or link"), max_length=300, required=False
    )
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, step: str, **kwargs: Any) -> None:
        kwargs["prefix"] = step
        super().__init__(*args, **kwargs)
        self.step = step
        if step != Step.SCHEDULE:
            del self.fields["interview_at"], self.fields["interview_place"]
        else:
            del self.fields["note"]
        if step in {Step.ADMIT, Step.DECLINE}:
            self.fields["note"].label = _("decision note")


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


# Rounds -----------------------------------------------------------------------------------------


def ranking_models() -> list[tuple[str, str]]:
    """The ranking models this installation runs: the semantic ones need their packages."""
    semantic = expertise.semantic_available()
    return [
        (value, str(label))
        for value, label in MatchingModel.choices
        if semantic or value == MatchingModel.LEXICAL
    ]


class RoundForm(forms.ModelForm):
    class Meta:
        model = Round
        fields = ["name", "level", "model", "partner_quota", "recommended_only"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["model"]).choices = ranking_models()


class PairRuleForm(forms.ModelForm):
    """A conflict of interest or a pair fixed in advance, for a candidate of the round."""

    class Meta:
        model = RoundPair
        fields = ["candidate", "adviser", "rule"]
        field_classes = {"candidate": CandidateChoiceField, "adviser": AdviserChoiceField}

    def __init__(self, *args: Any, round_: Round, candidates: QuerySet[Candidate], **kwargs: Any):
        kwargs.setdefault("prefix", "rule")
        super().__init__(*args, **kwargs)
        self.instance.round = round_
        _model_choice(self, "candidate").queryset = candidates.select_related("institution")
        _model_choice(self, "adviser").queryset = home_advisers()
