from django.urls import path

from accord.ewp import server, views

app_name = "ewp"

urlpatterns = [
    path("ewp/iias/index", server.iias_index, name="iias-index"),
    path("ewp/iias/get", server.iias_get, name="iias-get"),
    path("ewp/iias/approval", server.iias_approval, name="iias-approval"),
    path("ewp/institutions", server.institutions, name="institutions"),
    path("ewp/ounits", server.ounits, name="ounits"),
    path("agreements/<int:pk>/ewp/", views.agreement_ewp, name="agreement"),
    path(
        "agreements/<int:pk>/ewp/terms/<str:mobility_type>/<str:flow>/",
        views.terms_edit,
        name="terms",
    ),
    path("ewp/copies/<int:pk>/approve/", views.approve_copy, name="approve"),
]
