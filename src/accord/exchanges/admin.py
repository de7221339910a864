"""Back-office fixes of people and mobilities; every change audited. The quota and agreement
checks of nominations are the pages' and the API's: the back office corrects records."""

from django.contrib import admin

from accord.core.admin import AuditedAdmin
from accord.exchanges.models import Mobility, Person


class MobilityInline(admin.TabularInline):
    model = Mobility
    fk_name = "person"
    extra = 0
    fields = readonly_fields = ("mobility_type", "flow", "agreement", "academic_year", "status")
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    list_display = ["last_name", "first_name", "kind", "citizenship", "institution"]
    list_filter = ["kind"]
    search_fields = ["last_name", "first_name", "email"]
    list_select_related = ["institution"]
    autocomplete_fields = ["institution", "unit"]
    inlines = [MobilityInline]


@admin.register(Mobility)
class MobilityAdmin(AuditedAdmin):
    list_display = [
        "person",
        "mobility_type",
        "flow",
        "sending_institution",
        "receiving_institution",
        "academic_year",
        "status",
    ]
    list_filter = ["status", "flow", "mobility_type", "academic_year"]
    search_fields = ["person__last_name", "person__first_name", "person__email"]
    list_select_related = ["person", "sending_institution", "receiving_institution"]
    autocomplete_fields = [
        "person",
        "sending_institution",
        "sending_unit",
        "receiving_institution",
        "receiving_unit",
        "agreement",
        "direction",
    ]
    readonly_fields = ["months", "nominated_by"]
