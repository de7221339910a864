"""Back-office: the audit log (read-only) and the base class that audits admin changes."""

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from accord.core import actions, audit
from accord.core.models import AuditAction, AuditEntry


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves and deletes go through the audited actions."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            actions.update(request.user, obj, actions.form_changes(form))
        else:
            actions.create(request.user, obj)

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        actions.delete(request.user, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                actions.delete(request.user, obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Many-to-many links are saved here, after save_model: audit them as their own change.
        before = audit.snapshot(form.instance)
        super().save_related(request, form, formsets, change)
        after = audit.snapshot(form.instance)
        m2m_names = {field.name for field in form.instance._meta.many_to_many}
        if change and any(before.get(name) != after.get(name) for name in m2m_names):
            audit.record(request.user, AuditAction.UPDATE, form.instance, before, after)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            actions.delete(request.user, obj)
        for inline_form in formset.forms:
            obj = inline_form.instance
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            if obj._state.adding:
                actions.create(request.user, obj)
            else:
                actions.update(request.user, obj, actions.form_changes(inline_form))
        formset.save_m2m()


def _home_officers_only(request: HttpRequest) -> bool:
    """The back office sees every partner's records, so it is for home officers alone."""
    user: Any = request.user
    return bool(user.is_active and user.is_staff and user.is_home_officer)


admin.site.has_permission = _home_officers_only  # type: ignore[method-assign]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["timestamp", "actor_name", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "actor_name", "object_id", "request_id"]
    date_hierarchy = "timestamp"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
