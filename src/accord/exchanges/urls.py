from django.urls import path

from accord.exchanges import import_views, report_views, views

urlpatterns = [
    path("mobilities/", views.mobility_list, name="mobility_list"),
    path("mobilities/new/", views.mobility_edit, name="mobility_create"),
    path("mobilities/import/", import_views.import_upload, name="mobility_import"),
    path("mobilities/import/<uuid:pk>/", import_views.import_status, name="mobility_import_status"),
    path("mobilities/<int:pk>/", views.mobility_detail, name="mobility_detail"),
    path("mobilities/<int:pk>/edit/", views.mobility_edit, name="mobility_edit"),
    path("mobilities/<int:pk>/delete/", views.mobility_delete, name="mobility_delete"),
    path("mobilities/<int:pk>/step/<str:step>/", views.mobility_step, name="mobility_step"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_edit, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/delete/", views.person_delete, name="person_delete"),
    path("balances/", report_views.balances, name="balances"),
    path("portal/", report_views.portal, name="portal"),
    path("agreements/<int:pk>/quota-use/", report_views.quota_use, name="agreement_quota_use"),
]
