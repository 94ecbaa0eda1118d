from django.apps import AppConfig

# Hourly, though a goal's progress is one figure a day: each run measures today
# so far (so the figure stays fresh) and finishes yesterday once; re-runs only
# overwrite the same day's row.
MEASURE_EVERY_SECONDS = 3600


class GoalsConfig(AppConfig):
    name = "concord.goals"
    label = "goals"
    verbose_name = "Goals"

    def ready(self) -> None:
        from concord.common.scheduler import register

        register(name="goals.measure", every=MEASURE_EVERY_SECONDS, run=_measure_all)


def _measure_all() -> int:
    # Imported when run: services import models, which must not load during ready().
    from django.utils import timezone

    from concord.goals.services import goals_measure_all

    return goals_measure_all(now=timezone.now())
