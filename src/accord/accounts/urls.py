from django.contrib.auth import views as auth_views
from django.urls import path

from accord.accounts import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        views.AuditedPasswordChangeView.as_view(success_url="/accounts/password/done/"),
        name="password_change",
    ),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("", views.account, name="account"),
    path("tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
]
