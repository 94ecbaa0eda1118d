"""IMAP polling against a real Dovecot server on loopback.

Each test logs in as its own Dovecot user, so every test starts with an empty
mailbox on the server without deleting anything between tests.
"""

from __future__ import annotations

import imaplib
import itertools
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from concord.channels.email.imap import ImapFailed, imap_poll
from concord.channels.email.models import InboundEmail, InboundStatus, Mailbox
from concord.channels.email.services.inbound import inbound_store
from concord.channels.email.services.mailboxes import mailbox_create
from concord.channels.email.tests.conftest import build_email
from concord.channels.email.worker import poll_mailboxes, process_waiting
from concord.common.testing.mail import free_port
from concord.conversations.models import Conversation, Message
from concord.webhooks.models import AllowedTarget

pytestmark = pytest.mark.django_db

PASSWORD = "secret"
# Dovecot re-reads its users file only when the file's mtime changes, so users
# added within the same second would be missed: the pool is written up front.
_POOL = ["support", *(f"user{n:02d}" for n in range(1, 41))]

_CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/run
log_path = {dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# A wrong password is answered at once instead of after 2 s.
auth_failure_delay = 0
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
mail_location = maildir:{dir}/mail/%u
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={dir}/mail/%u
}}
"""


@dataclass
class Dovecot:
    host: str
    port: int
    _unused: Iterator[str] = field(default_factory=lambda: iter(_POOL))

    def new_user(self) -> str:
        user = next(self._unused, None)
        if user is None:
            pytest.fail(f"All {len(_POOL)} Dovecot test users are taken; enlarge _POOL.")
        return user

    @contextmanager
    def login(self, user: str) -> Iterator[imaplib.IMAP4]:
        connection = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            connection.login(user, PASSWORD)
            yield connection
        finally:
            connection.logout()

    def append(self, user: str, raw: bytes, *, folder: str = "INBOX", seen: bool = False) -> None:
        with self.login(user) as connection:
            status, data = connection.append(
                _quote(folder), "(\\Seen)" if seen else None, None, raw
            )
            assert status == "OK", data

    def create_folder(self, user: str, folder: str) -> None:
        with self.login(user) as connection:
            status, data = connection.create(_quote(folder))
            assert status == "OK", data

    def unseen(self, user: str, *, folder: str = "INBOX") -> list[bytes]:
        """UIDs of the folder's unseen emails, read without changing any flag."""
        with self.login(user) as connection:
            assert connection.select(_quote(folder), readonly=True)[0] == "OK"
            status, data = connection.uid("SEARCH", "UNSEEN")
            assert status == "OK", data
            found = data[0]
            assert isinstance(found, bytes)
            return found.split()

    def count(self, user: str, *, folder: str = "INBOX") -> int:
        with self.login(user) as connection:
            status, data = connection.select(_quote(folder), readonly=True)
            assert status == "OK", data
            total = data[0]
            assert isinstance(total, bytes)
            return int(total)

    def mark_unseen(self, user: str, *, folder: str = "INBOX") -> None:
        with self.login(user) as connection:
            assert connection.select(_quote(folder))[0] == "OK"
            status, data = connection.store("1:*", "-FLAGS", "(\\Seen)")
            assert status == "OK", data


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _reachable_by_others(path: Path) -> None:
    """Let the ``dovecot`` user walk down to ``path`` (it serves the mail as that user)."""
    path.chmod(0o755)
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH | stat.S_IROTH)


