"""Back-office fixes of EWP records, every change audited. Copies come in by import or pull,
approvals from the agreement's EWP page."""

from django.contrib import admin

from accord.core.admin import AuditedAdmin
from accord.ewp.models import EwpPartner, IiaLink, MobilityTerms, PartnerIia


@admin.register(MobilityTerms)
class MobilityTermsAdmin(AuditedAdmin):
    list_display = ["agreement", "mobility_type", "flow", "blended"]
    list_select_related = ["agreement"]
    list_filter = ["mobility_type", "flow"]
    autocomplete_fields = ["agreement"]


@admin.register(IiaLink)
class IiaLinkAdmin(AuditedAdmin):
    list_display = ["iia_id", "agreement", "partner_approved_hash", "partner_checked"]
    list_select_related = ["agreement"]
    search_fields = ["iia_id", "agreement__title"]
    readonly_fields = ["agreement"]


@admin.register(PartnerIia)
class PartnerIiaAdmin(AuditedAdmin):
    list_display = ["iia_id", "institution", "agreement", "in_effect", "received"]
    list_select_related = ["institution", "agreement"]
    search_fields = ["iia_id", "iia_code", "institution__name"]
    autocomplete_fields = ["agreement"]
    readonly_fields = [
        "institution",
        "iia_id",
        "published_hash",
        "hash",
        "valid_for_approval",
        "conditions",
        "xml",
        "approved_hash",
        "approved_on",
    ]


@admin.register(EwpPartner)
class EwpPartnerAdmin(AuditedAdmin):
    list_display = ["institution", "api_url", "key_id"]
    list_select_related = ["institution"]
    autocomplete_fields = ["institution"]
    search_fields = ["institution__name", "institution__ewp_hei_id"]
