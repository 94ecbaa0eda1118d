from django.apps import AppConfig


class AutomationsConfig(AppConfig):
    name = "concord.automations"
    label = "automations"
    verbose_name = "Automations"
