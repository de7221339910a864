from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accord.reminders.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are made by ``accord remind`` and read by their recipients."""

    list_display = ["created", "user", "kind", "agreement", "follow_up", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user", "agreement", "follow_up"]
    search_fields = ["user__username", "key"]
    date_hierarchy = "created"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
