from django.apps import AppConfig


class PhoneChannelConfig(AppConfig):
    name = "concord.channels.phone"
    label = "phone"
    verbose_name = "Phone channel"

    def ready(self) -> None:
        from concord.channels.phone.services import privacy

        privacy.register()
