from django.contrib import admin

from accord.agreements.models import Agreement, AgreementParty
from accord.core.admin import AuditedAdmin


class PartyInline(admin.TabularInline):
    model = AgreementParty
    extra = 0
    autocomplete_fields = ["institution"]


@admin.register(Agreement)
class AgreementAdmin(AuditedAdmin):
    list_display = ["title", "kind", "status", "signed_on", "valid_until"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]
    readonly_fields = ["status"]
    inlines = [PartyInline]
    autocomplete_fields = ["parent"]
