from django.contrib import admin

from accord.core.admin import AuditedAdmin
from accord.visits.models import FollowUp, Visit


class FollowUpInline(admin.TabularInline):
    model = FollowUp
    extra = 0
    fields = ["title", "owner", "due_on", "done_on", "concerns", "notes"]
    autocomplete_fields = ["owner", "concerns"]


@admin.register(Visit)
class VisitAdmin(AuditedAdmin):
    list_display = ["title", "kind", "starts_on", "ends_on", "city", "country"]
    list_filter = ["kind"]
    search_fields = ["title", "city", "delegation", "people_met"]
    date_hierarchy = "starts_on"
    filter_horizontal = ["institutions"]
    inlines = [FollowUpInline]


@admin.register(FollowUp)
class FollowUpAdmin(AuditedAdmin):
    list_display = ["title", "owner", "due_on", "done_on", "visit"]
    list_filter = ["done_on"]
    search_fields = ["title", "notes", "owner__username", "owner__last_name"]
    list_select_related = ["owner", "visit"]
    autocomplete_fields = ["visit", "owner", "concerns"]
