"""Fixtures for the accounts tests: the shared real-browser ones."""

from __future__ import annotations

from concord.common.testing.browser import browser, browser_page, page_problems  # noqa: F401
