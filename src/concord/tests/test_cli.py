from __future__ import annotations

import io
import os
import re
import signal
import smtplib
import socket
import stat
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from concord.accounts.models import Role, User
from concord.accounts.selectors import api_token_authenticate
from concord.cli import main

STRONG = "correct-horse-battery-staple"


@pytest.mark.django_db
def test_createadmin_creates_an_admin_who_can_sign_in(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["createadmin", "--username", "root", "--email", "Root@Example.com", "--password", STRONG]
    )
    assert code == 0
    user = User.objects.get(username="root")
    assert user.role == Role.ADMIN
    assert user.is_superuser
    assert user.email == "root@example.com"
    assert user.check_password(STRONG)
    assert "Created the admin root" in capsys.readouterr().out


@pytest.mark.django_db
def test_createadmin_reads_the_password_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(STRONG + "\n"))
    assert main(["createadmin", "--username", "piped", "--password-stdin"]) == 0
    assert User.objects.get(username="piped").check_password(STRONG)


def test_createadmin_refuses_a_taken_username(
    admin_user: User, capsys: pytest.CaptureFixture[str]
) -> None:
    before = User.objects.count()
    code = main(["createadmin", "--username", admin_user.username.upper(), "--password", STRONG])
    assert code == 1
    err = capsys.readouterr().err
    assert f"the username '{admin_user.username.upper()}' is taken" in err
    assert User.objects.count() == before


@pytest.mark.django_db
def test_createadmin_refuses_a_weak_password(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["createadmin", "--username", "weak", "--password", "abc"]) == 1
    assert "too short" in capsys.readouterr().err
    assert not User.objects.filter(username="weak").exists()


def test_token_prints_a_token_that_authenticates(
    agent: User, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", "--username", agent.username, "--name", "curl"]) == 0
    captured = capsys.readouterr()
    raw = captured.out.strip()
    token = api_token_authenticate(raw=raw)
    assert token is not None
    assert token.user == agent
    assert token.name == "curl"
    assert "shown only this once" in captured.err


@pytest.mark.django_db
def test_token_for_an_unknown_user_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "--username", "nobody"]) == 1
    assert "no active user 'nobody'" in capsys.readouterr().err


@pytest.mark.django_db
def test_manage_passes_arguments_through_to_django(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["manage", "showmigrations", "conversations"]) == 0
    assert "[X] 0001_initial" in capsys.readouterr().out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_starts_the_site_and_workers_and_stops_them(tmp_path: Path) -> None:
    port = _free_port()
    smtp_port = _free_port()
    env = {
        "CONCORD_SMTP_LISTEN_PORT": str(smtp_port),
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "concord.config.settings.base",
        "CONCORD_DATA_DIR": str(tmp_path / "data"),
        "CONCORD_DEMO_CONVERSATIONS": "12",
        "PYTHONUNBUFFERED": "1",
    }
    # The embedded default under test is SQLite in the data directory, even when
    # the suite itself runs against PostgreSQL.
    env.pop("DATABASE_URL", None)
    # As on a fresh machine: no key configured, so the first start makes one.
    env.pop("CONCORD_SECRET_KEY", None)
    proc = subprocess.Popen(  # noqa: S603 - our own command line
        [sys.executable, "-m", "concord.cli", "serve", "--port", str(port), "--demo-if-empty"],
        cwd=tmp_path,  # no stray .env from the developer's checkout
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True)
    reader.start()
    worker_pid = mail_pid = None
    base = f"http://127.0.0.1:{port}"
    try:
        login_page = _wait_for(f"{base}/admin/login/", proc, lines)
        assert login_page.status_code == 200
        key_file = tmp_path / "data" / "secret_key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert len(key_file.read_text().strip()) >= 50
        output = "".join(lines)
        assert f"Concord is starting at {base}/" in output
        assert f"Admin:   {base}/admin/" in output
        assert f"Agents:  {base}/app/" in output
        assert f"Portal:  {base}/help/" in output
        assert re.search(r"Customer: sign in to the portal as \S+@\S+", output)
        assert f"API:     {base}/api/v1/" in output
        assert "username admin  password concord-demo" in output
        assert re.search(r"Token:\s+cnc_[\w-]{20,}", output)
        found = re.search(r"background tasks run in process (\d+)", output)
        assert found, output
        worker_pid = int(found.group(1))
        assert _alive(worker_pid)
        listening = f"Mail:    SMTP on 127.0.0.1:{smtp_port} for support@demo.concord.localhost"
        assert listening in output
        mail_found = re.search(r"mail worker in process (\d+)", output)
        assert mail_found, output
        mail_pid = int(mail_found.group(1))
        assert _alive(mail_pid)
        token = re.search(r"Token:\s+(cnc_[\w-]{20,})", output)
        assert token
        # The mail worker is its own process; its listener may bind after the web server answers.
        _wait_for_port(smtp_port, proc, lines)
        _an_email_becomes_a_conversation(smtp_port, base, token.group(1))
        with httpx.Client(base_url=base) as client:
            css = client.get("/static/admin/css/base.css")
            assert css.status_code == 200
            assert "text/css" in css.headers["content-type"]
            # The printed demo login really signs in to the admin.
            form = client.get("/admin/login/")
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
            assert csrf
            signed_in = client.post(
                "/admin/login/?next=/admin/",
                data={
                    "username": "admin",
                    "password": "concord-demo",
                    "csrfmiddlewaretoken": csrf.group(1),
                },
            )
            assert signed_in.status_code == 302
            assert signed_in.headers["location"] == "/admin/"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        reader.join(timeout=5)
        assert "Concord stopped." in "".join(lines)
        assert not _alive(worker_pid)
        assert not _alive(mail_pid)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in (worker_pid, mail_pid):
            if pid is not None and _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _an_email_becomes_a_conversation(smtp_port: int, base: str, token: str) -> None:
    """Mail to the demo mailbox over SMTP shows up through the API within seconds."""
    email = EmailMessage()
    email["From"] = "Nora North <nora@example.net>"
    email["To"] = "support@demo.concord.localhost"
    email["Subject"] = "Serve smoke test 7781"
    email["Message-ID"] = "<serve-smoke-7781@example.net>"
    email.set_content("Does mail reach the running server?")
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
        client.send_message(email)
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        listed = httpx.get(f"{base}/api/v1/conversations?channel=email&limit=100", headers=headers)
        assert listed.status_code == 200
        if any(c["subject"] == "Serve smoke test 7781" for c in listed.json()["items"]):
            return
        time.sleep(0.25)
    raise AssertionError("the email did not become a conversation within 20 s")


def _wait_for_port(port: int, proc: subprocess.Popen[str], lines: list[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("concord serve exited early:\n" + "".join(lines))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"nothing listens on port {port}:\n" + "".join(lines))


def _wait_for(url: str, proc: subprocess.Popen[str], lines: list[str]) -> httpx.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("concord serve exited early:\n" + "".join(lines))
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail("concord serve did not answer in time:\n" + "".join(lines))
