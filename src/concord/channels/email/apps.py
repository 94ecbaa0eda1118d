from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "concord.channels.email"
    label = "email_channel"
    verbose_name = "Email channel"

    def ready(self) -> None:
        from concord.channels.email import receivers

        receivers.connect()
