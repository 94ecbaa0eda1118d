"""The learned classifier at run time: where its file lives, loading it, and asking it.

A model is a dict of scikit-learn pipelines, one per head ("category", "team").
It is only ever read from ``DATA_DIR/routing/classifier-<row id>.joblib`` (a
path built from an integer, never from stored text), and only when the file's
SHA-256 equals the one its database row recorded at training time: unpickling
runs code, so nothing but the file this installation wrote is loaded.

Each process keeps the newest model in memory, keyed by its row id; a retrain
makes a new row, so the next call loads the new file.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from concord.routing import selectors
from concord.routing.models import ClassifierModel

logger = logging.getLogger("concord.routing")

HEADS = ("category", "team")

_lock = threading.Lock()
_cache: dict[int, dict[str, Any]] = {}


def model_dir() -> Path:
    return Path(settings.DATA_DIR) / "routing"


def model_path(*, model_id: int) -> Path:
    return model_dir() / f"classifier-{int(model_id)}.joblib"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Suggestion:
    label: str  # a category, or a team id as a string
    confidence: float  # the model's probability for it, 0..1


def _load(row: ClassifierModel) -> dict[str, Any] | None:
    import joblib  # type: ignore[import-untyped]

    path = model_path(model_id=row.pk)
    try:
        data = path.read_bytes()
    except OSError:
        logger.warning("The routing classifier file %s is missing; retrain it.", path)
        return None
    if digest(data) != row.sha256:
        logger.error("The routing classifier file %s does not match its record; ignored.", path)
        return None
    model = joblib.load(io.BytesIO(data))
    return model if isinstance(model, dict) else None


def live_model() -> tuple[ClassifierModel | None, dict[str, Any] | None]:
    """The newest trained model and its pipelines (None when there is none or it is unusable)."""
    row = selectors.live_classifier()
    if row is None:
        return None, None
    with _lock:
        if row.pk not in _cache:
            model = _load(row)
            if model is None:
                return row, None
            _cache.clear()  # one model per process: the previous one is stale
            _cache[row.pk] = model
        return row, _cache[row.pk]


def forget() -> None:
    """Drop the in-memory model (tests, and after deleting model files)."""
    with _lock:
        _cache.clear()


def predict(*, model: dict[str, Any], head: str, text: str) -> Suggestion | None:
    pipeline = model.get(head)
    if pipeline is None or not text.strip():
        return None
    probabilities = pipeline.predict_proba([text])[0]
    best = int(probabilities.argmax())
    return Suggestion(label=str(pipeline.classes_[best]), confidence=float(probabilities[best]))


def suggest(*, text: str) -> tuple[ClassifierModel | None, dict[str, Suggestion]]:
    """The live model's best label per head for ``text``, whatever its confidence."""
    row, model = live_model()
    if row is None or model is None:
        return row, {}
    found = {}
    for head in HEADS:
        suggestion = predict(model=model, head=head, text=text)
        if suggestion is not None:
            found[head] = suggestion
    return row, found
