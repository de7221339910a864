"""``{% agreement_documents agreement user as section %}``: what the documents section shows."""

from typing import Any

from django import template

from accord.agreements import documents
from accord.agreements.models import Agreement

register = template.Library()


@register.simple_tag
def agreement_documents(agreement: Agreement, user: Any) -> documents.DocumentsSection:
    """The PDF links, the signed scans and whether ``user`` may upload, for ``agreement``."""
    return documents.documents_section(agreement, user)
