"""The long-running processes ``concord serve`` starts: the task worker and the mail worker.

Each runs as a child in its own session, so a terminal's Ctrl-C reaches only
the server, which stops them with one SIGTERM (letting a running task finish).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from types import FrameType


def _say(text: str) -> None:
    from concord.cli import _say as say

    say(text)


def _prepare_database() -> None:
    from concord.cli import _prepare_database as prepare

    prepare()


def start_worker() -> subprocess.Popen[bytes] | None:
    """The database-backed task worker, as a child in its own session.

    Its own session keeps a terminal's Ctrl-C away from it: the server stops it
    with one SIGTERM, which lets a running task finish, instead of the worker
    receiving SIGINT twice (the second one abandons the task).
    """
    from django.conf import settings

    backend = str(settings.TASKS.get("default", {}).get("BACKEND", ""))
    if not backend.startswith("django_tasks_db."):
        _say(f"Task backend {backend} needs no worker here; not starting one.")
        return None
    command = [sys.executable, "-m", "concord.cli", "worker"]
    return subprocess.Popen(command, start_new_session=True)  # noqa: S603 - our own command


def start_mail_worker() -> subprocess.Popen[bytes]:
    """``concord mail`` as a child, in its own session for the same reason as the task worker."""
    command = [sys.executable, "-m", "concord.cli", "mail"]
    return subprocess.Popen(command, start_new_session=True)  # noqa: S603 - our own command


def stop_worker(worker: subprocess.Popen[bytes] | None) -> None:
    if worker is None or worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def run_worker(options: argparse.Namespace) -> int:
    """The task worker with the scheduler on a side thread.

    django-tasks' ``db_worker`` runs in the main thread, where it handles
    SIGTERM/SIGINT itself (a running task finishes first); the scheduler stops
    with it.
    """
    import logging

    from django.core.management import call_command

    from concord.common.scheduler import Scheduler

    logging.basicConfig(level=logging.INFO, format="worker: %(levelname)s %(name)s %(message)s")
    _prepare_database()
    scheduler = Scheduler()
    scheduler.start()
    _say(f"Worker: tasks and {len(scheduler.jobs)} scheduled job(s) in process {os.getpid()}")
    try:
        call_command("db_worker", reload=False)
    finally:
        scheduler.stop.set()
        scheduler.join(timeout=30)
    return 0


def _fixed_mmap_threshold() -> None:
    """Keep glibc giving large buffers back to the system (the mail processes).

    glibc raises its mmap threshold each time a large block is freed, so after
    the first 1 MB attachment later ones come from the heap, whose holes are
    not returned: the worker grew by about 11 MB per 225 emails with 1 MB
    attachments. A fixed threshold (128 KiB, the default's starting value)
    keeps every large buffer mapped and unmapped on its own; measured flat
    over 300 such emails. Elsewhere than glibc this does nothing.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        return


def run_mail(options: argparse.Namespace) -> int:
    import logging

    from concord.channels.email.worker import MailWorker, run_listener_process

    logging.basicConfig(level=logging.INFO, format="mail: %(levelname)s %(message)s")
    _fixed_mmap_threshold()
    # aiosmtpd logs every SMTP command at INFO: too much for a busy listener.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    if options.listen_only:
        # The listener's event loop and its database thread share the GIL; with the
        # default 5 ms switch interval every hand-off between them could wait that long.
        sys.setswitchinterval(0.001)
        return run_listener_process(port=options.smtp_port)
    _prepare_database()
    mail_worker = MailWorker(listen_port=options.smtp_port)

    def stop(signum: int, frame: FrameType | None) -> None:
        mail_worker.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    mail_worker.run()
    return 0
