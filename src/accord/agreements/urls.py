from django.urls import path

from accord.agreements import document_views, package_views, views

urlpatterns = [
    path("packages/", package_views.package_list, name="package_list"),
    path("packages/new/", package_views.package_edit, name="package_create"),
    path("packages/<int:pk>/", package_views.package_detail, name="package_detail"),
    path("packages/<int:pk>/edit/", package_views.package_edit, name="package_edit"),
    path("packages/<int:pk>/send/", package_views.package_send, name="package_send"),
    path("packages/<int:pk>/close/", package_views.package_close, name="package_close"),
    path(
        "packages/<int:pk>/directions/",
        package_views.package_direction_add,
        name="package_direction_add",
    ),
    path(
        "packages/<int:pk>/suggestions/",
        package_views.package_suggestion_add,
        name="package_suggestion_add",
    ),
    path(
        "packages/<int:pk>/protocols/<int:partner>/",
        package_views.package_protocol,
        name="package_protocol",
    ),
    path(
        "directions/<int:pk>/withdraw/",
        package_views.direction_withdraw,
        name="direction_withdraw",
    ),
    path("directions/<int:pk>/answer/", package_views.direction_answer, name="direction_answer"),
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/new/", views.agreement_edit, name="agreement_create"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="agreement_edit"),
    path(
        "agreements/<int:pk>/transitions/<slug:action>/",
        views.agreement_transition,
        name="agreement_transition",
    ),
    path(
        "agreements/<int:pk>/versions/<slug:reason>/",
        views.agreement_version,
        name="agreement_version",
    ),
    path(
        "agreements/<int:pk>/compare/<int:other>/",
        views.agreement_compare,
        name="agreement_compare",
    ),
    path("agreements/<int:pk>/quotas/", views.quota_add, name="quota_add"),
    path("quotas/<int:pk>/delete/", views.quota_delete, name="quota_delete"),
    path(
        "agreements/<int:pk>/directions/",
        views.agreement_direction_add,
        name="agreement_direction_add",
    ),
    path(
        "agreements/<int:pk>/document.pdf",
        document_views.agreement_pdf,
        name="agreement_document_pdf",
    ),
    path(
        "agreements/<int:pk>/documents/upload/",
        document_views.document_upload,
        name="agreement_document_upload",
    ),
    path(
        "agreements/<int:pk>/documents/<int:document_pk>/",
        document_views.document_download,
        name="agreement_document_download",
    ),
    path(
        "agreements/<int:pk>/documents/<int:document_pk>/delete/",
        document_views.document_delete,
        name="agreement_document_delete",
    ),
]
