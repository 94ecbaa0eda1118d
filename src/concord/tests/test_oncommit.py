"""Batched after-commit work: one flush per key for a batched block, one per call outside."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.db import transaction

from concord.common.oncommit import batched_on_commit, on_commit_batched

pytestmark = pytest.mark.django_db

OnCommit = Callable[..., AbstractContextManager[Any]]


def test_a_batched_block_flushes_once_per_key_after_commit(
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    flushed: list[tuple[str, list[int]]] = []
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
        batched_on_commit(),
    ):
        on_commit_batched(key="a", items=[1], flush=lambda ids: flushed.append(("a", ids)))
        on_commit_batched(key="a", items=[2, 3], flush=lambda ids: flushed.append(("a", ids)))
        on_commit_batched(key="b", items=[9], flush=lambda ids: flushed.append(("b", ids)))
        assert flushed == []  # nothing before the commit
    assert len(callbacks) == 1  # one hook for the block, whatever it gathered
    assert flushed == [("a", [1, 2, 3]), ("b", [9])]


def test_outside_a_block_each_call_is_its_own_callback(
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    flushed: list[list[int]] = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        on_commit_batched(key="a", items=[1], flush=flushed.append)
        on_commit_batched(key="a", items=[2], flush=flushed.append)
    assert len(callbacks) == 2
    assert flushed == [[1], [2]]


def test_a_block_that_raises_registers_nothing(
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    flushed: list[list[int]] = []

    def write() -> None:
        with transaction.atomic(), batched_on_commit():
            on_commit_batched(key="a", items=[1], flush=flushed.append)
            raise RuntimeError("rolled back")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        write()
    assert callbacks == []
    assert flushed == []
