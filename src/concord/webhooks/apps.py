from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "concord.webhooks"
    label = "webhooks"
    verbose_name = "Outgoing webhooks"

    def ready(self) -> None:
        from concord.common import scheduler
        from concord.webhooks.services import webhook_retry_due

        scheduler.register(name="webhooks.retry_due", every=10, run=webhook_retry_due)
