from django.apps import AppConfig
from django.conf import settings

# The digest is due once a day; checking hourly sends it within the hour after midnight.
DIGEST_CHECK_SECONDS = 3600


class TrendsConfig(AppConfig):
    name = "concord.trends"
    label = "trends"
    verbose_name = "Trends and spike alerts"

    def ready(self) -> None:
        from concord.common.scheduler import register
        from concord.trends.digest import digests_send_due
        from concord.trends.services import spike_sweep

        register(name="trends.sweep", every=settings.CONCORD_TRENDS_SWEEP_SECONDS, run=spike_sweep)
        register(name="trends.digest", every=DIGEST_CHECK_SECONDS, run=digests_send_due)
