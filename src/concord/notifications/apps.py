from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "concord.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from concord.notifications import receivers

        receivers.connect()