def _wait_for_port(host: str, port: int, *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1) as probe:
                if probe.recv(64).startswith(b"* OK"):
                    return True
        except OSError:
            time.sleep(0.05)
    return False


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """A throw-away Dovecot on a free loopback port, for the whole test session."""
    binary = shutil.which("dovecot", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if binary is None:
        pytest.fail(
            "Dovecot is not installed, and the IMAP tests need a real IMAP server: "
            "run `apt-get install -y dovecot-imapd` (.ci/run does it in CI).",
            pytrace=False,
        )
    # Not under pytest's basetemp: that is private (0700) and must stay so.
    base = Path(tempfile.mkdtemp(prefix="concord-dovecot-"))
    _reachable_by_others(base)
    port = free_port()
    config = base / "dovecot.conf"
    config.write_text(_CONFIG.format(dir=base, port=port))
    (base / "users").write_text("".join(f"{user}:{{PLAIN}}{PASSWORD}\n" for user in _POOL))
    (base / "mail").mkdir()
    shutil.chown(base / "mail", user="dovecot", group="dovecot")
    output = base / "start.log"
    try:
        # Output to a file, not a pipe: the daemon keeps a pipe open, and a read would hang.
        with output.open("wb") as out:
            started = subprocess.run(  # noqa: S603 - a fixed binary and our own config
                [binary, "-c", str(config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=30,
                check=False,
            )
        if started.returncode != 0 or not _wait_for_port("127.0.0.1", port, seconds=15):
            log = base / "dovecot.log"
            pytest.fail(
                f"Dovecot did not start on 127.0.0.1:{port} (exit {started.returncode}; "
                "it must run as root to switch to its dovecot user).\n"
                f"{output.read_text()}\n{log.read_text() if log.exists() else ''}",
                pytrace=False,
            )
        yield Dovecot(host="127.0.0.1", port=port)
    finally:
        subprocess.run(  # noqa: S603 - a fixed binary and our own config
            [binary, "-c", str(config), "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(autouse=True)
def _raw_files_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture(autouse=True)
def _dovecot_allow_listed(db: None) -> None:
    """The test server is on loopback, which the outbound guard refuses unless allow-listed."""
    AllowedTarget.objects.create(entry="127.0.0.1")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "169.254.169.254", "10.1.2.3"])
def test_a_mailbox_on_a_private_address_is_refused_without_an_allow_list(
    dovecot: Dovecot, host: str
) -> None:
    AllowedTarget.objects.all().delete()
    user = dovecot.new_user()
    dovecot.append(user, _raw("guard-1@customer.test"))
    mailbox = _mailbox(dovecot, user)
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_host=host)
    mailbox.refresh_from_db()
    with pytest.raises(ImapFailed, match="Refused to connect"):
        imap_poll(mailbox=mailbox)
    mailbox.refresh_from_db()
    assert "address" in mailbox.imap_last_error
    assert PASSWORD not in mailbox.imap_last_error
    # Nothing was fetched: the email is still unseen on the server.
    assert len(dovecot.unseen(user)) == 1


_addresses = (f"box{n}@acme.test" for n in itertools.count(1))


def _mailbox(
    dovecot: Dovecot,
    user: str,
    *,
    address: str | None = None,
    password: str = PASSWORD,
    folder: str = "INBOX",
    port: int | None = None,
) -> Mailbox:
    return mailbox_create(
        name=user,
        address=address or next(_addresses),
        imap_host=dovecot.host,
        imap_port=port or dovecot.port,
        imap_security="none",
        imap_username=user,
        imap_password=password,
        imap_folder=folder,
    )


def _raw(message_id: str, subject: str = "My order has not arrived") -> bytes:
    return build_email(message_id=f"<{message_id}>", subject=subject).as_bytes()


def test_it_stores_unseen_emails_marks_them_seen_and_they_become_conversations(
    dovecot: Dovecot,
) -> None:
    user = dovecot.new_user()
    mailbox = _mailbox(dovecot, user)
    dovecot.append(user, _raw("first@customer.test", "Order 4411"))
    dovecot.append(user, _raw("second@customer.test", "Refund for 4412"))
    dovecot.append(user, _raw("read-already@customer.test", "Old news"), seen=True)

    result = imap_poll(mailbox=mailbox)

    stored = list(InboundEmail.objects.filter(mailbox=mailbox).order_by("id"))
    assert (result.fetched, result.stored) == (2, 2)
    assert result.stored_ids == tuple(row.pk for row in stored)
    assert [row.rfc_message_id for row in stored] == [
        "first@customer.test",
        "second@customer.test",
    ]
    assert {(row.source, row.status) for row in stored} == {("imap", InboundStatus.RECEIVED)}
    assert dovecot.unseen(user) == []
    assert dovecot.count(user) == 3  # marked seen, never deleted
    mailbox.refresh_from_db()
    assert mailbox.imap_last_error == ""
    assert mailbox.imap_last_polled_at is not None

    again = imap_poll(mailbox=mailbox)

    assert (again.fetched, again.stored) == (0, 0)
    assert InboundEmail.objects.filter(mailbox=mailbox).count() == 2

    assert process_waiting() == 2

    processed = InboundEmail.objects.filter(mailbox=mailbox).order_by("id")
    assert [row.status for row in processed] == [InboundStatus.PROCESSED] * 2, [
        row.reason for row in processed
    ]
    assert sorted(Conversation.objects.values_list("subject", flat=True)) == [
        "Order 4411",
        "Refund for 4412",
    ]
    assert sorted(Message.objects.values_list("external_id", flat=True)) == [
        "first@customer.test",
        "second@customer.test",
    ]


def test_an_email_stored_before_a_crash_is_only_marked_seen(dovecot: Dovecot) -> None:
    user = dovecot.new_user()
    mailbox = _mailbox(dovecot, user)
    raw = _raw("crashed@customer.test")
    # A previous poller stored it and died before it could set \Seen on the server.
    earlier = inbound_store(mailbox=mailbox, raw=raw, source="imap").inbound
    dovecot.append(user, raw)

    result = imap_poll(mailbox=mailbox)

    assert (result.fetched, result.stored, result.stored_ids) == (1, 0, ())
    assert list(InboundEmail.objects.filter(mailbox=mailbox)) == [earlier]
    assert dovecot.unseen(user) == []


def test_an_email_marked_unseen_again_is_not_stored_twice(dovecot: Dovecot) -> None:
    user = dovecot.new_user()
    mailbox = _mailbox(dovecot, user)
    dovecot.append(user, _raw("reread@customer.test"))
    assert imap_poll(mailbox=mailbox).stored == 1
    dovecot.mark_unseen(user)
    assert len(dovecot.unseen(user)) == 1

    result = imap_poll(mailbox=mailbox)

    assert (result.fetched, result.stored) == (1, 0)
    assert InboundEmail.objects.filter(mailbox=mailbox).count() == 1
    assert dovecot.unseen(user) == []


def test_the_same_email_in_two_mailboxes_is_stored_once_per_mailbox(dovecot: Dovecot) -> None:
    first_user, second_user = dovecot.new_user(), dovecot.new_user()
    first = _mailbox(dovecot, first_user, address="support@acme.test")
    second = _mailbox(dovecot, second_user, address="sales@acme.test")
    raw = _raw("cc-to-both@customer.test")
    dovecot.append(first_user, raw)
    dovecot.append(first_user, raw)  # a second copy in the same folder
    dovecot.append(second_user, raw)

    first_result = imap_poll(mailbox=first)
    second_result = imap_poll(mailbox=second)

    assert (first_result.fetched, first_result.stored) == (2, 1)
    assert (second_result.fetched, second_result.stored) == (1, 1)
    rows = InboundEmail.objects.filter(rfc_message_id="cc-to-both@customer.test")
    assert sorted(rows.values_list("mailbox__address", flat=True)) == [
        "sales@acme.test",
        "support@acme.test",
    ]
    assert dovecot.unseen(first_user) == []
    assert dovecot.unseen(second_user) == []


def test_a_wrong_password_is_recorded_without_the_password(dovecot: Dovecot) -> None:
    user = dovecot.new_user()
    password = "Wr0ng-but-Secret-7319"
    mailbox = _mailbox(dovecot, user, password=password)
    dovecot.append(user, _raw("waiting@customer.test"))

    with pytest.raises(ImapFailed) as failed:
        imap_poll(mailbox=mailbox)

    assert password not in str(failed.value)
    mailbox.refresh_from_db()
    assert "AUTHENTICATIONFAILED" in mailbox.imap_last_error
    assert password not in mailbox.imap_last_error
    assert mailbox.imap_last_polled_at is not None
    assert not InboundEmail.objects.filter(mailbox=mailbox).exists()
    assert len(dovecot.unseen(user)) == 1


def test_it_polls_the_configured_folder_only(dovecot: Dovecot) -> None:
    user = dovecot.new_user()
    folder = "Support Requests"  # a space, so the name must be quoted
    dovecot.create_folder(user, folder)
    mailbox = _mailbox(dovecot, user, folder=folder)
    dovecot.append(user, _raw("in-folder@customer.test"), folder=folder)
    dovecot.append(user, _raw("in-inbox@customer.test"))

    result = imap_poll(mailbox=mailbox)

    assert (result.fetched, result.stored) == (1, 1)
    assert list(
        InboundEmail.objects.filter(mailbox=mailbox).values_list("rfc_message_id", flat=True)
    ) == ["in-folder@customer.test"]
    assert dovecot.unseen(user, folder=folder) == []
    assert len(dovecot.unseen(user)) == 1  # INBOX is left alone


def test_poll_mailboxes_goes_on_after_a_mailbox_fails(dovecot: Dovecot) -> None:
    # Mailboxes are polled in address order, so both broken ones come first.
    refused = _mailbox(dovecot, dovecot.new_user(), address="a-refused@acme.test", port=free_port())
    no_folder_user = dovecot.new_user()
    no_folder = _mailbox(
        dovecot, no_folder_user, address="b-no-folder@acme.test", folder="Does Not Exist"
    )
    dovecot.append(no_folder_user, _raw("lost-folder@customer.test"))
    working_user = dovecot.new_user()
    working = _mailbox(dovecot, working_user, address="c-working@acme.test")
    dovecot.append(working_user, _raw("arrives@customer.test"))

    assert poll_mailboxes() == 1

    assert list(InboundEmail.objects.values_list("mailbox__address", "rfc_message_id")) == [
        ("c-working@acme.test", "arrives@customer.test")
    ]
    for broken in (refused, no_folder):
        broken.refresh_from_db()
        assert broken.imap_last_error, broken.address
        assert broken.imap_last_polled_at is not None
    assert "Does Not Exist" in no_folder.imap_last_error
    working.refresh_from_db()
    assert working.imap_last_error == ""
    assert working.imap_last_polled_at is not None
    assert dovecot.unseen(working_user) == []


def test_a_non_ascii_folder_or_password_fails_that_mailbox_only(dovecot: Dovecot) -> None:
    """imaplib speaks ASCII: such settings fail their mailbox, never the whole worker."""
    folder = _mailbox(
        dovecot,
        dovecot.new_user(),
        address="a-umlaut-folder@acme.test",
        folder="Anfragen für Support",
    )
    secret = _mailbox(
        dovecot, dovecot.new_user(), address="b-umlaut-password@acme.test", password="geheim-äöü"
    )
    working_user = dovecot.new_user()
    _mailbox(dovecot, working_user, address="c-fine@acme.test")
    dovecot.append(working_user, _raw("still-arrives@customer.test"))

    assert poll_mailboxes() == 1

    for broken in (folder, secret):
        broken.refresh_from_db()
        assert "ASCII" in broken.imap_last_error
        assert "äöü" not in broken.imap_last_error
