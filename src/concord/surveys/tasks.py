"""Background work for surveys."""

from __future__ import annotations

from django_tasks import task

from concord.surveys.services import survey_email_send


@task()
def send_survey_email(*, invitation_id: int) -> str:
    return survey_email_send(invitation_id=invitation_id)
