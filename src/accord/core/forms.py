"""Helpers shared by every app's forms."""

from django.core.exceptions import ValidationError
from django.forms import BaseForm


def add_errors(form: BaseForm, error: ValidationError) -> None:
    """Show an action's refusal on the form, by field where the form has that field."""
    if hasattr(error, "error_dict"):
        for field, field_messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_messages)
    else:
        form.add_error(None, error.messages)


def errors_text(form: BaseForm) -> str:
    """A form's errors as one line, for a message after a redirect."""
    return " ".join(str(message) for messages in form.errors.values() for message in messages)
