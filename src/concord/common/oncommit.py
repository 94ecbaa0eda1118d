"""After-commit work gathered per transaction: a bulk write enqueues a few tasks, not one per row.

Code that writes many rows in one transaction (an announcement's chunk of
replies) wraps it in ``batched_on_commit()``; work registered inside with
``on_commit_batched`` is then handed over once per key when the block ends,
and runs after the transaction commits. Outside such a block each call
registers its own after-commit callback, exactly as ``transaction.on_commit``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any

from django.db import transaction

Flush = Callable[[list[Any]], None]
_pending: ContextVar[dict[str, tuple[Flush, list[Any]]] | None] = ContextVar(
    "concord_on_commit_batch", default=None
)


@contextmanager
def batched_on_commit() -> Iterator[None]:
    """Gather ``on_commit_batched`` work in this block; hand it over once per key after commit.

    Use it inside the transaction whose commit the work must follow. The one
    hook is registered when the block starts, so it runs before the hooks the
    block's writes register (one of which may fail, e.g. a locked database,
    and stop Django from running the hooks after it), and it is robust: a
    failure is logged and does not stop the others either. A rolled-back
    transaction runs no hooks at all.
    """
    gathered: dict[str, tuple[Flush, list[Any]]] = {}

    def flush_all() -> None:
        for flush, items in gathered.values():
            if items:
                flush(list(items))

    in_transaction = transaction.get_connection().in_atomic_block
    if in_transaction:
        transaction.on_commit(flush_all, robust=True)
    token = _pending.set(gathered)
    try:
        yield
    finally:
        _pending.reset(token)
    if not in_transaction:  # autocommit: each write is committed already
        flush_all()


def on_commit_batched(*, key: str, items: Sequence[Any], flush: Flush) -> None:
    """Run ``flush(items)`` after commit: gathered with others under ``key`` in a batched block.

    Items from a savepoint rolled back inside the block stay in the batch;
    ``flush`` must tolerate ids of rows that no longer exist.
    """
    gathered = _pending.get()
    if gathered is None:
        transaction.on_commit(partial(flush, list(items)))
        return
    gathered.setdefault(key, (flush, []))[1].extend(items)
