"""The ``concord`` command: run the server, load demo data, create logins and tokens.

A thin front-end: it parses arguments, sets up Django and calls services and
selectors; ``concord manage ...`` hands everything else to Django's commands.
"""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from concord.processes import (
    run_mail,
    run_worker,
    start_mail_worker,
    start_worker,
    stop_worker,
)

if TYPE_CHECKING:
    from concord.accounts.models import User

# Enough that a month's survey figures rest on real samples; about 20 s to load.
DEMO_CONVERSATIONS = 1000

DEFAULT_SETTINGS = "concord.config.settings.base"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    import django

    django.setup()


def _say(text: str = "", *, stream: TextIO | None = None) -> None:
    # Flushed at once: `concord serve` runs under supervisors and tests that read a pipe.
    print(text, file=stream or sys.stdout, flush=True)


class CommandFailed(Exception):
    """A user-facing error: printed without a traceback, exit status 1."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="concord",
        description="Concord, the customer-service platform.",
        epilog=f"Settings: $DJANGO_SETTINGS_MODULE (default {DEFAULT_SETTINGS}); "
        "data directory: $CONCORD_DATA_DIR (default ./data).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="create or upgrade the database and run Concord")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument(
        "--demo-if-empty",
        action="store_true",
        help="load demo data when there are no conversations yet",
    )
    serve.add_argument(
        "--demo-conversations",
        type=int,
        default=None,
        metavar="N",
        help="conversations for --demo-if-empty ($CONCORD_DEMO_CONVERSATIONS, default 1000)",
    )
    serve.add_argument(
        "--no-worker", action="store_true", help="do not start the background task worker"
    )
    serve.add_argument(
        "--no-mail",
        action="store_true",
        help="do not start the mail worker (SMTP listener, IMAP polling, email retries)",
    )

    mail = commands.add_parser(
        "mail",
        help="run the mail worker: SMTP listener, inbound processing, IMAP polling, retries",
    )
    mail.add_argument(
        "--smtp-port",
        type=int,
        default=None,
        metavar="PORT",
        help="port of the SMTP listener ($CONCORD_SMTP_LISTEN_PORT, default 2525; 0: none)",
    )
    mail.add_argument(
        "--listen-only",
        action="store_true",
        help=argparse.SUPPRESS,  # the listener process the mail worker starts for itself
    )

    commands.add_parser(
        "worker",
        help="run background tasks and the scheduler (SLA sweep, time rules, webhook retries)",
    )

    routing = commands.add_parser("routing", help="the learned triage classifier")
    routing_commands = routing.add_subparsers(dest="routing_command", required=True)
    train = routing_commands.add_parser(
        "train",
        help="train on this installation's solved conversations and report held-out accuracy",
    )
    train.add_argument(
        "--holdout",
        type=float,
        default=0.2,
        help="share of conversations kept aside to measure accuracy (0.05-0.5)",
    )
    train.add_argument("--seed", type=int, default=1, metavar="S", help="seed of the split")

    demo = commands.add_parser(
        "demo",
        help="fill an empty database with demo data (login: admin / concord-demo)",
        description="Fill an empty database with 90 days of realistic demo data. It creates "
        "the admin login 'admin' with the password 'concord-demo': for trying Concord out, "
        "never for a real installation.",
    )
    demo.add_argument("--conversations", type=int, default=DEMO_CONVERSATIONS, metavar="N")
    demo.add_argument("--seed", type=int, default=1, metavar="S")

    admin = commands.add_parser("createadmin", help="create an admin login")
    admin.add_argument("--username", default="admin")
    admin.add_argument("--email", default="")
    secret = admin.add_mutually_exclusive_group()
    secret.add_argument("--password", help="the password (visible in shell history)")
    secret.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )

    token = commands.add_parser("token", help="issue a personal API token")
    token.add_argument("--username", required=True)
    token.add_argument("--name", default="command line", help="a label to tell tokens apart")

    # Listed for --help; main() hands its arguments to Django untouched.
    commands.add_parser("manage", help="run a Django management command (migrate, shell, ...)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["manage"]:
        # Before argparse, so options such as `manage migrate --help` reach Django.
        _setup_django()
        from django.conf import settings
        from django.core.management import execute_from_command_line

        # SQLite cannot create its file in a directory that does not exist yet.
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        execute_from_command_line(["concord manage", *args[1:]])
        return 0
    options = build_parser().parse_args(args)
    _setup_django()
    from concord.common.errors import ServiceError

    handlers = {
        "serve": _serve,
        "demo": _demo,
        "createadmin": _createadmin,
        "token": _token,
        "mail": run_mail,
        "worker": run_worker,
        "routing": _routing,
    }
    try:
        return handlers[options.command](options)
    except (CommandFailed, ServiceError) as error:
        _say(f"concord {options.command}: {error}", stream=sys.stderr)
        return 1


# -- database and demo data -------------------------------------------------------


def _prepare_database() -> None:
    """Create the data directory and bring the schema up to date (migrate is idempotent)."""
    from django.conf import settings
    from django.core.management import call_command

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)


def _load_demo(conversations: int, seed: int) -> None:
    from concord.demo import generate

    _say(f"Loading demo data ({conversations} conversations)...")

    def progress(done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            _say(f"  {done * 100 // total}%")

    summary = generate(conversations=conversations, seed=seed, progress=progress)
    _say(
        f"Demo data: {summary.teams} teams, {summary.staff} staff, "
        f"{summary.organizations} organizations, {summary.customers} customers, "
        f"{summary.orders} orders, {summary.conversations} conversations, "
        f"{summary.messages} messages."
    )
    for username, role in summary.logins:
        _say(f"  login {username:<14} ({role}) password {summary.password}")


def _demo(options: argparse.Namespace) -> int:
    from concord.conversations.selectors import conversation_any_exist

    if options.conversations < 1:
        raise CommandFailed("--conversations must be at least 1.")
    _prepare_database()
    if conversation_any_exist():
        raise CommandFailed(
            "the database already has conversations; demo data only goes into an empty one "
            "(point CONCORD_DATA_DIR at a new directory)."
        )
    _load_demo(options.conversations, options.seed)
    return 0


# -- logins and tokens --------------------------------------------------------------


def _read_password(options: argparse.Namespace) -> str:
    if options.password:
        return str(options.password)
    if options.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CommandFailed("give --password or --password-stdin (standard input is no terminal).")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password (again): "):
        raise CommandFailed("the passwords differ.")
    return first


def _createadmin(options: argparse.Namespace) -> int:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from concord.accounts.models import Role
    from concord.accounts.selectors import user_get_by_username
    from concord.accounts.services import user_create

    _prepare_database()
    username = options.username.strip()
    # Checked before asking for a password, so nobody types one in vain.
    if user_get_by_username(username=username) is not None:
        raise CommandFailed(f"the username {username!r} is taken; choose another with --username.")
    password = _read_password(options)
    if not password:
        raise CommandFailed("the password is empty.")
    try:
        validate_password(password)
    except ValidationError as error:
        raise CommandFailed(" ".join(error.messages)) from None
    user = user_create(username=username, email=options.email, password=password, role=Role.ADMIN)
    _say(f"Created the admin {user.username}. Sign in at /admin/.")
    return 0


def _user_named(username: str) -> User:
    from concord.accounts.selectors import user_get_by_username

    user = user_get_by_username(username=username)
    if user is None or not user.is_active:
        raise CommandFailed(f"there is no active user {username!r}.")
    return user


def _token(options: argparse.Namespace) -> int:
    from concord.accounts.services import api_token_issue

    user = _user_named(options.username)
    issued = api_token_issue(user=user, name=options.name)
    # The token alone on stdout, so `TOKEN=$(concord token --username ann)` works.
    _say(
        f"API token {issued.token.name!r} for {user.username}; it is shown only this once:",
        stream=sys.stderr,
    )
    _say(issued.raw)
    return 0


# -- serve -------------------------------------------------------------------------------


def _demo_login() -> User | None:
    """The demo admin, if it still signs in with the documented demo password."""
    from concord.accounts.selectors import user_get_by_username
    from concord.demo import DEMO_ADMIN_USERNAME, DEMO_PASSWORD

    user = user_get_by_username(username=DEMO_ADMIN_USERNAME)
    if user is None or not user.is_active or not user.check_password(DEMO_PASSWORD):
        return None
    return user


def _demo_size(options: argparse.Namespace) -> int:
    from concord.config.env import env_int

    if options.demo_conversations is not None:
        return int(options.demo_conversations)
    return env_int("CONCORD_DEMO_CONVERSATIONS", default=DEMO_CONVERSATIONS, minimum=1)


def _routing(options: argparse.Namespace) -> int:
    from concord.routing.training import train_and_report

    _prepare_database()
    return train_and_report(holdout=options.holdout, seed=options.seed, out=sys.stdout)


def _bind(host: str, port: int) -> socket.socket:
    """The server's socket, bound before anything starts, so a taken port fails plainly."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as error:
        raise CommandFailed(f"cannot listen on {host}:{port}: {error}") from None
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise CommandFailed(f"cannot listen on {host}:{port}: {error.strerror}.") from None
    return sock


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _serve(options: argparse.Namespace) -> int:
    import uvicorn

    from concord.accounts.services import api_token_rotate
    from concord.conversations.selectors import conversation_any_exist

    # SIGTERM ends the server the way Ctrl-C does, so the worker is always stopped.
    # Uvicorn installs its own handlers while it runs and re-raises the signal
    # afterwards, which lands here.
    signal.signal(signal.SIGTERM, _interrupt)
    sock = _bind(options.host, options.port)
    worker = mail_worker = None
    try:
        _say("Preparing the database...")
        _prepare_database()
        if options.demo_if_empty and not conversation_any_exist():
            _load_demo(_demo_size(options), seed=1)
        from concord.config.asgi import build_application

        # The embedded server answers /static/ itself, from the apps' static
        # folders through the staticfiles finders, so the admin has its CSS with
        # no collectstatic step and no separate web server. A production setup
        # behind nginx or a CDN runs `concord manage collectstatic` instead.
        app = build_application(serve_static=True)
        demo_admin = _demo_login()
        token = api_token_rotate(user=demo_admin, name="concord serve") if demo_admin else None
        if not options.no_worker:
            worker = start_worker()
        if not options.no_mail:
            mail_worker = start_mail_worker()
        _banner(options, demo_admin, token.raw if token else None, worker, mail_worker)
        config = uvicorn.Config(
            app, host=options.host, port=options.port, lifespan="off", log_level="info"
        )
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        stop_worker(mail_worker)
        stop_worker(worker)
        sock.close()
    _say("Concord stopped.")
    return 0


