"""Every write to surveys: dispatch, the email, answers and comments, and the alerts."""

from concord.surveys.services.answers import (
    SurveyLinkExpired,
    SurveyLinkInvalid,
    check_score,
    invitation_from_token,
    survey_answer,
    survey_comment,
)
from concord.surveys.services.definitions import dispatch_rule_create, survey_definition_create
from concord.surveys.services.dispatch import (
    survey_dispatch_for_conversation,
    survey_dispatch_relationship_nps,
    survey_on_conversation_change,
)
from concord.surveys.services.mail import survey_email_render, survey_email_send

__all__ = [
    "SurveyLinkExpired",
    "SurveyLinkInvalid",
    "check_score",
    "dispatch_rule_create",
    "invitation_from_token",
    "survey_answer",
    "survey_comment",
    "survey_definition_create",
    "survey_dispatch_for_conversation",
    "survey_dispatch_relationship_nps",
    "survey_email_render",
    "survey_email_send",
    "survey_on_conversation_change",
]
