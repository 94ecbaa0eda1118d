from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "concord.routing"
    label = "routing"
    verbose_name = "Routing"

    def ready(self) -> None:
        from concord.common import scheduler

        scheduler.register(name="routing.assign_waiting", every=30, run=_assign_waiting)


def _assign_waiting() -> int:
    # Imported when run: services import models, which must not load during ready().
    from concord.routing.services import routing_assign_waiting

    return routing_assign_waiting()
