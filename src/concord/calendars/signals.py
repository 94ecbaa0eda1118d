"""Announcements about calendars, for the apps whose clocks count in them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with ``calendar`` inside the writing transaction when opening hours are
# replaced in bulk (bulk writes send no model signals; single saves and
# deletes of calendars, intervals and closed dates do).
calendar_hours_replaced = Signal()
