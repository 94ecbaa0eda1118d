"""Demo data: a believable 90-day helpdesk history, written through the services.

``concord demo`` and ``concord serve --demo-if-empty`` call ``generate``.
The demo admin login is ``admin`` / ``concord-demo``; only this package creates it.
"""

from concord.demo.generate import DEMO_ADMIN_USERNAME, DEMO_PASSWORD, DemoSummary, generate

__all__ = ["DEMO_ADMIN_USERNAME", "DEMO_PASSWORD", "DemoSummary", "generate"]
