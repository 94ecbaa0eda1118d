from django.apps import AppConfig

# Hourly is enough: a summary is due any time after Monday midnight and sent once.
SUMMARY_CHECK_SECONDS = 3600


class ReportsConfig(AppConfig):
    name = "concord.reports"
    label = "reports"
    verbose_name = "Report emails"

    def ready(self) -> None:
        from concord.common.scheduler import register
        from concord.reports.services import summaries_send_due

        register(name="reports.weekly_summary", every=SUMMARY_CHECK_SECONDS, run=summaries_send_due)
