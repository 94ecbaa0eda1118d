"""Which automation caused the change being made, carried across tasks.

While a rule's actions run, ``caused_by`` names the chain of rules that led
here (the conversations app's ``change_cause``). The events those actions
write are announced with it, and the receiver hands it to the next task: that
is how the loop guard sees a rule about to fire again on its own consequences.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from concord.conversations.signals import change_cause

_suppressed: ContextVar[bool] = ContextVar("concord_automations_suppressed", default=False)


@contextmanager
def caused_by(chain: tuple[str, ...]) -> Iterator[None]:
    token = change_cause.set(chain)
    try:
        yield
    finally:
        change_cause.reset(token)


@contextmanager
def suppressed() -> Iterator[None]:
    """No automation, routing or SLA work for changes made inside this block.

    For importing history (demo data, migrations from another helpdesk): old
    conversations must not be routed, reminded or alarmed as if they were new.
    """
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def is_suppressed() -> bool:
    return _suppressed.get()
