from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "concord.common"
    label = "common"

    def ready(self) -> None:
        from concord.common import scheduler
        from concord.common.task_recovery import requeue_orphaned_tasks

        scheduler.register(name="tasks.requeue_orphaned", every=60, run=requeue_orphaned_tasks)
