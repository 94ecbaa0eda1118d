from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "concord.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from concord.audit import registry

        registry.register_all()
