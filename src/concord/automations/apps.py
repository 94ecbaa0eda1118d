from django.apps import AppConfig


class AutomationsConfig(AppConfig):
    name = "concord.automations"
    label = "automations"
    verbose_name = "Automations"

    def ready(self) -> None:
        from django.conf import settings

        from concord.automations import receivers
        from concord.automations.services import time_rules_run
        from concord.common import scheduler

        receivers.connect()
        scheduler.register(
            name="automations.time_rules",
            every=settings.CONCORD_TIME_RULES_SECONDS,
            run=time_rules_run,
        )
