"""The API's page-number pagination: ``?page=N&page_size=M``, answered as ``{items, count}``."""

from django.conf import settings
from ninja import Field as PageSize
from ninja.pagination import PageNumberPagination


class Page(PageNumberPagination):
    class Input(PageNumberPagination.Input):
        page_size: int = PageSize(settings.ACCORD_PAGE_SIZE, ge=1, le=500)
