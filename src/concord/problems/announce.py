"""Telling every linked customer, once: preview, start, and the background run.

Starting an announcement fixes its recipients (one row per customer, unique),
in the same transaction as the announcement. The run then tells them in
chunks: each customer's message and the row marked "sent" are written in one
savepoint of the chunk's transaction, so a worker killed at any moment leaves
every customer either told (message and mark committed together) or still
pending, and the next run (the scheduler's resume job once the dead run's
lease has lapsed) carries on from there. Delivery of the message itself is
the channel's business (email is queued with the message and sent by the
email channel, which guards its own sends).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import timezone

from concord.accounts.models import User
from concord.accounts.services import system_user_get
from concord.common.errors import Conflict, NotAllowed, ValidationFailed
from concord.common.oncommit import batched_on_commit
from concord.conversations.models import Channel, Conversation, Status
from concord.conversations.services import (
    conversation_reply,
    conversation_set_status,
    conversation_start_outbound,
)
from concord.customers.models import Customer
from concord.customers.selectors import customer_email_identity
from concord.problems.models import (
    Announcement,
    AnnouncementRecipient,
    AnnouncementStatus,
    Problem,
    ProblemEvent,
    ProblemEventKind,
    ProblemLink,
    ProblemVote,
    RecipientState,
)
from concord.problems.selectors import problem_may_manage

logger = logging.getLogger(__name__)

_engine = Engine(loaders=[("django.template.loaders.locmem.Loader", {})], autoescape=False)
# Customers per transaction: short enough that the write lock it holds never
# makes other writers (the worker's other tasks, the scheduler) wait past
# SQLite's busy timeout on a loaded machine.
CHUNK = 25
# Channels with no way to send a message later (a call): the customer is written to by email.
_NO_OUTBOUND = frozenset({Channel.PHONE})
_DONE = (Status.SOLVED, Status.CLOSED)

_OUTBOUND_SUBJECT = "An update on the problem you reported"

PLACEHOLDERS = (
    "customer.name",
    "problem.title",
    "problem.status",
    "problem.public_note",
    "problem.eta",
    "conversation.subject",
    "conversation.id",
)


def default_body(*, problem: Problem) -> str:
    lines = ["Hello {{ customer.name }},", ""]
    lines.append(
        "Good news about the problem you reported: {{ problem.status|lower }}."
        if problem.is_final
        else "An update on the problem you reported: {{ problem.status|lower }}."
    )
    if problem.public_note:
        lines += ["", "{{ problem.public_note }}"]
    lines += ["", "Thank you for your patience. Just reply if anything is still not right."]
    return "\n".join(lines)


# Tags a message has no use for, and that could read files or eat memory.
_REFUSED_TAGS = ("include", "extends", "lorem", "debug", "ssi", "load", "templatetag")


def _check_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise ValidationFailed("The message is empty.", field="body")
    if len(text) > 20_000:
        raise ValidationFailed("The message is longer than 20000 characters.", field="body")
    for tag in _REFUSED_TAGS:
        if re.search(r"{%-?\s*" + tag + r"\b", text):
            raise ValidationFailed(f"The message cannot use {{% {tag} %}}.", field="body")
    try:
        template = _engine.from_string(text)
    except TemplateSyntaxError as error:
        raise ValidationFailed(f"The message has a template error: {error}", field="body") from None
    # Rendered once with a customer who has a conversation and once without:
    # an error that shows only for some customers is refused here, not mid-run.
    for context in _SAMPLE_CONTEXTS:
        try:
            template.render(Context(context))
        except Exception as error:  # any failure of a placeholder or filter
            raise ValidationFailed(
                f"The message cannot be rendered: {error}", field="body"
            ) from None
    return text


_SAMPLE_CONTEXTS = (
    {
        "customer": {"name": "Ann", "full_name": "Ann Example"},
        "problem": {"title": "T", "status": "Resolved", "public_note": "N", "eta": "1 May 2027"},
        "conversation": {"subject": "S", "id": 12},
    },
    {
        "customer": {"name": "there", "full_name": ""},
        "problem": {"title": "T", "status": "Resolved", "public_note": "", "eta": ""},
        "conversation": {"subject": "T", "id": ""},
    },
)


def _context(problem: Problem, customer: Customer, conversation: Conversation | None) -> Context:
    first = (customer.name or "").split()
    return Context(
        {
            "customer": {"name": first[0] if first else "there", "full_name": customer.name},
            "problem": {
                "title": problem.title,
                "status": problem.get_status_display(),
                "public_note": problem.public_note,
                "eta": f"{problem.eta:%d %B %Y}" if problem.eta else "",
            },
            "conversation": {
                "subject": conversation.subject if conversation is not None else problem.title,
                "id": conversation.pk if conversation is not None else "",
            },
        }
    )


def render(
    *, body: str, problem: Problem, customer: Customer, conversation: Conversation | None
) -> str:
    return _engine.from_string(body).render(_context(problem, customer, conversation)).strip()


def _audience(problem: Problem) -> list[int]:
    """Every customer to tell: those of linked conversations, then voters, each once."""
    linked = ProblemLink.objects.filter(problem_id=problem.pk).values_list(
        "conversation__customer_id", flat=True
    )
    voters = ProblemVote.objects.filter(problem_id=problem.pk).values_list("customer_id", flat=True)
    return list(dict.fromkeys([*linked.order_by("linked_at", "id"), *voters.order_by("id")]))


@dataclass(frozen=True)
class Preview:
    customers: int
    opted_out: int
    erased: int
    sample: str  # the message as the first customer reads it
    sample_to: str

    @property
    def to_tell(self) -> int:
        return self.customers - self.opted_out - self.erased


def announcement_preview(*, problem: Problem, actor: User, body: str) -> Preview:
    if not problem_may_manage(user=actor, problem=problem):
        raise NotAllowed(f"Only {problem.team.name}, supervisors and admins tell its customers.")
    text = _check_body(body)
    ids = _audience(problem)
    customers = Customer.objects.filter(pk__in=ids)
    first = Customer.objects.filter(pk=ids[0]).first() if ids else None
    sample = ""
    if first is not None:
        sample = render(
            body=text, problem=problem, customer=first, conversation=_target(problem, first)
        )
    return Preview(
        customers=len(ids),
        opted_out=customers.filter(
            updates_opt_out_at__isnull=False, erased_at__isnull=True
        ).count(),
        erased=customers.filter(erased_at__isnull=False).count(),
        sample=sample,
        sample_to=str(first) if first is not None else "",
    )


def announcement_start(
    *,
    problem: Problem,
    actor: User,
    body: str,
    solve_linked: bool = False,
    at: datetime | None = None,
) -> Announcement:
    """Fix the recipients and queue the run; refused while another one is still sending."""
    if not problem_may_manage(user=actor, problem=problem):
        raise NotAllowed(f"Only {problem.team.name}, supervisors and admins tell its customers.")
    text = _check_body(body)
    moment = at or timezone.now()
    with transaction.atomic():
        problem = Problem.objects.select_for_update().get(pk=problem.pk)
        if Announcement.objects.filter(
            problem_id=problem.pk, status=AnnouncementStatus.SENDING
        ).exists():
            raise Conflict("The last message to these customers is still being sent.", field="body")
        ids = _audience(problem)
        if not ids:
            raise ValidationFailed("No customer is linked to this yet.", field="body")
        announcement = Announcement.objects.create(
            problem=problem,
            body=text,
            solve_linked=solve_linked,
            actor=actor,
            total=len(ids),
            created_at=moment,
        )
        AnnouncementRecipient.objects.bulk_create(
            [AnnouncementRecipient(announcement=announcement, customer_id=pk) for pk in ids],
            batch_size=500,
        )
        ProblemEvent.objects.create(
            problem=problem,
            kind=ProblemEventKind.ANNOUNCED,
            actor=actor,
            at=moment,
            new_value=f"{len(ids)} customer{'s' if len(ids) != 1 else ''}",
        )
        announcement_id = announcement.pk
        transaction.on_commit(lambda: _enqueue(announcement_id))
    return announcement


def _enqueue(announcement_id: int) -> None:
    from concord.problems.tasks import announcement_send

    announcement_send.enqueue(announcement_id=announcement_id)


def _lease() -> timedelta:
    return timedelta(seconds=settings.CONCORD_ANNOUNCE_LEASE_SECONDS)


def _take(announcement_id: int, now: datetime) -> bool:
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    return (
        Announcement.objects.filter(
            free, pk=announcement_id, status=AnnouncementStatus.SENDING
        ).update(lease_until=now + _lease())
        == 1
    )


def announcement_run(*, announcement_id: int, limit: int | None = None) -> int:
    """Tell the pending recipients (at most ``limit``); returns how many were handled.

    Holds a lease while it runs, renewed per chunk: a second runner started
    meanwhile (the task and the resume job) backs off at once.
    """
    if not _take(announcement_id, timezone.now()):
        return 0
    announcement = Announcement.objects.select_related("problem", "problem__team").get(
        pk=announcement_id
    )
    author = system_user_get()
    handled = 0
    while limit is None or handled < limit:
        size = CHUNK if limit is None else min(CHUNK, limit - handled)
        pending = list(
            AnnouncementRecipient.objects.filter(
                announcement_id=announcement_id, state=RecipientState.PENDING
            )
            .select_related("customer")
            .order_by("id")[:size]
        )
        if not pending:
            Announcement.objects.filter(pk=announcement_id).update(
                status=AnnouncementStatus.DONE, finished_at=timezone.now(), lease_until=None
            )
            break
        # One transaction per chunk; what it queues after commit (emails) goes in batches.
        with transaction.atomic(), batched_on_commit():
            for recipient in pending:
                _tell(announcement=announcement, recipient=recipient, author=author)
            Announcement.objects.filter(pk=announcement_id).update(
                lease_until=timezone.now() + _lease()
            )
        handled += len(pending)
    else:  # stopped at ``limit``: free at once for the next run
        Announcement.objects.filter(pk=announcement_id).update(lease_until=timezone.now())
    return handled


def _target(problem: Problem, customer: Customer) -> Conversation | None:
    """The customer's latest linked conversation that can still take a message."""
    return (
        Conversation.objects.filter(
            problem_links__problem_id=problem.pk, customer_id=customer.pk, merged_into__isnull=True
        )
        .exclude(status=Status.CLOSED)
        .exclude(channel__in=_NO_OUTBOUND)
        .order_by("-updated_at", "-id")
        .first()
    )


