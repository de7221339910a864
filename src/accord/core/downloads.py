"""Stored files handed to those who may see them, and to no cache on the way."""

from pathlib import PurePath

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def private_download(file: FieldFile, content_type: str, missing: str) -> FileResponse:
    """``file`` as an attachment no shared cache keeps; ``missing`` is the 404's message when
    its stored file is gone."""
    try:
        handle = file.open("rb")
    except FileNotFoundError as error:
        raise Http404(missing) from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=PurePath(file.name or "").name,
        content_type=content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
