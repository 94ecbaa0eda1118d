"""The task worker killed with SIGKILL mid-task: the task runs again, its effect happens once.

Real processes and a real SQLite file: conversations are opened with the
database task backend (no worker yet), so each change waits as a queued task;
then ``concord worker`` is started, killed while it works through them, and
started again. A task left "running" by the dead worker is queued again once
its lease is over, and every trigger's effect must exist exactly once.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

N = 120
LEASE_SECONDS = 5
WAIT_SECONDS = 180.0

SETUP = f"""
from concord.automations.models import Trigger, TriggerAction
from concord.conversations.services import conversation_open

trigger = Trigger.objects.create(name="Mark", events=["created"])
TriggerAction.objects.create(rule=trigger, kind="add_note", text="Seen by automation")
for number in range({N}):
    conversation_open(
        channel="web",
        subject=f"Order {{number}} is late",
        body_text="Where is my parcel?",
        identity_kind="email",
        identity_value=f"customer{{number}}@example.com",
    )
"""


@dataclass
class Site:
    root: Path
    env: dict[str, str]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def run(self, *args: str) -> None:
        done = subprocess.run(  # noqa: S603 - our own command
            [sys.executable, "-m", "concord.cli", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, (
            f"{args} failed:\n{done.stdout.decode()}\n{done.stderr.decode()}"
        )

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = (self.root / f"worker-{len(self.workers) + 1}.log").open("wb")
        worker = subprocess.Popen(
            [sys.executable, "-m", "concord.cli", "worker"],
            cwd=self.root,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.workers.append(worker)
        return worker

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name} ---\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.root.glob("worker-*.log"))
        )


def kill(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CONCORD_") and key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        CONCORD_DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="concord.config.settings.base",
        CONCORD_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        CONCORD_TASK_LEASE_SECONDS=str(LEASE_SECONDS),
        PYTHONUNBUFFERED="1",
    )
    (tmp_path / "data").mkdir()
    running = Site(root=tmp_path, env=env)
    try:
        yield running
    finally:
        for worker in running.workers:
            kill(worker)


def _count(db: sqlite3.Connection, sql: str) -> int:
    return int(db.execute(sql).fetchone()[0])


def _tasks(db: sqlite3.Connection, status: str) -> int:
    row = db.execute(
        "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = ?", (status,)
    ).fetchone()
    return int(row[0])


def test_a_killed_task_runs_again_and_its_effect_happens_once(site: Site) -> None:
    site.run("manage", "migrate", "--verbosity", "0")
    site.run("manage", "shell", "-c", SETUP)
    db = sqlite3.connect(site.root / "data" / "concord.sqlite3", timeout=10, isolation_level=None)
    queued = _tasks(db, "READY")
    assert queued >= N  # at least one task per conversation waits for a worker

    orphaned: set[str] = set()
    for _ in range(5):
        worker = site.start_worker()
        deadline = time.monotonic() + WAIT_SECONDS
        # Let it work a little, then kill it in the middle of a task.
        while _tasks(db, "SUCCESSFUL") < 10 * (len(site.workers)) and time.monotonic() < deadline:
            assert worker.poll() is None, site.logs()
            time.sleep(0.01)
        while not _tasks(db, "RUNNING") and time.monotonic() < deadline:
            time.sleep(0.001)
        kill(worker)
        orphaned |= {
            row[0]
            for row in db.execute(
                "SELECT id FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
            )
        }
        if orphaned:
            break
    assert orphaned, "the worker was never caught in the middle of a task"

    # Past the lease, a new worker puts the orphaned task back in the queue and runs it.
    time.sleep(LEASE_SECONDS + 0.5)
    site.start_worker()
    deadline = time.monotonic() + WAIT_SECONDS
    while _tasks(db, "READY") + _tasks(db, "RUNNING") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _tasks(db, "READY") + _tasks(db, "RUNNING"), site.logs()
    assert not _tasks(db, "FAILED"), site.logs()
    for task_id in orphaned:
        (status,) = db.execute(
            "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = ?", (task_id,)
        ).fetchone()
        assert status == "SUCCESSFUL"

    notes = dict(
        db.execute(
            "SELECT conversation_id, count(*) FROM conversations_message "
            "WHERE visibility = 'internal' AND body_text = 'Seen by automation' "
            "GROUP BY conversation_id"
        ).fetchall()
    )
    assert len(notes) == N
    assert set(notes.values()) == {1}, {k: v for k, v in notes.items() if v != 1}
    assert _count(db, "SELECT count(*) FROM automations_triggerrun WHERE outcome = 'fired'") == N
    restarted = (site.root / f"worker-{len(site.workers)}.log").read_text()
    assert f"Re-queued {len(orphaned)} task(s)" in restarted
