from django.urls import path

from accord.agreements import views

urlpatterns = [
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path(
        "agreements/<int:pk>/<slug:action>/",
        views.agreement_transition,
        name="agreement_transition",
    ),
]
