"""Where the real-world test corpus lives: ``tests/corpus`` at the repository root."""

from __future__ import annotations

from pathlib import Path

# src/concord/common/testing/corpus.py → the repository root is four levels up.
REPO_ROOT = Path(__file__).resolve().parents[4]
EMAIL_CORPUS = REPO_ROOT / "tests" / "corpus" / "email"
