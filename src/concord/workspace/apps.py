from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "concord.workspace"
    label = "workspace"
    verbose_name = "Agent workspace"
