from django.urls import path

from accord.core import views

urlpatterns = [path("", views.home, name="home")]
