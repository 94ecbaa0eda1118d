"""Running after-commit work inside a test (the automation pipeline, queued email)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol


class Committing(Protocol):
    """The ``committed`` fixture: ``with committed(): ...`` runs the block, then its
    after-commit callbacks (tasks run inline in tests), including those they add."""

    def __call__(self) -> AbstractContextManager[Any]: ...
