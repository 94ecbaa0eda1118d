from django.apps import AppConfig
from django.conf import settings


class CollaborationConfig(AppConfig):
    name = "concord.collaboration"
    label = "collaboration"
    verbose_name = "Consults"

    def ready(self) -> None:
        from concord.collaboration import receivers
        from concord.collaboration.sla import consult_sla_sweep
        from concord.common.scheduler import register

        receivers.connect()
        # Consult warnings and breaches as often as the conversations' SLA ones.
        register(
            name="collaboration.consult_sweep",
            every=settings.CONCORD_SLA_SWEEP_SECONDS,
            run=consult_sla_sweep,
        )
