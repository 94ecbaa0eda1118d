from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "concord.webhooks"
    label = "webhooks"
    verbose_name = "Outgoing webhooks"
