from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from accord.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accord.accounts.urls")),
    path("", include("accord.institutions.urls")),
    path("", include("accord.agreements.urls")),
    path("", include("accord.visits.urls")),
    path("", include("accord.exchanges.urls")),
    path("", include("accord.doctoral.urls")),
    path("", include("accord.reminders.urls")),
    path("", include("accord.ewp.urls")),
    path("", include("accord.core.urls")),
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]
