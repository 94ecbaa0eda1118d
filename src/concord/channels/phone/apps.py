from django.apps import AppConfig


class PhoneChannelConfig(AppConfig):
    name = "concord.channels.phone"
    label = "phone"
    verbose_name = "Phone channel"