def _tell(*, announcement: Announcement, recipient: AnnouncementRecipient, author: User) -> None:
    # Claim the row inside the chunk's transaction: a second runner that got
    # here anyway (a lease that lapsed under a very slow chunk) finds it taken.
    claimed = AnnouncementRecipient.objects.filter(
        pk=recipient.pk, state=RecipientState.PENDING
    ).update(state=RecipientState.SKIPPED, done_at=timezone.now())
    if not claimed:
        return
    customer = recipient.customer
    problem = announcement.problem
    state, detail, message_id = RecipientState.SENT, "", None
    if customer.erased_at is not None:
        state, detail = RecipientState.SKIPPED, "The customer's data was erased."
    elif customer.updates_opt_out_at is not None:
        state, detail = RecipientState.OPTED_OUT, "The customer asked not to get updates."
    else:
        try:
            with transaction.atomic():  # a savepoint: one customer's failure is theirs alone
                message_id = _deliver(announcement, problem, customer, author)
        except (ValidationFailed, Conflict, NotAllowed) as error:
            state, detail = RecipientState.SKIPPED, str(error)[:300]
            message_id = None
        except Exception as error:
            # Whatever else fails for one customer is theirs alone: the run goes
            # on, and the row says why this one was not told.
            logger.exception("Announcement %s: customer %s not told", announcement.pk, customer.pk)
            state, detail = RecipientState.SKIPPED, f"Failed: {type(error).__name__}"[:300]
            message_id = None
        if message_id is None and state == RecipientState.SENT:
            state, detail = RecipientState.SKIPPED, "No conversation or email address to write to."
    AnnouncementRecipient.objects.filter(pk=recipient.pk).update(
        state=state, detail=detail, message_id=message_id, done_at=timezone.now()
    )


