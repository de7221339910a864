"""Steps every app's pages take alike: saving a form's record through the actions, deleting a
record, each showing a refusal instead of failing."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms import BaseForm, ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accord.core import actions as core_actions
from accord.core import audit
from accord.core.errors import Conflict
from accord.core.forms import add_errors
from accord.core.models import AuditEntry
from accord.core.refusals import refused


def history_shown(obj: Model, hidden: Collection[str], shown: bool) -> list[AuditEntry]:
    """The record's latest history; the fields ``hidden`` left out unless ``shown``."""
    entries = list(audit.history(obj)[:50])
    if not shown:
        for entry in entries:
            for state in (entry.before, entry.after):
                for name in hidden:
                    if state:
                        state.pop(name, None)
    return entries


def saved(request: HttpRequest, form: BaseForm, save: Callable[[], object]) -> bool:
    """Run ``save``; a refusal is shown on the form, success as a message after redirecting."""
    try:
        save()
    except Conflict as error:
        form.add_error(None, str(error))
    except ValidationError as error:
        add_errors(form, error)
    else:
        messages.success(request, _("Saved."))
        return True
    return False


def saved_record(
    request: HttpRequest,
    form: ModelForm[Any],
    create: Callable[[Any, Any], object],
    update: Callable[[Any, Any, dict[str, Any]], object],
) -> bool:
    """Save a valid form's new record with ``create``, a changed one with ``update`` (given the
    changed fields), as :func:`saved`."""
    user: Any = request.user
    record: Model = form.instance
    if record.pk is None:
        return saved(request, form, lambda: create(user, record))
    changes = core_actions.form_changes(form)
    return saved(request, form, lambda: update(user, record, changes))


def deleted(request: HttpRequest, delete: Callable[[], object], name: str, pk: int) -> HttpResponse:
    """Run ``delete``; refused, back to the record's page (``<name>_detail``) with the reason,
    else on to the list (``<name>_list``)."""
    if refused(request, delete):
        return redirect(f"{name}_detail", pk=pk)
    messages.success(request, _("Deleted."))
    return redirect(f"{name}_list")


def edit_page(
    request: HttpRequest,
    form: ModelForm[Any],
    create: Callable[[Any, Any], object],
    update: Callable[[Any, Any, dict[str, Any]], object],
    detail: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """A record's form page: once saved (:func:`saved_record`) on to its ``detail`` page, else
    the ``template`` with the form."""
    if request.method == "POST" and form.is_valid() and saved_record(request, form, create, update):
        return redirect(detail, pk=form.instance.pk)
    return render(request, template, {"form": form, **context})
