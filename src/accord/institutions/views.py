"""Pages of the partner registry and the public partner directory."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Model, QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from accord.core import actions as core_actions
from accord.core import jobs
from accord.core.forms import add_errors
from accord.core.models import AuditEntry, Job
from accord.institutions import access, actions, tasks
from accord.institutions.forms import (
    ContactForm,
    ImportForm,
    InstitutionFilterForm,
    InstitutionForm,
    InternationalStudentsFormSet,
    NameFormSet,
    OfferingForm,
    UnitForm,
)
from accord.institutions.models import (
    Contact,
    Field,
    FieldLevel,
    Institution,
    InstitutionName,
    InstitutionQuerySet,
    InternationalStudents,
    Offering,
    Specialty,
    Unit,
)


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


def _page(request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    return Paginator(queryset, settings.ACCORD_PAGE_SIZE).get_page(request.GET.get("page"))


def _filtered(
    request: HttpRequest, queryset: InstitutionQuerySet
) -> tuple[InstitutionFilterForm, InstitutionQuerySet]:
    countries = list(queryset.order_by().values_list("country", flat=True).distinct())
    form = InstitutionFilterForm(request.GET or None, countries=countries)
    if form.is_valid():
        data = form.cleaned_data
        queryset = queryset.search(data["q"])
        for name in ("country", "kind", "partner_status"):
            if data[name]:
                queryset = queryset.filter(**{name: data[name]})
    return form, queryset


def public_directory(request: HtmxRequest) -> HttpResponse:
    """Partner institutions, for anyone: name, country, city."""
    form, partners = _filtered(request, Institution.objects.partners())
    page = _page(request, partners.only("name", "country", "city", "website"))
    template = (
        "institutions/_directory_rows.html" if request.htmx else "institutions/directory.html"
    )
    return render(request, template, {"form": form, "page": page})


@login_required
def institution_list(request: HtmxRequest) -> HttpResponse:
    form, institutions = _filtered(request, access.institutions_for(request.user))
    page = _page(request, institutions.only("name", "country", "city", "kind", "partner_status"))
    context = {
        "form": form,
        "page": page,
        "can_create": access.can_create_institution(request.user),
    }
    template = "institutions/_rows.html" if request.htmx else "institutions/list.html"
    return render(request, template, context)


def _unit_tree(units: list[Unit]) -> list[tuple[Unit, int]]:
    """Units in tree order with their depth."""
    children: dict[int | None, list[Unit]] = defaultdict(list)
    for unit in units:
        children[unit.parent_id].append(unit)
    ordered: list[tuple[Unit, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in children.get(parent_id, []):
            ordered.append((unit, depth))
            walk(unit.pk, depth + 1)

    walk(None, 0)
    return ordered


def _grouped_by_programme(offerings: QuerySet[Offering]) -> list[list[Offering]]:
    """One row per programme (title, field, specialty, unit) with its levels."""
    groups: dict[tuple[str, str, int | None, int | None], list[Offering]] = {}
    for offering in offerings.order_by("field_id", "title", "level"):
        key = (offering.title, offering.field_id, offering.specialty_id, offering.unit_id)
        groups.setdefault(key, []).append(offering)
    return list(groups.values())


@login_required
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    queryset = access.institutions_for(request.user).prefetch_related(
        "names", "domains", "international_students"
    )
    institution = get_object_or_404(queryset.select_related("successor"), pk=pk)
    context = {
        "institution": institution,
        "can_change": access.institutions_for(request.user, "change").filter(pk=pk).exists(),
        "units": _unit_tree(list(institution.units.all())),
        "contacts": institution.contacts.select_related("unit"),
        "offerings": _grouped_by_programme(
            institution.offerings.select_related("field", "specialty", "unit")
        ),
        "history": AuditEntry.objects.filter(institution_id=pk)[:50],
    }
    return render(request, "institutions/detail.html", context)


def _save_formset(user: Any, formset: BaseInlineFormSet) -> None:
    """Save a formset's new, changed and deleted rows through the actions, field by field."""
    formset.save(commit=False)
    for form in formset.forms:
        obj = form.instance
        if form in formset.deleted_forms:
            if obj.pk is not None:
                actions.delete(user, obj)
        elif obj.pk is None:
            if form.has_changed():
                actions.save(user, obj)
        elif form.has_changed():
            actions.save(user, obj, core_actions.form_changes(form))


