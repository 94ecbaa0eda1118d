"""Reads for conversations, with the one access rule every interface uses.

``access`` holds that rule; ``listing`` the API's lists; ``inbox`` the workspace's.
"""

from concord.conversations.selectors.access import (
    attachment_get_for_user,
    conversation_any_exist,
    conversation_customer_may_write,
    conversation_find,
    conversation_get_for_user,
    conversation_may_work,
    conversation_recent_for_customer,
    conversation_register_visibility,
    conversation_role_works,
    conversation_user_works,
    conversation_visible_to,
    conversation_worked_by,
    event_list,
    message_list,
)
from concord.conversations.selectors.inbox import (
    INBOX_VIEWS,
    InboxPage,
    InboxRow,
    conversation_inbox,
    conversation_last_event_id,
    conversation_view_counts,
    tag_names,
)
from concord.conversations.selectors.listing import (
    ConversationFilters,
    Page,
    RowPage,
    conversation_list,
    conversation_list_rows,
    decode_cursor,
    encode_cursor,
)

__all__ = [
    "INBOX_VIEWS",
    "ConversationFilters",
    "InboxPage",
    "InboxRow",
    "Page",
    "RowPage",
    "attachment_get_for_user",
    "conversation_any_exist",
    "conversation_customer_may_write",
    "conversation_find",
    "conversation_get_for_user",
    "conversation_inbox",
    "conversation_last_event_id",
    "conversation_list",
    "conversation_list_rows",
    "conversation_may_work",
    "conversation_recent_for_customer",
    "conversation_register_visibility",
    "conversation_role_works",
    "conversation_user_works",
    "conversation_view_counts",
    "conversation_visible_to",
    "conversation_worked_by",
    "decode_cursor",
    "encode_cursor",
    "event_list",
    "message_list",
    "tag_names",
]
