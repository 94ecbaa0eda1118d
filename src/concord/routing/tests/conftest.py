"""Fixtures for routing tests: a private data directory and a fresh model cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from concord.routing import classifier


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Iterator[Path]:
    settings.DATA_DIR = tmp_path
    classifier.forget()
    yield tmp_path
    classifier.forget()