def _deliver(
    announcement: Announcement, problem: Problem, customer: Customer, author: User
) -> int | None:
    target = _target(problem, customer)
    solved = Status.SOLVED if announcement.solve_linked else None
    text = render(body=announcement.body, problem=problem, customer=customer, conversation=target)
    if target is not None:
        message = conversation_reply(
            conversation=target,
            actor=author,
            body_text=text,
            status=solved if target.status not in _DONE else None,
        )
    elif customer_email_identity(customer_id=customer.pk) is not None:
        message = conversation_start_outbound(
            customer=customer,
            actor=author,
            # The title is internal (it may quote one customer's words): not a subject.
            subject=_OUTBOUND_SUBJECT,
            body_text=text,
            status=Status.SOLVED,
        )
    else:
        return None
    if announcement.solve_linked:
        others = (
            Conversation.objects.filter(
                problem_links__problem_id=problem.pk,
                customer_id=customer.pk,
                merged_into__isnull=True,
            )
            .exclude(status__in=_DONE)
            .exclude(pk=message.conversation_id)
        )
        for conversation in others:
            conversation_set_status(conversation=conversation, actor=author, status=Status.SOLVED)
    return message.pk


def announcements_resume(*, now: datetime | None = None) -> int:
    """The scheduler's job: carry on announcements whose runner died (lease lapsed)."""
    moment = now or timezone.now()
    # Never taken (its task still queued behind others) only once a lease's
    # time has passed since it started: the task normally gets there first.
    never_taken = Q(lease_until__isnull=True, created_at__lt=moment - _lease())
    stalled = list(
        Announcement.objects.filter(status=AnnouncementStatus.SENDING)
        .filter(never_taken | Q(lease_until__lt=moment))
        .values_list("pk", flat=True)
    )
    handled = 0
    for pk in stalled:
        logger.info("Resuming announcement %s", pk)
        try:
            handled += announcement_run(announcement_id=pk)
        except Exception:  # one announcement's trouble must not stop the others
            logger.exception("Announcement %s could not be resumed", pk)
    return handled
