"""Every write to a conversation, its messages, tags and events.

Each public function is one transaction that saves with ``update_fields``,
appends ``Event`` rows, and announces them after commit.
"""

from concord.conversations.services.attachments import attachment_discard, attachment_store
from concord.conversations.services.bulk import Inbound, messages_receive_many
from concord.conversations.services.delivery import (
    conversation_record_consult,
    conversation_record_delivery_failure,
    conversation_record_sla_alarm,
    conversation_record_survey_answer,
)
from concord.conversations.services.lifecycle import (
    conversation_merge,
    conversation_set_category,
    conversation_set_priority,
    conversation_set_status,
)
from concord.conversations.services.messages import (
    conversation_note,
    conversation_open,
    conversation_reply,
    conversation_start_outbound,
    message_receive,
)
from concord.conversations.services.routing import (
    conversation_assign,
    conversation_tag,
    conversation_untag,
)

__all__ = [
    "Inbound",
    "attachment_discard",
    "attachment_store",
    "conversation_assign",
    "conversation_merge",
    "conversation_note",
    "conversation_open",
    "conversation_record_consult",
    "conversation_record_delivery_failure",
    "conversation_record_sla_alarm",
    "conversation_record_survey_answer",
    "conversation_reply",
    "conversation_set_category",
    "conversation_set_priority",
    "conversation_set_status",
    "conversation_start_outbound",
    "conversation_tag",
    "conversation_untag",
    "message_receive",
    "messages_receive_many",
]
