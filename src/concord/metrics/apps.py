from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "concord.metrics"
    label = "metrics"
    verbose_name = "Metrics"

    def ready(self) -> None:
        from concord.metrics import receivers

        receivers.connect()
