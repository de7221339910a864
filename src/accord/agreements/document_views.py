"""Pages for agreement documents: the PDF in two languages, and signed scans.

Anyone who may see the agreement gets the PDF and downloads the scans; home officers upload and
delete scans. An agreement the user may not see is a 404, one they may only see a 403 on changes.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accord.agreements import access, documents


def _back_to_documents(pk: int) -> HttpResponse:
    return redirect(reverse("agreement_detail", args=[pk]) + "#documents")


@login_required
@require_GET
def agreement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The agreement as a PDF; ``?languages=uk,en`` chooses the columns."""
    agreement = get_object_or_404(access.agreements_for(request.user), pk=pk)
    try:
        languages = documents.parse_languages(agreement, request.GET.get("languages"))
    except ValidationError as error:
        return HttpResponseBadRequest(
            " ".join(error.messages), content_type="text/plain; charset=utf-8"
        )
    return documents.pdf_response(agreement, languages)


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int, document_pk: int) -> HttpResponseBase:
    agreement = get_object_or_404(access.agreements_for(request.user), pk=pk)
    document = get_object_or_404(agreement.documents.all(), pk=document_pk)
    return documents.download_response(document)


@login_required
@require_POST
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a signed scan (home officers); the outcome is shown on the agreement's page."""
    agreement = access.changeable_agreement(request.user, access.agreements_for(request.user), pk)
    try:
        document = documents.upload_document(request.user, agreement, request.FILES.get("file"))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Signed scan %(name)s uploaded.") % {"name": document.name})
    return _back_to_documents(pk)


@login_required
@require_POST
def document_delete(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    agreement = access.changeable_agreement(request.user, access.agreements_for(request.user), pk)
    document = get_object_or_404(agreement.documents.all(), pk=document_pk)
    documents.delete_document(request.user, document)
    messages.success(request, _("Signed scan %(name)s deleted.") % {"name": document.name})
    return _back_to_documents(pk)
