"""The web application as uvicorn serves it.

Django's own ASGI handler runs every request's synchronous code (all of
Concord's views) on a thread created for that request. That costs a thread
start and join plus a new database connection per request: about 8 ms of a
12 ms API call on this project's 2-core reference machine (see bench/README.md).
So uvicorn serves Django's WSGI application through a2wsgi, which runs it on
a fixed pool of threads that keep their database connections between requests
(``CONN_MAX_AGE``). Endpoints that must stream (server-sent events) can later be
routed to Django's ASGI handler by path without changing this for the rest.
"""

from __future__ import annotations

import os

from a2wsgi import WSGIMiddleware
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.config.settings.base")

# Each thread holds one database connection; SQLite serialises writers anyway
# (IMMEDIATE transactions with a busy timeout), PostgreSQL sees at most this many.
WEB_THREADS = int(os.environ.get("CONCORD_WEB_THREADS", "8"))


def build_application(*, serve_static: bool = False) -> WSGIMiddleware:
    """The ASGI application; ``serve_static`` also answers /static/ (embedded server)."""
    wsgi = get_wsgi_application()
    if serve_static:
        from django.contrib.staticfiles.handlers import StaticFilesHandler

        wsgi = StaticFilesHandler(wsgi)
    return WSGIMiddleware(wsgi, workers=WEB_THREADS)  # type: ignore[arg-type]


application = build_application()
