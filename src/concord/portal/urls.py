from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from concord.accounts.views import time_zone_default
from concord.portal.views import auth, ideas, requests

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", auth.home, name="home"),
    path("sign-in/", auth.sign_in, name="sign_in"),
    path("sign-in/link/", auth.send_link, name="send_link"),
    path("sign-in/password/", auth.password_sign_in, name="password_sign_in"),
    # The emailed link is this prefix plus the token; the service appends it.
    path("sign-in/l/", auth.sign_in, name="magic_link_base"),
    path("sign-in/l/<str:token>/", auth.magic_link, name="magic_link"),
    path("sign-out/", auth.sign_out, name="sign_out"),
    path("account/", auth.account, name="account"),
    path("account/time-zone/", auth.account_time_zone, name="account_time_zone"),
    path("account/time-zone/default/", time_zone_default, name="time_zone_default"),
    path("account/updates/", auth.account_updates, name="account_updates"),
    path("requests/", requests.request_list, name="requests"),
    path("requests/new/", requests.request_new, name="request_new"),
    path("requests/<int:conversation_id>/", requests.request_detail, name="request"),
    path("ideas/", ideas.idea_list, name="ideas"),
    path("ideas/<int:problem_id>/vote/", ideas.idea_vote, name="idea_vote"),
    path("files/<int:attachment_id>/", requests.attachment_download, name="attachment"),
]
