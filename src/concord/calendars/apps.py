from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "concord.calendars"
    label = "calendars"
    verbose_name = "Business hours"
