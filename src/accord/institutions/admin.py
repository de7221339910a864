from django.contrib import admin

from accord.core.admin import AuditedAdmin
from accord.institutions import actions
from accord.institutions.models import (
    Contact,
    Field,
    Institution,
    InstitutionDomain,
    InstitutionName,
    InternationalStudents,
    Offering,
    Specialty,
    Unit,
)


class NameInline(admin.TabularInline):
    model = InstitutionName
    extra = 0


class DomainInline(admin.TabularInline):
    model = InstitutionDomain
    extra = 0


class InternationalStudentsInline(admin.TabularInline):
    model = InternationalStudents
    extra = 0


@admin.register(Institution)
class InstitutionAdmin(AuditedAdmin):
    list_display = ["name", "country", "city", "kind", "partner_status", "ror_id"]
    list_filter = ["partner_status", "kind", "country"]
    search_fields = ["name", "search_text", "ror_id", "erasmus_code", "ewp_hei_id"]
    inlines = [NameInline, DomainInline, InternationalStudentsInline]
    autocomplete_fields = ["successor"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        actions.refresh_search_text(form.instance)


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ["name", "kind", "institution", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "institution__name"]
    list_select_related = ["institution", "parent"]
    autocomplete_fields = ["institution", "parent"]


@admin.register(Contact)
class ContactAdmin(AuditedAdmin):
    list_display = ["person_name", "role", "institution", "email"]
    list_filter = ["role"]
    search_fields = ["person_name", "email", "institution__name"]
    list_select_related = ["institution"]
    autocomplete_fields = ["institution", "unit"]


@admin.register(Offering)
class OfferingAdmin(AuditedAdmin):
    list_display = ["institution", "field", "specialty", "level", "title"]
    list_filter = ["level"]
    list_select_related = ["institution", "field", "specialty"]
    autocomplete_fields = ["institution", "unit", "field", "specialty"]


@admin.register(Field)
class FieldAdmin(AuditedAdmin):
    list_display = ["code", "level", "name_en", "name_uk"]
    list_filter = ["level"]
    search_fields = ["code", "name_en", "name_uk"]


@admin.register(Specialty)
class SpecialtyAdmin(AuditedAdmin):
    list_display = ["scheme", "code", "name_en", "name_uk"]
    list_filter = ["scheme"]
    search_fields = ["code", "name_en", "name_uk"]
