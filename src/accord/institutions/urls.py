from django.urls import path

from accord.institutions import views
from accord.institutions.models import Contact, Offering, Unit

urlpatterns = [
    path("partners/", views.public_directory, name="public_directory"),
    path("registry/", views.institution_list, name="institution_list"),
    path("registry/new/", views.institution_edit, name="institution_create"),
    path("registry/<int:pk>/", views.institution_detail, name="institution_detail"),
    path("registry/<int:pk>/edit/", views.institution_edit, name="institution_edit"),
    path("registry/<int:pk>/delete/", views.institution_delete, name="institution_delete"),
    path(
        "registry/<int:institution_pk>/units/new/",
        views.child_edit,
        {"model": Unit},
        name="unit_create",
    ),
    path("registry/units/<int:pk>/edit/", views.child_edit, {"model": Unit}, name="unit_edit"),
    path(
        "registry/units/<int:pk>/delete/", views.child_delete, {"model": Unit}, name="unit_delete"
    ),
    path(
        "registry/<int:institution_pk>/contacts/new/",
        views.child_edit,
        {"model": Contact},
        name="contact_create",
    ),
    path(
        "registry/contacts/<int:pk>/edit/",
        views.child_edit,
        {"model": Contact},
        name="contact_edit",
    ),
    path(
        "registry/contacts/<int:pk>/delete/",
        views.child_delete,
        {"model": Contact},
        name="contact_delete",
    ),
    path(
        "registry/<int:institution_pk>/offerings/new/",
        views.offering_create,
        name="offering_create",
    ),
    path(
        "registry/offerings/<int:pk>/delete/",
        views.child_delete,
        {"model": Offering},
        name="offering_delete",
    ),
    path("registry/import/", views.import_upload, name="import_upload"),
    path("registry/import/<uuid:pk>/", views.import_status, name="import_status"),
    path("fields/", views.field_list, name="field_list"),
    path("specialties/", views.specialty_list, name="specialty_list"),
]
