from django.urls import path

from accord.visits import views

urlpatterns = [
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/new/", views.visit_edit, name="visit_create"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/delete/", views.visit_delete, name="visit_delete"),
    path("visits/<int:visit_pk>/follow-ups/new/", views.follow_up_edit, name="follow_up_create"),
    path("follow-ups/<int:pk>/edit/", views.follow_up_edit, name="follow_up_edit"),
    path("follow-ups/<int:pk>/delete/", views.follow_up_delete, name="follow_up_delete"),
    path("follow-ups/<int:pk>/done/", views.follow_up_mark, {"done": True}, name="follow_up_done"),
    path(
        "follow-ups/<int:pk>/reopen/",
        views.follow_up_mark,
        {"done": False},
        name="follow_up_reopen",
    ),
    path("tasks/", views.task_list, name="task_list"),
]
