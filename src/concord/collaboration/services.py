"""Writes for consults: ask, answer or follow up, close.

The owner keeps the conversation: a consult never changes its team or
assignee. Asking may put the conversation on hold (waiting on another team);
the people asked are notified, and the owner hears of every answer.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from concord.accounts.models import STAFF_ROLES, Team, User
from concord.accounts.services import system_user_get
from concord.collaboration.models import Consult, ConsultReply, ConsultStatus
from concord.collaboration.selectors import (
    consult_is_asked_of,
    consult_may_close,
    consult_may_reply,
    consult_people_asked,
    consult_visible_to,
)
from concord.collaboration.signals import consult_emailed
from concord.collaboration.sla import consult_first_answer_clock
from concord.common.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from concord.conversations.models import Conversation, EventKind, Status
from concord.conversations.selectors import conversation_get_for_user, conversation_user_works
from concord.conversations.services import conversation_record_consult, conversation_set_status
from concord.notifications.models import NotificationKind
from concord.notifications.selectors import mentioned_users
from concord.notifications.services import notification_send

MAX_TEXT = 20_000


def _text(value: str, *, field: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise ValidationFailed(f"{what} is empty.", field=field)
    if len(text) > MAX_TEXT:
        raise ValidationFailed(f"{what} is longer than {MAX_TEXT} characters.", field=field)
    return text


def consult_open(
    *,
    conversation: Conversation,
    actor: User,
    question: str,
    team: Team | None = None,
    user: User | None = None,
    email: str = "",
    due_at: datetime | None = None,
    hold: bool = False,
    at: datetime | None = None,
) -> Consult:
    """Ask ``team`` (or ``user``, a person in a team, or an outside ``email`` address)
    a question about ``conversation``.

    Without ``due_at``, the first answer is due by the team's consult target,
    counted in its business hours (``collaboration.sla``). An outside consult
    is announced (``signals.consult_emailed``) for the email channel to mail.
    """
    if not conversation_user_works(user=actor):
        raise NotAllowed("Only agents, supervisors and admins ask for consults.")
    conversation = conversation_get_for_user(
        user=actor, conversation_id=conversation.pk, to_work=True
    )
    return _open(
        conversation=conversation,
        actor=actor,
        question=question,
        team=team,
        user=user,
        email=email,
        due_at=due_at,
        hold=hold,
        at=at,
    )


def consult_open_automated(
    *, conversation: Conversation, team: Team, question: str, at: datetime | None = None
) -> Consult:
    """A trigger asks ``team``, as the system user.

    The system user belongs to no team, so the per-user scope of
    ``consult_open`` would hide most conversations from it; the admin who
    wrote the trigger decided this consult. Everything else is checked the same.
    """
    return _open(
        conversation=conversation,
        actor=system_user_get(),
        question=question,
        team=team,
        user=None,
        email="",
        due_at=None,
        hold=False,
        at=at,
    )


def _open(
    *,
    conversation: Conversation,
    actor: User,
    question: str,
    team: Team | None,
    user: User | None,
    email: str,
    due_at: datetime | None,
    hold: bool,
    at: datetime | None,
) -> Consult:
    address = _outside_address(email)
    if address and (team is not None or user is not None):
        # One outside answer cannot stand for a team's: ask them separately.
        raise ValidationFailed(
            "Ask a team or person, or an outside address, not both.", field="email"
        )
    if team is None and user is None and not address:
        raise ValidationFailed(
            "Choose a team or a person to ask, or an email address.", field="team"
        )
    if user is not None:
        if not user.is_active or user.role not in STAFF_ROLES:
            raise ValidationFailed(f"{user} cannot be asked.", field="user")
        if user == actor:
            raise ValidationFailed("Ask someone else than yourself.", field="user")
        if team is not None and not team.members.filter(pk=user.pk).exists():
            raise ValidationFailed(f"{user} is not in the team {team.name}.", field="user")
    if conversation.status == Status.CLOSED or conversation.merged_into_id is not None:
        raise Conflict("A closed conversation cannot be consulted on.", field="conversation")
    text = _text(question, field="question", what="The question")
    moment = at or timezone.now()
    if due_at is not None and due_at <= moment:
        raise ValidationFailed("The answer must be due after now.", field="due_at")
    clock = consult_first_answer_clock(team=team, asked_at=moment, due_at=due_at)
    with transaction.atomic():
        consult = Consult.objects.create(
            conversation=conversation,
            team=team,
            user=user,
            email=address,
            question=text,
            asked_by=actor,
            created_at=moment,
            due_at=clock.due_at,
            warn_at=clock.warn_at,
            due_by_target=clock.by_target,
        )
        conversation_record_consult(
            conversation=conversation,
            kind=EventKind.CONSULT_ASKED,
            actor=actor,
            consult_id=consult.pk,
            asked_of=consult.asked_of,
            at=moment,
        )
        if hold and conversation.status != Status.ON_HOLD:
            conversation_set_status(
                conversation=conversation, actor=actor, status=Status.ON_HOLD, at=moment
            )
        _tell_the_asked(consult=consult, actor=actor)
        if consult.email:
            consult_emailed.send(sender=Consult, consult=consult, reply=None)
    return consult


def _outside_address(email: str) -> str:
    address = email.strip().lower()
    if not address:
        return ""
    if len(address) > 320:
        raise ValidationFailed("The email address is too long.", field="email")
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationFailed(f"{email.strip()} is not an email address.", field="email") from None
    return address


def _tell_the_asked(*, consult: Consult, actor: User) -> None:
    people = consult_people_asked(consult=consult, besides=actor)
    subject = consult.conversation.subject or "(no subject)"
    notification_send(
        recipients=people,
        title=f"{consult.asked_by} asks {consult.asked_of}: #{consult.conversation_id} {subject}",
        body=consult.question,
        conversation=consult.conversation,
        dedupe_key=f"consult:{consult.pk}:asked",
        kind=NotificationKind.CONSULT,
        url=f"/app/consults/{consult.pk}/",
    )


def consult_reply(
    *, consult: Consult, actor: User, body: str, at: datetime | None = None
) -> ConsultReply:
    """An answer from those asked, or a follow-up from the owner's side.

    The first answer marks the consult answered (and dates it, for the consult
    SLA and metrics); the owner and the asker are told of each answer, the
    people asked of each follow-up (on an outside consult, the address asked
    is emailed it: ``signals.consult_emailed``).
    """
    text = _text(body, field="body", what="The answer")
    moment = at or timezone.now()
    with transaction.atomic():
        # Read afresh under a lock: the consult may have been closed meanwhile.
        consult = Consult.objects.select_for_update().get(pk=consult.pk)
        if not consult_may_reply(user=actor, consult=consult):
            if consult.status == ConsultStatus.CLOSED:
                raise Conflict("This consult is closed.", field="body")
            raise NotAllowed("Only those asked and the conversation's owners reply here.")
        reply = ConsultReply.objects.create(
            consult=consult, author=actor, body=text, created_at=moment
        )
        answering = consult_is_asked_of(user=actor, consult=consult)
        if answering:
            _record_answer(consult=consult, actor=actor, moment=moment)
            recipients = _owners(consult=consult, besides=actor)
            title = f"{actor} answered about #{consult.conversation_id}"
        else:
            if consult.status == ConsultStatus.ANSWERED:
                consult.status = ConsultStatus.OPEN  # a follow-up question waits again
                consult.save(update_fields=["status"])
            recipients = consult_people_asked(consult=consult, besides=actor)
            title = f"{actor} followed up on the consult about #{consult.conversation_id}"
            if consult.email:
                consult_emailed.send(sender=Consult, consult=consult, reply=reply)
        notification_send(
            recipients=recipients,
            title=title,
            body=text,
            conversation=consult.conversation,
            dedupe_key=f"consult-reply:{reply.pk}",
            kind=NotificationKind.CONSULT,
            url=f"/app/consults/{consult.pk}/",
        )
        _tell_the_mentioned(consult=consult, reply=reply, already={u.pk for u in recipients})
    return reply


def consult_reply_external(
    *, consult_id: int, sender: str, body: str, at: datetime | None = None
) -> ConsultReply:
    """An answer that came by email to an outside consult's signed address.

    The email channel calls this once it has checked the signature; the
    sender is recorded as written, also when it is not the address asked (a
    colleague of the supplier answering): the thread shows both. It counts
    as an answer like one from inside: the first stops the clock.
    """
    text = _text(body, field="body", what="The answer")
    moment = at or timezone.now()
    address = sender.strip().lower()[:320]
    with transaction.atomic():
        consult = (
            Consult.objects.select_for_update(of=("self",))
            .select_related("conversation", "asked_by")
            .filter(pk=consult_id)
            .first()
        )
        if consult is None or not consult.email:
            raise NotFound(f"Consult {consult_id} not found.")
        if consult.status == ConsultStatus.CLOSED:
            raise Conflict(f"Consult #{consult.pk} is closed.", field="body")
        reply = ConsultReply.objects.create(
            consult=consult, author=None, author_email=address, body=text, created_at=moment
        )
        # The conversation's history names an actor: the system user stands
        # for someone outside, as it does for triggers.
        _record_answer(consult=consult, actor=system_user_get(), moment=moment)
        other = "" if address == consult.email else f" (asked: {consult.email})"
        notification_send(
            recipients=_owners(consult=consult, besides=None),
            title=f"{address}{other} answered by email about #{consult.conversation_id}",
            body=text,
            conversation=consult.conversation,
            dedupe_key=f"consult-reply:{reply.pk}",
            kind=NotificationKind.CONSULT,
            url=f"/app/consults/{consult.pk}/",
        )
    return reply


def _owners(*, consult: Consult, besides: User | None) -> list[User]:
    """Who hears of an answer: the asker and the conversation's assignee."""
    owners = [consult.asked_by, consult.conversation.assignee]
    found: list[User] = []
    for user in owners:
        if user is not None and user != besides and user not in found:
            found.append(user)
    return found


