"""Every write to surveys: dispatch, the email, answers and comments, and the alerts."""

from concord.surveys.services.answers import (
    SurveyLinkExpired,
    SurveyLinkInvalid,
    check_score,
    invitation_from_token,
    survey_answer,
    survey_comment,
)
from concord.surveys.services.definitions import (
    dispatch_rule_create,
    dispatch_rule_delete,
    dispatch_rule_update,
    survey_definition_create,
)
from concord.surveys.services.dispatch import (
    survey_dispatch_for_conversation,
    survey_dispatch_relationship_nps,
    survey_on_conversation_change,
)
from concord.surveys.services.integrations import survey_invitation_create, survey_response_import
from concord.surveys.services.mail import survey_email_render, survey_email_send

__all__ = [
    "SurveyLinkExpired",
    "SurveyLinkInvalid",
    "check_score",
    "dispatch_rule_create",
    "dispatch_rule_delete",
    "dispatch_rule_update",
    "invitation_from_token",
    "survey_answer",
    "survey_comment",
    "survey_definition_create",
    "survey_dispatch_for_conversation",
    "survey_dispatch_relationship_nps",
    "survey_email_render",
    "survey_email_send",
    "survey_invitation_create",
    "survey_on_conversation_change",
    "survey_response_import",
]
