"""Background work for the portal: sending sign-in emails outside the request."""

from __future__ import annotations

from django_tasks import task

from concord.portal.services import magic_link_deliver


@task()
def deliver_magic_link(*, link_id: int, sign_in_url: str) -> bool:
    return magic_link_deliver(link_id=link_id, sign_in_url=sign_in_url)
