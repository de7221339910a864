from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accord.accounts.models import ApiToken, RoleGrant, User
from accord.core.admin import AuditedAdmin


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 1


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Accord", {"fields": ("institution", "unit")}),
    )
    list_display = ["username", "email", "institution", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "role_grants__role"]
    list_select_related = ["institution"]
    inlines = [RoleGrantInline]
    autocomplete_fields = ["institution"]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ["name", "user", "prefix", "created"]
    readonly_fields = ["user", "prefix", "created"]
    fields = ["user", "name", "prefix", "created"]

    def has_add_permission(self, request: object) -> bool:
        return False
