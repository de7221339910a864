"""Where signed scans are kept: outside MEDIA_ROOT, given out only by views that check access."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files under ``ACCORD_PRIVATE_DIR``; they have no public URL.

    The folder is read from the settings on every use, so a changed setting (tests) applies.
    """

    @property
    def base_location(self) -> str:
        return str(settings.ACCORD_PRIVATE_DIR)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Private files are downloaded through a view that checks access.")


_private_storage = PrivateStorage()


def private_storage() -> PrivateStorage:
    """The storage of signed scans (a callable, so migrations do not record the folder)."""
    return _private_storage
