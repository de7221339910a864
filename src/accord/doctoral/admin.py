"""Back-office fixes of advisers, topics, candidates, recommendations and rounds; every change
audited. Steps of a review and assignments are the pages' and the API's work."""

from django.contrib import admin

from accord.core.admin import AuditedAdmin
from accord.doctoral.models import (
    Adviser,
    Candidate,
    Message,
    Placement,
    Publication,
    Recommendation,
    Round,
    RoundPair,
    Topic,
)


class PublicationInline(admin.TabularInline):
    model = Publication
    extra = 0
    fields = ["title", "year", "doi"]


@admin.register(Adviser)
class AdviserAdmin(AuditedAdmin):
    list_display = ["last_name", "first_name", "institution", "unit", "capacity", "orcid"]
    search_fields = ["last_name", "first_name", "orcid", "email", "keywords"]
    list_select_related = ["institution", "unit"]
    autocomplete_fields = ["institution", "unit", "user"]
    inlines = [PublicationInline]


@admin.register(Publication)
class PublicationAdmin(AuditedAdmin):
    list_display = ["title", "adviser", "year"]
    search_fields = ["title", "doi", "adviser__last_name"]
    list_select_related = ["adviser"]
    autocomplete_fields = ["adviser"]


@admin.register(Topic)
class TopicAdmin(AuditedAdmin):
    list_display = ["title", "adviser", "level", "visibility", "is_open", "deadline"]
    list_filter = ["level", "visibility", "is_open"]
    search_fields = ["title", "description", "adviser__last_name"]
    list_select_related = ["adviser"]
    autocomplete_fields = ["adviser", "field", "shared_with"]


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = readonly_fields = ("author", "text", "created")
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Recommendation)
class RecommendationAdmin(AuditedAdmin):
    list_display = ["candidate", "adviser", "topic", "level", "status", "created"]
    list_filter = ["status", "level"]
    search_fields = ["candidate__last_name", "adviser__last_name", "topic__title"]
    list_select_related = ["candidate", "adviser", "topic"]
    autocomplete_fields = ["candidate", "adviser", "topic"]
    readonly_fields = ["status", "interview_at", "interview_place", "decision_note", "decided"]
    inlines = [MessageInline]


@admin.register(Candidate)
class CandidateAdmin(AuditedAdmin):
    list_display = ["last_name", "first_name", "institution", "citizenship", "created"]
    search_fields = ["last_name", "first_name", "email"]
    list_select_related = ["institution"]
    autocomplete_fields = ["institution"]


class RoundPairInline(admin.TabularInline):
    model = RoundPair
    extra = 0
    autocomplete_fields = ["candidate", "adviser"]


class PlacementInline(admin.TabularInline):
    model = Placement
    extra = 0
    fields = readonly_fields = ("candidate", "adviser", "score")
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Round)
class RoundAdmin(AuditedAdmin):
    list_display = ["name", "level", "status", "total_score", "created"]
    list_filter = ["status", "level"]
    search_fields = ["name"]
    readonly_fields = ["status", "total_score", "error", "finished"]
    inlines = [RoundPairInline, PlacementInline]
