"""Uploading a file of people and mobilities; the import runs in the background."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_htmx.middleware import HtmxDetails

from accord.core import jobs
from accord.core.models import Job
from accord.exchanges import access, tasks
from accord.exchanges.tabular import MOBILITY_COLUMNS, REQUIRED_COLUMNS

SUFFIXES = (".csv", ".xlsx")


class ImportForm(forms.Form):
    upload = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8) or XLSX; the first row names the columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )

    def clean_upload(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["upload"]
        check_upload(upload)
        return upload


def check_upload(upload: UploadedFile) -> None:
    """Refuse a file the import cannot take, before it is kept."""
    if Path(upload.name or "").suffix.lower() not in SUFFIXES:
        raise ValidationError(_("Upload a .csv or .xlsx file."))
    if (upload.size or 0) > settings.ACCORD_MAX_IMPORT_MB * 1024 * 1024:
        raise ValidationError(
            _("The file is larger than %(size)s MB.") % {"size": settings.ACCORD_MAX_IMPORT_MB}
        )


def require_importer(user: Any) -> None:
    if not access.may_create_person(user):
        raise PermissionDenied(_("Only those who may nominate import mobilities."))


def import_jobs_for(user: Any) -> QuerySet[Job]:
    """Imports the user may follow: those they started; every one for home officers."""
    imports = Job.objects.filter(kind=tasks.JOB_KIND)
    return imports if user.is_home_officer else imports.filter(created_by=user.pk)


def start_import(user: Any, upload: UploadedFile) -> Job:
    """Keep the upload and start the background import as ``user``."""
    folder, [path] = jobs.save_uploads([upload], "upload.csv")
    with transaction.atomic():
        return jobs.start(
            tasks.JOB_KIND,
            user,
            tasks.import_mobilities,
            str(folder),
            path,
            getattr(user, "pk", None),
        )


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload a file of people and mobilities (anyone who may nominate)."""
    require_importer(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = start_import(request.user, form.cleaned_data["upload"])
        return redirect("mobility_import_status", pk=job.pk)
    context = {"form": form, "columns": MOBILITY_COLUMNS, "required": REQUIRED_COLUMNS}
    return render(request, "exchanges/import.html", context)


@login_required
def import_status(request: HttpRequest, pk: str) -> HttpResponse:
    """The import's progress; the page polls it while the job runs. Only its starter (and
    home officers) see it."""
    require_importer(request.user)
    job = get_object_or_404(import_jobs_for(request.user), pk=pk)
    context = {
        "job": job,
        "progress": jobs.progress(str(job.pk)),
        "status_url": reverse("mobility_import_status", args=[job.pk]),
        "done_template": "exchanges/_import_done.html",
    }
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    template = "core/_job.html" if htmx else "exchanges/import_status.html"
    return render(request, template, context)
