from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "concord.routing"
    label = "routing"
    verbose_name = "Routing"