def _record_answer(*, consult: Consult, actor: User, moment: datetime) -> None:
    """An answer on a locked consult: the first stops the clock and is an event."""
    fields = []
    if consult.first_answer_at is None:
        # Stops the first-answer clock for good: a follow-up that makes
        # the consult wait again does not restart it.
        consult.first_answer_at = moment
        fields.append("first_answer_at")
        late = consult.due_at is not None and moment > consult.due_at
        if late and consult.breached_at is None:  # before the sweep noticed
            consult.breached_at = moment
            fields.append("breached_at")
        conversation_record_consult(
            conversation=consult.conversation,
            kind=EventKind.CONSULT_ANSWERED,
            actor=actor,
            consult_id=consult.pk,
            asked_of=consult.asked_of,
            at=moment,
        )
    if consult.status == ConsultStatus.OPEN:
        consult.status = ConsultStatus.ANSWERED
        fields.append("status")
    if fields:
        consult.save(update_fields=fields)


def _tell_the_mentioned(*, consult: Consult, reply: ConsultReply, already: set[int]) -> None:
    """@names in a consult reply notify those named who may see the consult."""
    named = [
        user
        for user in mentioned_users(text=reply.body)
        if user.pk not in already
        and user != reply.author
        and reply.author is not None
        and consult_visible_to(user=user).filter(pk=consult.pk).exists()
    ]
    if named:
        notification_send(
            recipients=named,
            title=f"{reply.author} mentioned you in a consult about #{consult.conversation_id}",
            body=reply.body,
            conversation=consult.conversation,
            dedupe_key=f"consult-reply:{reply.pk}:mentioned",
            kind=NotificationKind.MENTIONED,
            url=f"/app/consults/{consult.pk}/",
        )


def consult_close(*, consult: Consult, actor: User, at: datetime | None = None) -> Consult:
    """The owner's side closes it (answered enough, or no longer needed)."""
    if not consult_may_close(user=actor, consult=consult):
        raise NotAllowed("Only the conversation's owners close a consult.")
    with transaction.atomic():
        consult = Consult.objects.select_for_update().get(pk=consult.pk)
        if consult.status == ConsultStatus.CLOSED:
            return consult
        consult.status = ConsultStatus.CLOSED
        consult.closed_at = at or timezone.now()
        consult.save(update_fields=["status", "closed_at"])
        conversation_record_consult(
            conversation=consult.conversation,
            kind=EventKind.CONSULT_CLOSED,
            actor=actor,
            consult_id=consult.pk,
            asked_of=consult.asked_of,
            at=consult.closed_at,
        )
    return consult
