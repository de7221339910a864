"""Pages for a user's notifications and their calendar feed."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accord.accounts.models import User
from accord.reminders import actions, calendar
from accord.reminders.forms import MailLanguageForm
from accord.reminders.models import Notification, NotificationQuerySet
from accord.reminders.service import mail_language


def _own(request: HttpRequest) -> NotificationQuerySet:
    return Notification.objects.for_display().filter(user=cast(User, request.user))


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(_own(request), settings.ACCORD_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reminders/notifications.html", {"page": page})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(_own(request), pk=pk)
    actions.mark_read(cast(User, request.user), Notification.objects.filter(pk=pk))
    if getattr(request, "htmx", False):
        notification.refresh_from_db(fields=["read_at"])
        context = {"notification": notification, "swap_badge": True}
        return render(request, "reminders/_notification.html", context)
    return redirect("notification_list")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = actions.mark_read(cast(User, request.user), Notification.objects.all())
    if getattr(request, "htmx", False):
        page = Paginator(_own(request), settings.ACCORD_PAGE_SIZE).get_page(1)
        return render(request, "reminders/_list.html", {"page": page, "swap_badge": True})
    messages.success(
        request,
        ngettext(
            "%(count)d notification marked read.", "%(count)d notifications marked read.", count
        )
        % {"count": count},
    )
    return redirect("notification_list")


@require_GET
def calendar_feed(request: HttpRequest, key: str) -> HttpResponse:
    """The calendar of the user holding ``key``: no login, the key is the secret."""
    user = User.objects.filter(calendar_key=key, is_active=True).first()
    if user is None:
        raise Http404
    with translation.override(mail_language(user)):
        body = calendar.feed(user, request.build_absolute_uri, request.get_host())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="accord.ics"'
    response["Cache-Control"] = "private, no-cache"
    # The key is in the address: keep it out of the Referer of any link followed from here.
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_POST
def reset_calendar_key(request: HttpRequest) -> HttpResponse:
    actions.reset_calendar_key(cast(User, request.user))
    messages.success(
        request, _("Your calendar has a new address; the previous one no longer works.")
    )
    return redirect("account")


@login_required
@require_POST
def set_mail_language(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = MailLanguageForm(request.POST, instance=User.objects.get(pk=user.pk))
    if form.is_valid():
        actions.set_mail_language(user, form.cleaned_data["language"])
        messages.success(request, _("The language of your e-mails was saved."))
    else:
        messages.error(request, _("Choose one of the languages offered."))
    return redirect("account")
