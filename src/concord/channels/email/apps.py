from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "concord.channels.email"
    label = "email_channel"
    verbose_name = "Email channel"

    def ready(self) -> None:
        from concord.channels.email import providers, receivers
        from concord.channels.email.services import privacy

        receivers.connect()
        privacy.register()
        providers.register()
