"""Changes to the partner registry. Views, the API, the admin and commands all call these."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from accord.core import actions
from accord.institutions.models import (
    Field,
    FieldLevel,
    Institution,
    InstitutionDomain,
    InstitutionName,
    NameKind,
    Offering,
    Specialty,
    Unit,
)

M = TypeVar("M", bound=models.Model)

# Objects whose change alters what an institution can be found by.
_SEARCHABLE = (Institution, InstitutionName, InstitutionDomain)


def refresh_search_text(institution: Institution) -> None:
    """Recompute the derived search text (not audited: it is derived from audited data)."""
    institution.rebuild_search_text(fresh=True)
    Institution.objects.filter(pk=institution.pk).update(search_text=institution.search_text)


def save(actor: Any, obj: M, changes: dict[str, Any] | None = None) -> M:
    """Create or update a registry object (institution, unit, contact, name, domain, offering...).

    For an update, ``changes`` names the fields to take (see :func:`accord.core.actions.update`).
    """
    with transaction.atomic():
        if obj._state.adding:
            actions.create(actor, obj)
        else:
            actions.update(actor, obj, changes)
        if isinstance(obj, _SEARCHABLE):
            refresh_search_text(obj if isinstance(obj, Institution) else obj.institution)
    return obj


def delete(actor: Any, obj: models.Model) -> None:
    """Delete a registry object with its audit entry."""
    with transaction.atomic():
        institution = getattr(obj, "institution", None)
        try:
            actions.delete(actor, obj)
        except models.ProtectedError as error:
            names = ", ".join(sorted({str(item) for item in error.protected_objects})[:5])
            raise ValidationError(
                _("%(object)s cannot be deleted: it is still referred to by %(names)s."),
                params={"object": obj, "names": names},
            ) from error
        if isinstance(obj, _SEARCHABLE) and isinstance(institution, Institution):
            refresh_search_text(institution)


def _replace_names(actor: Any, institution: Institution, names: list[dict[str, Any]]) -> None:
    wanted = {(n["language"], n.get("kind") or NameKind.OFFICIAL, n["name"].strip()) for n in names}
    for existing in institution.names.all():
        key = (existing.language, existing.kind, existing.name)
        if key in wanted:
            wanted.discard(key)
        else:
            actions.delete(actor, existing)
    for language, kind, name in sorted(wanted):
        actions.create(
            actor, InstitutionName(institution=institution, language=language, kind=kind, name=name)
        )


def _replace_domains(actor: Any, institution: Institution, domains: list[str]) -> None:
    wanted = {domain.strip().lower() for domain in domains if domain.strip()}
    for existing in institution.domains.all():
        if existing.domain in wanted:
            wanted.discard(existing.domain)
        else:
            actions.delete(actor, existing)
    for domain in sorted(wanted):
        actions.create(actor, InstitutionDomain(institution=institution, domain=domain))


def create_institution(
    actor: Any,
    institution: Institution,
    names: list[dict[str, Any]] | None = None,
    domains: list[str] | None = None,
) -> Institution:
    """Create an institution with its names in other languages and its web domains."""
    with transaction.atomic():
        actions.create(actor, institution)
        _replace_names(actor, institution, names or [])
        _replace_domains(actor, institution, domains or [])
        refresh_search_text(institution)
    return institution


def update_institution(
    actor: Any,
    institution: Institution,
    changes: dict[str, Any],
    names: list[dict[str, Any]] | None = None,
    domains: list[str] | None = None,
) -> Institution:
    """Change an institution's profile; ``names`` and ``domains``, when given, replace the old ones."""
    with transaction.atomic():
        actions.update(actor, institution, changes)
        if names is not None:
            _replace_names(actor, institution, names)
        if domains is not None:
            _replace_domains(actor, institution, domains)
        refresh_search_text(institution)
    return institution


def offer(
    actor: Any,
    institution: Institution,
    *,
    level: int,
    field_code: str | None = None,
    specialty_id: int | None = None,
    unit: Unit | None = None,
    title: str = "",
) -> Offering:
    """Record that an institution teaches a specialty or field at a level.

    Without a field, the specialty's first ISCED-F field is used.
    """
    specialty = Specialty.objects.filter(pk=specialty_id).first() if specialty_id else None
    if specialty_id and specialty is None:
        raise ValidationError({"specialty": _("No such specialty.")})
    field = (
        Field.objects.filter(pk=field_code, level=FieldLevel.DETAILED).first()
        if field_code
        else None
    )
    if field_code and field is None:
        raise ValidationError(
            {"field": _("%(code)s is not an ISCED-F detailed field.") % {"code": field_code}}
        )
    if field is None and specialty is not None:
        field = specialty.primary_field
    if field is None:
        raise ValidationError(
            {"field": _("Give an ISCED-F detailed field or a specialty mapped to one.")}
        )
    offering = Offering(
        institution=institution,
        unit=unit,
        field=field,
        specialty=specialty,
        level=level,
        title=title,
    )
    return actions.create(actor, offering)
