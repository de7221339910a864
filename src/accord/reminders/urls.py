from django.urls import path

from accord.reminders import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/<int:pk>/read/", views.mark_read, name="notification_read"),
    path("notifications/read-all/", views.mark_all_read, name="notifications_read_all"),
    path("calendar/<slug:key>.ics", views.calendar_feed, name="calendar_feed"),
    path("calendar/key/", views.reset_calendar_key, name="reset_calendar_key"),
    path("notifications/language/", views.set_mail_language, name="set_mail_language"),
]
