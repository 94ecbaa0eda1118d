from __future__ import annotations

import pytest

from concord.accounts.models import Team
from concord.channels.email.models import Mailbox
from concord.channels.email.services.mailboxes import mailbox_create


@pytest.fixture
def mailbox(support: Team) -> Mailbox:
    return mailbox_create(name="Acme Support", address="support@acme.test", team=support)


from concord.common.testing.browser import *  # noqa: E402, F403 - the Chromium fixtures
