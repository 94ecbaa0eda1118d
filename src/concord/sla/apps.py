from django.apps import AppConfig
from django.conf import settings


class SlaConfig(AppConfig):
    name = "concord.sla"
    label = "sla"
    verbose_name = "Service levels"

    def ready(self) -> None:
        from concord.common.scheduler import register
        from concord.sla import receivers
        from concord.sla.services import sla_sweep

        receivers.connect()
        register(name="sla.sweep", every=settings.CONCORD_SLA_SWEEP_SECONDS, run=sla_sweep)
