from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "concord.sla"
    label = "sla"
    verbose_name = "Service levels"