@login_required
def institution_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create (home officers) or edit (whoever may change it) an institution."""
    if pk is None:
        if not access.can_create_institution(request.user):
            raise PermissionDenied
        institution = Institution()
    else:
        institution = access.changeable_institution(request.user, pk)
    may_classify = access.can_create_institution(request.user)
    original = core_actions.snapshot_for_edit(institution)
    data = request.POST if request.method == "POST" else None
    form = InstitutionForm(data, instance=institution, may_classify=may_classify)
    formsets: list[BaseInlineFormSet[Any, Any, Any]] = [
        NameFormSet(data, instance=institution, prefix="names"),
        InternationalStudentsFormSet(data, instance=institution, prefix="students"),
    ]
    if data is not None and form.is_valid() and all(f.is_valid() for f in formsets):
        try:
            with transaction.atomic():
                domains = form.cleaned_data.get("domains")
                if institution.pk is None:
                    actions.create_institution(request.user, form.instance, domains=domains)
                else:
                    changes = core_actions.edits(original, form.instance)
                    actions.update_institution(
                        request.user, form.instance, changes, domains=domains
                    )
                for formset in formsets:
                    formset.instance = form.instance
                    _save_formset(request.user, formset)
                actions.refresh_search_text(form.instance)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("institution_detail", pk=form.instance.pk)
    titles = [
        InstitutionName._meta.verbose_name_plural,
        InternationalStudents._meta.verbose_name_plural,
    ]
    context = {
        "form": form,
        "formsets": list(zip(titles, formsets, strict=True)),
        "institution": institution,
    }
    return render(request, "institutions/institution_form.html", context)


# Units, contacts and offerings share one edit and one delete view.
_CHILD_FORMS: dict[type[Model], type[UnitForm] | type[ContactForm]] = {
    Unit: UnitForm,
    Contact: ContactForm,
}


@login_required
def child_edit(
    request: HttpRequest,
    model: type[Model],
    institution_pk: int | None = None,
    pk: int | None = None,
) -> HttpResponse:
    if pk is None:
        assert institution_pk is not None
        institution = access.changeable_institution(request.user, institution_pk)
        instance = model(institution=institution)
    else:
        instance = access.changeable_child(request.user, model, pk)
        institution = instance.institution
    original = core_actions.snapshot_for_edit(instance)
    form = _CHILD_FORMS[model](request.POST or None, instance=instance, institution=institution)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save(request.user, form.instance, core_actions.edits(original, form.instance))
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("institution_detail", pk=institution.pk)
    context = {
        "form": form,
        "institution": institution,
        "title": model._meta.verbose_name,
        "delete_url": reverse(f"{model._meta.model_name}_delete", args=[pk]) if pk else None,
    }
    return render(request, "institutions/child_form.html", context)


@login_required
def offering_create(request: HttpRequest, institution_pk: int) -> HttpResponse:
    institution = access.changeable_institution(request.user, institution_pk)
    form = OfferingForm(request.POST or None, institution=institution)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.offer(
                request.user,
                institution,
                level=data["level"],
                field_code=data["field"].pk if data["field"] else None,
                specialty_id=data["specialty"].pk if data["specialty"] else None,
                unit=data["unit"],
                title=data["title"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("institution_detail", pk=institution.pk)
    context = {"form": form, "institution": institution, "title": Offering._meta.verbose_name}
    return render(request, "institutions/child_form.html", context)


def _deleted(request: HttpRequest, obj: Model) -> bool:
    """Delete through the actions; a refusal becomes a message for the user."""
    try:
        actions.delete(request.user, obj)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    messages.success(request, _("Deleted."))
    return True


@login_required
@require_POST
def child_delete(request: HttpRequest, model: type[Model], pk: int) -> HttpResponse:
    instance = access.changeable_child(request.user, model, pk)
    _deleted(request, instance)
    return redirect("institution_detail", pk=instance.institution_id)


@login_required
@require_POST
def institution_delete(request: HttpRequest, pk: int) -> HttpResponse:
    institution = access.changeable_institution(request.user, pk)
    if not access.can_create_institution(request.user):
        raise PermissionDenied
    if _deleted(request, institution):
        return redirect("institution_list")
    return redirect("institution_edit", pk=pk)


def field_list(request: HttpRequest) -> HttpResponse:
    """ISCED-F 2013 fields as a tree (public reference)."""
    fields = Field.objects.all()
    return render(request, "institutions/fields.html", {"fields": fields, "levels": FieldLevel})


def specialty_list(request: HttpRequest) -> HttpResponse:
    """The national specialty list with its ISCED-F mapping (public reference)."""
    specialties = Specialty.objects.prefetch_related("fields")
    return render(request, "institutions/specialties.html", {"specialties": specialties})


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload institution files; the import runs in the background (home officers only)."""
    if not access.can_create_institution(request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        folder, paths = jobs.save_uploads(form.cleaned_data["uploads"], "upload.json")
        with transaction.atomic():
            job = jobs.start(
                "import-institutions",
                request.user,
                tasks.import_institutions,
                str(folder),
                paths,
                request.user.pk,
            )
        return redirect("import_status", pk=job.pk)
    return render(request, "institutions/import.html", {"form": form})


@login_required
def import_status(request: HtmxRequest, pk: str) -> HttpResponse:
    """The import's progress; the page polls this while the job runs."""
    if not access.can_create_institution(request.user):
        raise PermissionDenied
    job = get_object_or_404(Job, pk=pk, kind="import-institutions")
    context = {"job": job, "progress": jobs.progress(str(job.pk))}
    template = (
        "institutions/_import_status.html" if request.htmx else "institutions/import_status.html"
    )
    return render(request, template, context)
