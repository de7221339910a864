from typing import Any

from django.contrib import admin

from accord.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementParty,
    Direction,
    DirectionAnswer,
    ProposalPackage,
    Quota,
)
from accord.core.admin import AuditedAdmin


class PartyInline(admin.TabularInline):
    model = AgreementParty
    extra = 0
    autocomplete_fields = ["institution"]


class DocumentInline(admin.TabularInline):
    """Signed scans, listed only: they are uploaded and downloaded on the agreement's page,
    which checks who may see them."""

    model = AgreementDocument
    extra = 0
    fields = readonly_fields = ("name", "size", "sha256", "uploaded")
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class QuotaInline(admin.TabularInline):
    model = Quota
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(AuditedAdmin):
    list_display = ["title", "kind", "status", "version_number", "signed_on", "valid_until"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]
    readonly_fields = ["status", "version_number", "version_reason", "previous", "revision"]
    inlines = [PartyInline, QuotaInline, DocumentInline]
    autocomplete_fields = ["parent", "directions"]


class DirectionInline(admin.StackedInline):
    model = Direction
    extra = 0
    autocomplete_fields = ["fields", "specialties", "responsible_unit"]


@admin.register(ProposalPackage)
class ProposalPackageAdmin(AuditedAdmin):
    list_display = ["title", "status", "sent_on"]
    list_filter = ["status"]
    search_fields = ["title"]
    readonly_fields = ["status", "sent_on"]
    autocomplete_fields = ["recipients"]
    inlines = [DirectionInline]


class AnswerInline(admin.TabularInline):
    model = DirectionAnswer
    extra = 0
    autocomplete_fields = ["institution", "partner_unit"]


@admin.register(Direction)
class DirectionAdmin(AuditedAdmin):
    list_display = ["name", "package", "responsible_unit"]
    search_fields = ["name"]
    autocomplete_fields = ["fields", "specialties", "responsible_unit", "package"]
    inlines = [AnswerInline]
