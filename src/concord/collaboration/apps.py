from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    name = "concord.collaboration"
    label = "collaboration"
    verbose_name = "Consults"

    def ready(self) -> None:
        from concord.collaboration import receivers

        receivers.connect()
