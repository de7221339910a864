"""The user's own account page: roles, API tokens, reminder language and calendar address."""

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordChangeView
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accord.accounts import actions
from accord.accounts.models import User
from accord.core import audit
from accord.core.models import AuditAction
from accord.reminders.forms import MailLanguageForm


class AuditedPasswordChangeView(PasswordChangeView):
    """Django's password change, with its audit entry in the same transaction."""

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            user = form.user
            audit.record(
                user,
                AuditAction.UPDATE,
                user,
                {"password": audit.MASKED},
                {"password": "changed"},
            )
        return response


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Token name"), max_length=100)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    new_token = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_token = actions.issue_token(user, form.cleaned_data["name"])
        form = TokenForm()
    context = {
        "form": form,
        "new_token": new_token,
        "tokens": user.api_tokens.all(),
        "language_form": MailLanguageForm(instance=user),
        "calendar_url": request.build_absolute_uri(
            reverse("calendar_feed", args=[user.calendar_key])
        )
        if user.calendar_key
        else None,
    }
    return render(request, "accounts/account.html", context)


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    actions.revoke_token(user, get_object_or_404(user.api_tokens, pk=pk))
    messages.success(request, _("The token was revoked."))
    return redirect("account")
