from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "concord.problems"
    label = "problems"
    verbose_name = "Problems and feature requests"

    def ready(self) -> None:
        from concord.problems import receivers

        receivers.connect()