def _banner(
    options: argparse.Namespace,
    demo_admin: User | None,
    token: str | None,
    worker: subprocess.Popen[bytes] | None,
    mail_worker: subprocess.Popen[bytes] | None = None,
) -> None:
    host = options.host
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - comparing, not binding
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    base = f"http://{host}:{options.port}"
    _say()
    _say(f"Concord is starting at {base}/")
    if options.host not in ("127.0.0.1", "localhost", "::1"):
        _say("  (other machines reach it by the names listed in CONCORD_ALLOWED_HOSTS)")
    _say(f"  Agents:  {base}/app/")
    _say(f"  Portal:  {base}/help/")
    _say(f"  Admin:   {base}/admin/")
    _say(f"  API:     {base}/api/v1/  (reference: {base}/api/v1/docs)")
    if demo_admin is not None:
        from concord.demo import DEMO_PASSWORD

        _say(f"  Login:   username {demo_admin.username}  password {DEMO_PASSWORD}  (demo data)")
    else:
        _say("  Login:   create an admin with `concord createadmin`")
    if demo_admin is not None:
        from concord.customers.selectors import customer_email_with_latest_request

        email = customer_email_with_latest_request()
        if email:
            _say(f"  Customer: sign in to the portal as {email}; the link is printed here")
    if token is not None:
        _say(f"  Token:   {token}")
        _say(f'           curl -H "Authorization: Bearer {token}" {base}/api/v1/conversations')
    if worker is not None:
        _say(f"  Worker:  background tasks run in process {worker.pid}")
    if mail_worker is not None:
        _mail_banner(mail_worker.pid)
    _say("Press Ctrl-C to stop.")
    _say()


def _mail_banner(pid: int) -> None:
    from django.conf import settings

    from concord.channels.email.selectors import mailbox_addresses

    port = settings.CONCORD_SMTP_LISTEN_PORT
    addresses = ", ".join(sorted(mailbox_addresses())) or "no mailbox yet (add one in the admin)"
    if port:
        _say(f"  Mail:    SMTP on {settings.CONCORD_SMTP_LISTEN_HOST}:{port} for {addresses}")
    else:
        _say(f"  Mail:    SMTP listener off; IMAP polling for {addresses}")
    _say(f"           mail worker in process {pid}")


if __name__ == "__main__":
    sys.exit(main())
