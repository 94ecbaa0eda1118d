"""The secret key: generated once per data directory, private, and never the published one."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from concord.config.secret import (
    KNOWN_PUBLIC_KEYS,
    secret_key_from_environment_or_data_dir,
    secret_key_load_or_create,
)

PUBLISHED = next(iter(KNOWN_PUBLIC_KEYS))


def test_a_fresh_data_dir_gets_a_random_private_key_kept_across_starts(tmp_path: Path) -> None:
    first = secret_key_load_or_create(data_dir=tmp_path / "data")
    path = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 50
    assert secret_key_load_or_create(data_dir=tmp_path / "data") == first
    assert secret_key_load_or_create(data_dir=tmp_path / "other") != first


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    found: list[str] = []
    threads = [
        threading.Thread(target=lambda: found.append(secret_key_load_or_create(data_dir=tmp_path)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8
    assert len(set(found)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_the_environment_wins_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONCORD_SECRET_KEY", "k" * 60)
    assert secret_key_from_environment_or_data_dir(data_dir=tmp_path) == "k" * 60
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("where", ["environment", "file"])
def test_the_published_development_key_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "environment":
        monkeypatch.setenv("CONCORD_SECRET_KEY", PUBLISHED)
    else:
        monkeypatch.delenv("CONCORD_SECRET_KEY", raising=False)
        (tmp_path / "secret_key").write_text(PUBLISHED)
    with pytest.raises(ImproperlyConfigured, match="published development key"):
        secret_key_from_environment_or_data_dir(data_dir=tmp_path)


def test_a_short_key_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONCORD_SECRET_KEY", "short")
    with pytest.raises(ImproperlyConfigured, match="at least 32"):
        secret_key_from_environment_or_data_dir(data_dir=tmp_path)


def test_an_unwritable_data_dir_says_what_to_do(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    with pytest.raises(ImproperlyConfigured, match="Set CONCORD_SECRET_KEY"):
        secret_key_load_or_create(data_dir=blocker / "data")


@pytest.mark.parametrize(
    "module", ["concord.config.settings.base", "concord.config.settings.production"]
)
def test_settings_refuse_to_load_with_the_published_key(tmp_path: Path, module: str) -> None:
    env = {
        **os.environ,
        "CONCORD_SECRET_KEY": PUBLISHED,
        "CONCORD_DATA_DIR": str(tmp_path),
        "CONCORD_ALLOWED_HOSTS": "help.example.com",
        "DJANGO_SETTINGS_MODULE": module,
    }
    done = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.SECRET_KEY"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "published development key" in done.stderr
