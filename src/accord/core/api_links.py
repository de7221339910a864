"""The ids an API input gives for a record's links (its foreign keys): what each may name, and
the input renamed and checked for the model."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _


def links_of(model: type[Model], **narrowed: QuerySet[Any]) -> dict[str, QuerySet[Any]]:
    """The records each link the API sets on ``model`` (its editable foreign keys) may name:
    any record of the linked model unless ``narrowed``."""
    links: dict[str, QuerySet[Any]] = {}
    for field in model._meta.concrete_fields:
        if field.is_relation and field.editable:
            related: Any = field.related_model
            links[field.name] = narrowed.get(field.name, related._default_manager.all())
    return links


def renamed(data: dict[str, Any], links: dict[str, QuerySet[Any]]) -> dict[str, Any]:
    """``data`` with each of ``links`` given by its attribute name (``person`` -> ``person_id``)."""
    return {f"{name}_id" if name in links else name: value for name, value in data.items()}


def require_known(data: dict[str, Any], links: dict[str, QuerySet[Any]]) -> None:
    """Refuse, naming each field, the ids in (renamed) ``data`` not found among their choices."""
    errors = {}
    for name, choices in links.items():
        pk = data.get(f"{name}_id")
        if pk is not None and not choices.filter(pk=pk).exists():
            errors[name] = _("Unknown %(record)s: %(id)s.") % {
                "record": choices.model._meta.verbose_name,
                "id": pk,
            }
    if errors:
        raise ValidationError(errors)


def emptied(changes: dict[str, Any], empty: dict[str, Any]) -> dict[str, Any]:
    """``changes`` with a null given for a field the database keeps empty (``""``, ``{}``,
    ``[]``) replaced by that empty value."""
    return {
        name: empty[name] if value is None and name in empty else value
        for name, value in changes.items()
    }


def checked(data: dict[str, Any], links: dict[str, QuerySet[Any]]) -> dict[str, Any]:
    """``data`` renamed for the model, its ids refused unless among their choices."""
    data = renamed(data, links)
    require_known(data, links)
    return data
