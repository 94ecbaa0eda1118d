from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "concord.surveys"
    label = "surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        from concord.common import scheduler

        scheduler.register(name="surveys.relationship_nps", every=3600, run=_relationship_nps)


def _relationship_nps() -> int:
    # Imported when run: services import models, which must not load during ready().
    from django.utils import timezone

    from concord.surveys.services import survey_dispatch_relationship_nps

    return survey_dispatch_relationship_nps(now=timezone.now())
