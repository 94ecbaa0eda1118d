from __future__ import annotations

from collections.abc import Iterator

import pytest

from concord.webhooks.tests.server import Recorder, recording_server


@pytest.fixture
def receiver() -> Iterator[Recorder]:
    with recording_server() as recorder:
        yield recorder
