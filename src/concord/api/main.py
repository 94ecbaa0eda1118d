from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="Concord API", version="1")
