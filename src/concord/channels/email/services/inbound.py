"""Inbound email: store the raw message, then turn it into conversation service calls.

Storing and processing are separate steps on purpose. ``inbound_store`` only
writes the raw bytes and one row, so the SMTP listener and the IMAP poller
can acknowledge mail quickly and nothing is lost if parsing later fails.
``inbound_process`` does everything else in one transaction, guarded by the
row's status, so running it twice (a worker killed and restarted) has the
effect of running it once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from concord.channels.email.models import (
    InboundEmail,
    InboundStatus,
    Mailbox,
)
from concord.channels.email.parsing import EmailRejected
from concord.channels.email.selectors import mailbox_addresses
from concord.channels.email.services.consults import consult_addressed, record_consult_answer
from concord.channels.email.services.prepare import Prepared, prepare
from concord.channels.email.services.raw import (
    content_hash,
    dedup_key,
    legacy_keys,
    raw_delete,
    raw_read,
    raw_save,
)
from concord.channels.email.services.record import (
    PROCESSED_FIELDS,
    check_sender,
    record_messages,
    record_report,
)
from concord.common.errors import ServiceError
from concord.conversations.services import attachment_discard

logger = logging.getLogger(__name__)

# A message whose processing started this often without finishing (the worker
# died each time: out of memory, killed) is quarantined instead of retried forever.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Stored:
    inbound: InboundEmail
    created: bool  # False: we already had this email (same content, see dedup_key)


def inbound_store(
    *,
    mailbox: Mailbox,
    raw: bytes,
    source: str,
    envelope_from: str = "",
    envelope_to: Sequence[str] = (),
    at: datetime | None = None,
) -> Stored:
    """Keep the raw email, once per mailbox, before anything parses it.

    Once means once per content (``dedup_key``): the same email delivered
    again is recognised, a different email that reuses a Message-ID is stored.
    """
    key, message_id = dedup_key(raw)
    if _legacy_keys_exist():
        existing = _stored_already(mailbox=mailbox, raw=raw, key=key, message_id=message_id)
        if existing is not None:
            return Stored(inbound=existing, created=False)
    # Without older keys to compare, the unique constraint alone finds a
    # repeat (below): no query before the insert, which the listener feels.
    storage_name = raw_save(raw)
    try:
        with transaction.atomic():
            inbound = InboundEmail.objects.create(
                mailbox=mailbox,
                source=source,
                dedup_key=key,
                rfc_message_id=message_id,
                storage_name=storage_name,
                size=len(raw),
                envelope_from=envelope_from[:320],
                envelope_to="\n".join(envelope_to),
                received_at=at or timezone.now(),
            )
    except IntegrityError:
        # We have it already, or another listener or poller stored it a moment ago.
        raw_delete(storage_name)
        return Stored(
            inbound=InboundEmail.objects.get(mailbox=mailbox, dedup_key=key), created=False
        )
    except BaseException:
        raw_delete(storage_name)
        raise
    return Stored(inbound=inbound, created=True)


_legacy_checked = {"at": -1e9, "exist": True}
_LEGACY_RECHECK_SECONDS = 600.0


def _legacy_keys_exist() -> bool:
    """Whether rows stored under the keys of older versions remain (cached).

    New rows only ever get content keys, so once none of the old ones are
    left the answer stays no; while some are, it is asked again now and then.
    """
    if not _legacy_checked["exist"]:
        return False
    now = time.monotonic()
    if now - _legacy_checked["at"] > _LEGACY_RECHECK_SECONDS:
        _legacy_checked["exist"] = InboundEmail.objects.exclude(
            dedup_key__startswith="content:"
        ).exists()
        _legacy_checked["at"] = now
    return bool(_legacy_checked["exist"])


def _stored_already(
    *, mailbox: Mailbox, raw: bytes, key: str, message_id: str
) -> InboundEmail | None:
    """This email, if the mailbox has it: by its key, or by the keys of older versions.

    Rows stored before content keys were keyed ``mid:<Message-ID>`` (the same
    email only if the stored copy's content matches) or ``sha256:<raw bytes>``.
    One query either way.
    """
    by_id, by_bytes = legacy_keys(raw, message_id)
    rows = {
        row.dedup_key: row
        for row in InboundEmail.objects.filter(
            mailbox=mailbox, dedup_key__in=[k for k in (key, by_id, by_bytes) if k]
        )
    }
    if key in rows:
        return rows[key]
    if by_bytes in rows:
        return rows[by_bytes]
    legacy = rows.get(by_id) if by_id else None
    if legacy is not None:
        try:
            if f"content:{content_hash(raw_read(legacy.storage_name))}" == key:
                return legacy
        except OSError:  # its raw copy is gone: nothing to compare with
            pass
    return None


def inbound_process(*, inbound_id: int, at: datetime | None = None) -> InboundEmail:
    """Parse a stored email and record it: a message, an automatic answer, a bounce.

    Whatever goes wrong with one email quarantines that email with the reason;
    it never stops the ones after it.
    """
    with transaction.atomic():
        inbound = InboundEmail.objects.select_for_update().get(pk=inbound_id)
        if inbound.status != InboundStatus.RECEIVED:
            return inbound
        if inbound.attempts >= MAX_ATTEMPTS:
            return _quarantine(inbound, _NEVER_FINISHED.format(attempts=inbound.attempts))
        # Committed before the work starts, so a crash mid-way still counts.
        inbound.attempts += 1
        inbound.save(update_fields=["attempts"])
    with transaction.atomic():
        locked = _lock_received([inbound_id])
        return _process_one(locked[0], at=at) if locked else _reload(inbound_id)


def inbound_process_batch(*, inbound_ids: Sequence[int], at: datetime | None = None) -> int:
    """Process several stored emails with one commit; returns how many were handled.

    The emails are read, parsed and trimmed first, outside the transaction,
    then recorded together (``record_messages``: customers, conversations,
    messages and acknowledgements for the whole batch at once). If that
    fails, the batch is undone and each email is recorded alone in a
    savepoint of its own, so one bad email is quarantined on its own and
    never takes the others with it. An email that was in a batch that never
    finished (the worker died) has ``attempts`` above zero and is processed
    alone next time, so a poisonous email cannot take its batch down again.
    """
    with transaction.atomic():
        rows = _lock_received(inbound_ids)
        fresh = [row.pk for row in rows if row.attempts == 0]
        retried = [row.pk for row in rows if row.attempts > 0]
        if fresh:
            InboundEmail.objects.filter(pk__in=fresh).update(attempts=F("attempts") + 1)
    prepared: dict[int, Prepared] = {}
    for row in rows:
        if row.attempts == 0:
            try:
                prepared[row.pk] = prepare(inbound=row)
            except Exception:  # noqa: S112 - recorded alone below, where it is quarantined
                continue
    if fresh:
        with transaction.atomic():
            _record_batch(_lock_received(fresh), prepared=prepared, at=at)
    for inbound_id in retried:
        inbound_process(inbound_id=inbound_id, at=at)
    return len(rows)


def _record_batch(
    locked: list[InboundEmail], *, prepared: dict[int, Prepared], at: datetime | None
) -> None:
    """Record the plain emails together, then the rest alone, in arrival order.

    Alone: reports (bounces), emails that failed to parse or have no usable
    sender (to be quarantined) and replies to an email of this same batch,
    which can only be threaded once that email's conversation exists.
    """
    addresses = mailbox_addresses()
    together: list[tuple[InboundEmail, Prepared]] = []
    alone: list[InboundEmail] = []
    seen: set[str] = set()
    for inbound in locked:
        ready = prepared.get(inbound.pk)
        if (
            ready is None
            or ready.parsed.report is not None
            or _refers(ready, seen)
            or consult_addressed(inbound=inbound, prepared=ready) is not None
        ):
            alone.append(inbound)
        else:
            try:
                check_sender(prepared=ready, addresses=addresses)
                together.append((inbound, ready))
            except EmailRejected:
                alone.append(inbound)
        if ready is not None and ready.parsed.message_id:
            seen.add(ready.parsed.message_id)
    stored_files: list[str] = []
    try:
        with transaction.atomic():
            if together:
                record_messages(entries=together, at=at, stored_files=stored_files)
    except Exception:
        logger.info("A batch of %s emails failed; recording each alone", len(together))
        attachment_discard(storage_names=stored_files)
        alone = _lock_received([inbound.pk for inbound in [*alone, *(i for i, _ in together)]])
    for inbound in alone:
        _process_one(inbound, at=at, prepared=prepared.get(inbound.pk))


def _refers(ready: Prepared, seen: set[str]) -> bool:
    return any(i in seen for i in (*ready.parsed.in_reply_to, *ready.parsed.references))


_NEVER_FINISHED = (
    "Processing started {attempts} times and never finished (the worker stopped each "
    "time); reprocess it once the cause is fixed."
)


def _lock_received(inbound_ids: Sequence[int]) -> list[InboundEmail]:
    return list(
        # of=self: PostgreSQL cannot lock the nullable side (team) of the join.
        InboundEmail.objects.select_for_update(of=("self",))
        .select_related("mailbox", "mailbox__team")
        .filter(pk__in=list(inbound_ids), status=InboundStatus.RECEIVED)
        .order_by("id")
    )


def _reload(inbound_id: int) -> InboundEmail:
    return InboundEmail.objects.get(pk=inbound_id)


def _process_one(
    inbound: InboundEmail, *, at: datetime | None, prepared: Prepared | None = None
) -> InboundEmail:
    """Record one locked, received email inside a savepoint; quarantine it if that fails."""
    stored_files: list[str] = []
    try:
        with transaction.atomic():
            prepared = prepared or prepare(inbound=inbound)
            if prepared.parsed.report is not None:
                record_report(inbound=inbound, report=prepared.parsed.report, at=at)
                inbound.status = InboundStatus.PROCESSED
                inbound.processed_at = timezone.now()
                inbound.save(update_fields=PROCESSED_FIELDS)
                return inbound
            check_sender(prepared=prepared, addresses=mailbox_addresses())
            consult_id = consult_addressed(inbound=inbound, prepared=prepared)
            if consult_id is not None:  # an answer from outside, not a customer's message
                record_consult_answer(
                    inbound=inbound, prepared=prepared, consult_id=consult_id, at=at
                )
                return inbound
            record_messages(entries=[(inbound, prepared)], at=at, stored_files=stored_files)
            return inbound
    except EmailRejected as rejected:
        reason = rejected.reason
    except ServiceError as refused:
        reason = f"Refused by Concord: {refused.message}"
    except Exception as error:
        logger.exception("Inbound email %s could not be processed", inbound.pk)
        reason = f"Unexpected error: {type(error).__name__}: {error}"[:2000]
    attachment_discard(storage_names=stored_files)
    # The savepoint rolled back what was set on the row in the database,
    # not on this object: reload it before writing the quarantine.
    return _quarantine(_reload(inbound.pk), reason)


def inbound_reprocess(*, inbound: InboundEmail) -> InboundEmail:
    """Try a quarantined email again (after a fix or a configuration change)."""
    with transaction.atomic():
        locked = InboundEmail.objects.select_for_update().get(pk=inbound.pk)
        if locked.status != InboundStatus.QUARANTINED:
            return locked
        locked.status = InboundStatus.RECEIVED
        locked.reason = ""
        locked.attempts = 0
        locked.save(update_fields=["status", "reason", "attempts"])
    return inbound_process(inbound_id=inbound.pk)


def _quarantine(inbound: InboundEmail, reason: str) -> InboundEmail:
    logger.warning("Inbound email %s quarantined: %s", inbound.pk, reason)
    inbound.status = InboundStatus.QUARANTINED
    inbound.reason = reason
    inbound.processed_at = timezone.now()
    inbound.save(update_fields=["status", "reason", "processed_at"])
    return inbound
