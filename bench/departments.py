"""Benchmark the departments' pages (issue 16): problems and the consult queue, over HTTP.

    python bench/departments.py --conversations 100000 [--requests 200] [--data-dir DIR]

Fills a database with bench/generate.py (or reuses ``--data-dir`` if it holds
one already), then adds what departments work with:

* 1,000 problems and feature requests (a fifth) owned by the three department
  teams, most of them open, with linked conversations in a long tail: a few
  problems with thousands of conversations, most with 1-50 (about 40k links in
  all); feature requests shown in the portal have customers' votes (again a
  long tail); a timeline of events for each (created, linked, status).
* a few thousand consults asking those departments about conversations (the
  busiest department gets half), some waiting, some answered (with a reply),
  some closed, with their due times; and a few collaborators (members of a
  department who do not work conversations) in each department team.

Like bench/generate.py, the set-up writes these rows directly (``bulk_create``)
instead of through ``problem_create``/``problem_link``/``consult_open``: the
services link at most a batch at a time, check every conversation, write a
conversation event, notify the people asked and announce each change, which would
take long for 40k links and would announce history that never happened. The
rows are built in the shape the services leave them (a problem's first status
for its kind, ``closed_at`` for final statuses, a ``created`` and ``linked``
events, a consult's ``first_answer_at`` with its answer, ``consult_asked`` and
``consult_answered`` conversation events). Users and team memberships go
through the accounts services.

Then it signs people in (real sessions) and times sequential keep-alive GETs
against uvicorn run as ``concord serve`` runs it (30 untimed, then
``--requests`` timed; median and nearest-rank p95): the problem list, the
biggest problem's page, random problems' pages, the demand report, the consult
queue of a collaborator of the busiest department and of an agent, and the
conversation page of a conversation linked to a problem. Queries per page and
the same pages in-process (Django's test ``Client``) are measured too. Prints a
table and writes bench/results/<time>-departments-sqlite-<n>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ holds scripts, not a package
import harness
from harness import RESULTS, ROOT, Timing, getter, machine, measure, measured_server
from ui import _session_cookie

if TYPE_CHECKING:
    from concord.accounts.models import Team, User

# The target (issue 16): server time at 100k conversations on SQLite.
TARGET_P50_MS = 30.0
PROBLEMS = 1000
FEATURE_SHARE = 0.2
# The long tail's head: conversations linked to the biggest problems.
BIG_PROBLEMS = [8000, 5000, 3000, 2000, 1500, 1000, 700, 500]
CONSULTS = 3000
# Department -> share of the consults (the first is the busiest).
DEPARTMENTS = [("Technical", 0.5), ("Billing", 0.3), ("Logistics", 0.2)]
COLLABORATORS_PER_TEAM = 3
DAY = timedelta(days=1)
TITLES = [
    "Checkout times out on card payments", "Invoices show the wrong VAT rate",
    "Parcels stuck at the {n} hub", "App crashes on start after update {n}",
    "Password reset mail delayed", "Double charge on renewal", "Tracking links broken",
    "Export to CSV", "Dark mode", "Pay by invoice for small shops", "Delivery slot choice",
    "Login loop on Safari", "Refunds not reaching PayPal", "Label printer drops jobs",
]  # fmt: skip


@dataclass
class Result:
    conversations: int
    requests: int
    settings: str
    machine: dict[str, Any]
    data_dir: str
    generate_seconds: float | None
    setup_seconds: float | None
    shape: dict[str, Any] = field(default_factory=dict)
    timings: list[Timing] = field(default_factory=list)
    in_process_ms: dict[str, float] = field(default_factory=dict)
    queries: dict[str, int] = field(default_factory=dict)
    plans: dict[str, list[str]] = field(default_factory=dict)
    server_memory_kb: dict[str, int] = field(default_factory=dict)
    load_average: dict[str, list[float]] = field(default_factory=dict)
    started_at: str = ""
    seconds: float = 0.0


class _PatientHttpx:
    """httpx for harness.server's readiness poll, with a longer timeout.

    The poll asks for the OpenAPI schema with a 2 s timeout; on a loaded
    machine building the schema takes longer than that, so every poll gave up
    and the server never counted as started.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(httpx, name)

    @staticmethod
    def get(url: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(url, **{**kwargs, "timeout": 30})


harness.httpx = _PatientHttpx()  # type: ignore[attr-defined,assignment]


def _link_sizes(rng: random.Random) -> list[int]:
    """Linked conversations per problem: BIG_PROBLEMS, then 1-50 skewed to the small end."""
    rest = [int(1 + 49 * rng.random() ** 2.5) for _ in range(PROBLEMS - len(BIG_PROBLEMS))]
    return BIG_PROBLEMS + rest


def setup(*, seed: int = 16, progress: Callable[[str], None] = print) -> float:
    """Add problems, links, votes, events, collaborators and consults to a generated database."""
    from django.db import transaction
    from django.utils import timezone

    from concord.accounts.models import Role, Team
    from concord.accounts.services import team_add_member, user_create
    from concord.collaboration.models import Consult, ConsultReply, ConsultStatus
    from concord.conversations.models import Conversation, Event
    from concord.customers.models import Customer
    from concord.problems.models import (
        FINAL_STATUSES,
        STATUSES,
        Problem,
        ProblemEvent,
        ProblemKind,
        ProblemLink,
        ProblemStatus,
        ProblemVote,
    )

    started = time.perf_counter()
    rng = random.Random(seed)
    now = timezone.now()
    teams = {t.name: t for t in Team.objects.filter(name__in=[d for d, _ in DEPARTMENTS])}
    if len(teams) != len(DEPARTMENTS):
        raise RuntimeError("The department teams are missing: not a bench/generate.py database.")
    team_members = {
        name: list(team.members.filter(role=Role.AGENT).values_list("pk", flat=True))
        for name, team in teams.items()
    }
    for name, team in teams.items():
        for i in range(COLLABORATORS_PER_TEAM):
            slug = name.lower().replace(" ", "-")
            username = f"collab-{slug}-{i + 1}"
            if team.members.filter(username=username).exists():
                continue  # an earlier, interrupted set-up
            user = user_create(
                username=username,
                email=f"collab-{slug}-{i + 1}@staff.example",
                password=None,
                role=Role.COLLABORATOR,
            )
            team_add_member(team=team, user=user)

    conversation_ids = list(Conversation.objects.values_list("pk", flat=True))
    customer_ids = list(Customer.objects.values_list("pk", flat=True))
    sizes = _link_sizes(rng)
    names = [d for d, _ in DEPARTMENTS]
    weights = [w for _, w in DEPARTMENTS]
    with transaction.atomic():
        problems = []
        for i in range(len(sizes)):
            # The biggest ones belong to the busiest department.
            team_name = names[0] if i < len(BIG_PROBLEMS) else rng.choices(names, weights)[0]
            kind = (
                ProblemKind.FEATURE
                if i >= len(BIG_PROBLEMS) and rng.random() < FEATURE_SHARE
                else ProblemKind.PROBLEM
            )
            created = now - DAY * 90 * rng.random() ** 1.5
            statuses = STATUSES[kind]
            # Most are still open; a quarter reached a final status.
            status = (
                rng.choice([s for s in statuses if s in FINAL_STATUSES])
                if rng.random() < 0.25
                else rng.choice([s for s in statuses if s not in FINAL_STATUSES])
            )
            closed = status in FINAL_STATUSES
            updated = created + (now - created) * rng.random()
            problems.append(
                Problem(
                    kind=kind,
                    title=rng.choice(TITLES).format(n=rng.randint(2, 99)) + f" ({i + 1})",
                    description="Seen by several customers since the last release.",
                    team=teams[team_name],
                    status=status,
                    public_note="We are working on it." if rng.random() < 0.3 else "",
                    portal_visible=kind == ProblemKind.FEATURE and rng.random() < 0.7,
                    created_by_id=rng.choice(team_members[team_name]),
                    created_at=created,
                    updated_at=updated,
                    closed_at=updated if closed else None,
                )
            )
        problems = Problem.objects.bulk_create(problems, batch_size=500)
        progress(f"{len(problems):,} problems")

        links: list[ProblemLink] = []
        events: list[ProblemEvent] = []
        for problem, size in zip(problems, sizes, strict=True):
            linker = problem.created_by_id
            events.append(
                ProblemEvent(
                    problem=problem, kind="created", actor_id=linker,
                    new_value=problem.title, at=problem.created_at,
                )
            )  # fmt: skip
            chosen = rng.sample(conversation_ids, min(size, len(conversation_ids) // 2))
            span = (problem.updated_at - problem.created_at).total_seconds()
            # Linked in batches (an inbox selection), one timeline line per batch.
            for start in range(0, len(chosen), 50):
                batch = chosen[start : start + 50]
                at = problem.created_at + timedelta(seconds=span * rng.random())
                links += [
                    ProblemLink(
                        problem=problem, conversation_id=c, linked_by_id=linker, linked_at=at
                    )
                    for c in batch
                ]
                events.append(
                    ProblemEvent(
                        problem=problem, kind="linked", actor_id=linker, at=at,
                        new_value=f"{len(batch)} conversations (#{batch[0]}, …)",
                    )
                )  # fmt: skip
            if problem.status != STATUSES[problem.kind][0]:
                events.append(
                    ProblemEvent(
                        problem=problem, kind="status", actor_id=linker, at=problem.updated_at,
                        old_value=ProblemStatus(STATUSES[problem.kind][0]).label,
                        new_value=ProblemStatus(problem.status).label,
                    )
                )  # fmt: skip
        ProblemLink.objects.bulk_create(links, batch_size=2000)
        ProblemEvent.objects.bulk_create(events, batch_size=2000)
        progress(f"{len(links):,} links, {len(events):,} problem events")

        votes = []
        for problem in problems:
            if not problem.portal_visible:
                continue
            count = int(600 * rng.random() ** 4)
            age = (now - problem.created_at).total_seconds()
            votes += [
                ProblemVote(
                    problem=problem,
                    customer_id=c,
                    created_at=problem.created_at + timedelta(seconds=age * rng.random()),
                )
                for c in rng.sample(customer_ids, min(count, len(customer_ids)))
            ]
        ProblemVote.objects.bulk_create(votes, batch_size=2000)
        progress(f"{len(votes):,} votes")

        # Consults: on conversations of the last 60 days, asked by their agents.
        recent = list(
            Conversation.objects.filter(created_at__gte=now - 60 * DAY, assignee__isnull=False)
            .exclude(team_id__in=[t.pk for t in teams.values()])
            .values_list("pk", "assignee_id", "created_at")
        )
        consults = []
        for pk, assignee, created in rng.sample(recent, min(CONSULTS, len(recent))):
            team = teams[rng.choices(names, weights)[0]]
            asked = created + (now - created) * rng.random() * 0.5
            roll = rng.random()
            status = (
                ConsultStatus.OPEN
                if roll < 0.15
                else ConsultStatus.ANSWERED
                if roll < 0.35
                else ConsultStatus.CLOSED
            )
            answered = (
                None
                if status == ConsultStatus.OPEN
                else asked + timedelta(hours=rng.uniform(0.2, 30))
            )
            due = asked + timedelta(hours=8)
            consults.append(
                Consult(
                    conversation_id=pk,
                    team=team,
                    question="Could you check this customer's case? What do you see on your side?",
                    asked_by_id=assignee,
                    status=status,
                    created_at=asked,
                    due_at=due,
                    warn_at=due - timedelta(hours=2),
                    due_by_target=True,
                    first_answer_at=answered,
                    closed_at=(answered + DAY)
                    if status == ConsultStatus.CLOSED and answered
                    else None,
                    breached_at=(due if (answered or now) > due else None),
                    warned_at=due - timedelta(hours=2) if (answered or now) > due else None,
                )
            )
        consults = Consult.objects.bulk_create(consults, batch_size=1000)
        replies = []
        conversation_events = []
        team_names = {team.pk: name for name, team in teams.items()}
        for consult in consults:
            assert consult.team_id is not None
            team_name = team_names[consult.team_id]
            conversation_events.append(
                Event(
                    conversation_id=consult.conversation_id, kind="consult_asked",
                    actor_user_id=consult.asked_by_id, old_value=str(consult.pk),
                    new_value=team_name, created_at=consult.created_at,
                )
            )  # fmt: skip
            if consult.first_answer_at is None:
                continue
            answerer = rng.choice(team_members[team_name])
            replies.append(
                ConsultReply(
                    consult=consult, author_id=answerer, created_at=consult.first_answer_at,
                    body="Checked: it is on our side, fixed for this customer.",
                )
            )  # fmt: skip
            conversation_events.append(
                Event(
                    conversation_id=consult.conversation_id, kind="consult_answered",
                    actor_user_id=answerer, old_value=str(consult.pk),
                    new_value=team_name, created_at=consult.first_answer_at,
                )
            )  # fmt: skip
        ConsultReply.objects.bulk_create(replies, batch_size=2000)
        Event.objects.bulk_create(conversation_events, batch_size=2000)
        progress(f"{len(consults):,} consults, {len(replies):,} answers")
    return time.perf_counter() - started


def _shape() -> dict[str, Any]:
    from django.db.models import Count

    from concord.collaboration.models import Consult
    from concord.problems.models import Problem, ProblemLink, ProblemVote

    per_problem = sorted(
        ProblemLink.objects.values("problem_id").annotate(n=Count("id")).values_list("n", flat=True)
    )
    return {
        "problems": Problem.objects.count(),
        "features": Problem.objects.filter(kind="feature").count(),
        "links": ProblemLink.objects.count(),
        "links_max": per_problem[-1] if per_problem else 0,
        "links_median": statistics.median(per_problem) if per_problem else 0,
        "votes": ProblemVote.objects.count(),
        "consults": dict(
            Consult.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
        ),
    }


@dataclass(frozen=True)
class Page:
    label: str
    who: str
    path: str | Callable[[int], str]
    check: str  # text the page must contain


def _people_and_pages(rng: random.Random) -> tuple[dict[str, User], list[Page]]:
    from django.db.models import Count

    from concord.accounts.models import Role, Team
    from concord.accounts.selectors import user_get_by_username
    from concord.problems.models import Problem, ProblemLink

    admin = user_get_by_username(username="bench-admin")
    assert admin is not None
    busiest: Team = Team.objects.get(name=DEPARTMENTS[0][0])
    collaborator = busiest.members.filter(role=Role.COLLABORATOR).order_by("username").first()
    agent = busiest.members.filter(role=Role.AGENT).order_by("username").first()
    assert collaborator is not None
    assert agent is not None
    biggest = (
        Problem.objects.annotate(n=Count("links")).order_by("-n", "pk").values_list("pk", "title")
    )[0]
    ids = list(Problem.objects.values_list("pk", flat=True))
    random_ids = [rng.choice(ids) for _ in range(2000)]
    own = list(Problem.objects.filter(team=busiest).values_list("pk", flat=True))
    own_ids = [rng.choice(own) for _ in range(2000)]
    # A conversation linked to the biggest problem, worked by a service team.
    link = (
        ProblemLink.objects.filter(problem_id=biggest[0], conversation__team__kind="service")
        .exclude(conversation__assignee__isnull=True)
        .select_related("conversation")
        .order_by("pk")
        .first()
    )
    assert link is not None
    conversation = link.conversation
    worker = conversation.assignee
    assert worker is not None
    users = {"admin": admin, "collaborator": collaborator, "agent": agent, "worker": worker}
    problem = f"/app/problems/{biggest[0]}/"
    pages = [
        Page("problems list admin (open)", "admin", "/app/problems/", "Problems"),
        Page("problems list admin ?kind=feature&show=all", "admin",
             "/app/problems/?kind=feature&show=all", "Problems"),
        Page("problems list collaborator", "collaborator", "/app/problems/", "Problems"),
        Page(f"problem page admin, biggest ({_links(biggest[0])} links)", "admin", problem,
             "Problems"),
        Page("problem page admin, random", "admin",
             lambda i: f"/app/problems/{random_ids[i % len(random_ids)]}/", "Problems"),
        Page("problem page collaborator, biggest", "collaborator", problem, "Problems"),
        Page("problem page collaborator, random own", "collaborator",
             lambda i: f"/app/problems/{own_ids[i % len(own_ids)]}/", "Problems"),
        Page("demand report admin", "admin", "/app/problems/demand/", "Problems"),
        Page("consult queue collaborator", "collaborator", "/app/consults/", "onsult"),
        Page("consult queue collaborator ?show=answered", "collaborator",
             "/app/consults/?show=answered", "onsult"),
        Page("consult queue agent", "agent", "/app/consults/", "onsult"),
        Page("conversation page admin (linked)", "admin",
             f"/app/conversations/{conversation.pk}/", biggest[1][:20]),
        Page("conversation page its agent (linked)", "worker",
             f"/app/conversations/{conversation.pk}/", biggest[1][:20]),
    ]  # fmt: skip
    return users, pages


def _links(problem_id: int) -> int:
    from concord.problems.models import ProblemLink

    return ProblemLink.objects.filter(problem_id=problem_id).count()


def _url(page: Page, i: int) -> str:
    return page.path if isinstance(page.path, str) else page.path(i)


def _check(page: Page, response: Any) -> None:
    status = getattr(response, "status_code", 0)
    if status != 200:
        raise RuntimeError(f"{page.label}: gave {status}")
    text = response.content.decode() if hasattr(response, "content") else response.text
    if page.check not in text:
        raise RuntimeError(f"{page.label}: the page lacks {page.check!r}")


def _in_process(
    users: dict[str, User], pages: list[Page], repeat: int = 20
) -> tuple[dict[str, int], dict[str, float], dict[str, list[str]]]:
    """Queries per page, the median in-process time (test Client) and the slowest queries."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    queries: dict[str, int] = {}
    times: dict[str, float] = {}
    plans: dict[str, list[str]] = {}
    for page in pages:
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(users[page.who])
        client.get(_url(page, 0))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(_url(page, 0))
        _check(page, response)
        queries[page.label] = len(captured.captured_queries)
        slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:3]
        plans[page.label] = [f"{q['time']} s: {q['sql'][:600]}" for q in slowest]
        samples = []
        for i in range(repeat):
            url = _url(page, i)
            start = time.perf_counter()
            client.get(url)
            samples.append(time.perf_counter() - start)
        times[page.label] = round(statistics.median(samples) * 1000, 2)
        print(f"  {page.label}: {queries[page.label]} queries, in-process "
              f"{times[page.label]} ms", flush=True)  # fmt: skip
    return queries, times, plans


def run(
    conversations: int,
    requests: int,
    *,
    data_dir: Path | None = None,
    settings: str = "concord.config.settings.base",
    only: str = "",
) -> Result:
    started = time.perf_counter()
    keep = data_dir is not None
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="concord-bench-departments-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        CONCORD_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE=settings,
        CONCORD_LOG_LEVEL="WARNING",
        CONCORD_DEBUG="0",
    )
    os.environ.update(env)
    try:
        print(f"data directory {data_dir}; migrating", flush=True)
        subprocess.run(
            [sys.executable, "-m", "django", "migrate", "--verbosity", "0"],
            env=env, cwd=ROOT, check=True,
        )  # fmt: skip
        import django

        django.setup()
        import generate
        from django.conf import settings as django_settings
        from django.db import connections

        from concord.conversations.selectors import conversation_any_exist
        from concord.problems.models import Problem

        generated: float | None = None
        if conversation_any_exist():
            print("reusing the conversations already there", flush=True)
        else:
            print(f"generating {conversations:,} conversations", flush=True)
            generated = generate.generate(conversations=conversations, progress=print).seconds
        set_up: float | None = None
        if Problem.objects.exists():
            print("reusing the problems and consults already there", flush=True)
        else:
            print("adding problems, links, votes and consults", flush=True)
            set_up = setup()
        rng = random.Random(7)
        users, pages = _people_and_pages(rng)
        if only:
            pages = [p for p in pages if only in p.label]
        result = Result(
            conversations=conversations,
            requests=requests,
            settings=settings,
            machine=machine(),
            data_dir=str(data_dir),
            generate_seconds=generated,
            setup_seconds=round(set_up, 1) if set_up else None,
            shape=_shape(),
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        print(f"shape: {result.shape}", flush=True)
        print("counting queries and timing in-process", flush=True)
        result.queries, result.in_process_ms, result.plans = _in_process(users, pages)
        cookies = {who: _session_cookie(user) for who, user in users.items()}
        connections.close_all()

        print("starting uvicorn", flush=True)
        with measured_server(env, data_dir / "uvicorn.log", result) as base:
            for page in pages:
                with httpx.Client(
                    base_url=base,
                    cookies={django_settings.SESSION_COOKIE_NAME: cookies[page.who]},
                    timeout=60,
                ) as client:
                    _check(page, client.get(_url(page, 0)))
                    result.timings.append(
                        measure(
                            page.label,
                            getter(client, lambda i, page=page: _url(page, i)),  # type: ignore[misc]
                            requests,
                        )
                    )
        result.seconds = round(time.perf_counter() - started, 1)
        return result
    finally:
        if keep:
            print(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def table(result: Result) -> str:
    m = result.machine
    lines = [
        f"Concord departments benchmark: {result.conversations:,} conversations on SQLite, "
        f"{m['cores']} cores ({m['cpu']}), sum(range(1e6)) {m['sum_range_1e6_ms']} ms, "
        f"load average {result.load_average.get('before')} -> {result.load_average.get('after')}",
        f"shape: {result.shape}",
        "",
        f"{'page (over HTTP)':46} {'n':>5} {'p50 ms':>7} {'p95 ms':>7} {'mean':>7} {'max':>7} "
        f"{'in-proc':>8} {'queries':>8}  target",
    ]
    for t in result.timings:
        targeted = t.name.startswith(("problem page", "consult queue"))
        verdict = ("ok" if t.p50_ms <= TARGET_P50_MS else "MISSED") if targeted else ""
        lines.append(
            f"{t.name:46} {t.requests:>5} {t.p50_ms:>7.1f} {t.p95_ms:>7.1f} {t.mean_ms:>7.1f} "
            f"{t.max_ms:>7.1f} {result.in_process_ms.get(t.name, 0):>8.1f} "
            f"{result.queries.get(t.name, 0):>8}  {verdict}"
        )
    peak = result.server_memory_kb.get("VmHWM", 0) / 1024
    lines += [
        "",
        f"server memory: peak {peak:.0f} MB; whole run {result.seconds:.0f} s"
        + (f" (generated in {result.generate_seconds:.0f} s)" if result.generate_seconds else "")
        + (f" (set up in {result.setup_seconds:.0f} s)" if result.setup_seconds else ""),
        f"target: problem page and consult queue p50 <= {TARGET_P50_MS:.0f} ms; "
        f"settings: {result.settings}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the problem pages and consult queue.")
    parser.add_argument("--conversations", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per line")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="generate into (or reuse the database already in) this directory and keep it",
    )
    parser.add_argument("--settings", default="concord.config.settings.base")
    parser.add_argument("--only", default="", help="time only the pages whose label has this")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 2000:
        parser.error("--requests must be between 1 and 2000")
    if not 1 <= args.conversations <= 1_000_000:
        parser.error("--conversations must be between 1 and 1,000,000")
    result = run(
        args.conversations,
        args.requests,
        data_dir=args.data_dir,
        settings=args.settings,
        only=args.only,
    )
    print()
    print(table(result))
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{stamp}-departments-sqlite-{result.conversations}.json"
    path.write_text(json.dumps(asdict(result), indent=2, default=str))
    print(f"\nwrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
