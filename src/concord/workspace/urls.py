from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from concord.accounts.views import time_zone_default
from concord.workspace.views import (
    attachments,
    auth,
    availability,
    conversation,
    customers,
    goals,
    inbox,
    notifications,
    privacy,
    profile,
    reports,
)

app_name = "workspace"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", inbox.inbox, name="inbox"),
    path("bulk/", inbox.bulk, name="bulk"),
    path("login/", auth.SignInView.as_view(), name="login"),
    path("logout/", auth.SignOutView.as_view(), name="logout"),
    path("conversations/<int:pk>/", conversation.conversation_detail, name="conversation"),
    path("conversations/<int:pk>/messages/", conversation.post_message, name="message"),
    path("conversations/<int:pk>/assign/", conversation.assign, name="assign"),
    path("conversations/<int:pk>/status/", conversation.set_status, name="status"),
    path("conversations/<int:pk>/priority/", conversation.set_priority, name="priority"),
    path("conversations/<int:pk>/tags/", conversation.add_tags, name="tag"),
    path("conversations/<int:pk>/tags/remove/", conversation.remove_tag, name="untag"),
    path("conversations/<int:pk>/merge/", conversation.merge, name="merge"),
    path("conversations/<int:pk>/presence/", conversation.presence, name="presence"),
    path("attachments/<int:pk>/", attachments.attachment_download, name="attachment"),
    path("customers/", customers.customer_list, name="customers"),
    path("customers/<int:pk>/", customers.customer_detail, name="customer"),
    path("customers/<int:pk>/export/", privacy.customer_export_download, name="customer_export"),
    path("customers/<int:pk>/erase/", privacy.customer_erase_confirm, name="customer_erase"),
    path("availability/", availability.availability, name="availability"),
    path("profile/", profile.profile, name="profile"),
    path("profile/time-zone/default/", time_zone_default, name="time_zone_default"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/<int:pk>/read/", notifications.mark_read, name="notification_read"),
    path("notifications/read/", notifications.mark_all_read, name="notifications_read_all"),
    path("notifications/count/", notifications.unread_badge, name="notifications_count"),
    path("reports/", reports.report_overview, name="reports"),
    path("reports/teams/", reports.report_breakdown, {"by": "team"}, name="report_teams"),
    path("reports/agents/", reports.report_breakdown, {"by": "agent"}, name="report_agents"),
    path("reports/summary/", reports.summary_subscription, name="report_summary"),
    path("reports/export/<slug:table>.csv", reports.report_export, name="report_export"),
    path("reports/goals/new/", goals.goal_new, name="goal_new"),
    path("reports/goals/<int:pk>/", goals.goal_page, name="goal"),
    path("reports/goals/<int:pk>/edit/", goals.goal_edit, name="goal_edit"),
    path("reports/goals/<int:pk>/archive/", goals.goal_archive_view, name="goal_archive"),
]
