from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "concord.metrics"
    label = "metrics"
    verbose_name = "Metrics"
