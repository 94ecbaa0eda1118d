"""Every real-world email of the shared corpus goes through ingestion, and nothing is lost.

Each file is stored and processed like mail from the listener: it becomes a
message (or a recorded bounce/complaint) or sits in quarantine with a reason.
The accounting test adds the byte-built charset fixtures to the files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from concord.channels.email.models import InboundEmail, InboundKind, InboundStatus, Mailbox
from concord.channels.email.services.raw import content_hash, dedup_key, raw_read
from concord.channels.email.tests.charset_fixtures import FIXTURES
from concord.channels.email.tests.conftest import deliver
from concord.common.testing.corpus import EMAIL_CORPUS

CORPUS = EMAIL_CORPUS
MIME_FILES = sorted(
    p
    for folder in ("mime", "helpdesk-samples")
    for p in (CORPUS / folder).rglob("*")
    if p.is_file() and p.name not in ("LICENSE", "README.md")
)
BOUNCES = {p for p in MIME_FILES if p.parent.name == "bounce"}
COMPLAINTS = {p for p in MIME_FILES if p.parent.name == "complaints"}

pytestmark = pytest.mark.django_db


def test_the_corpus_is_there() -> None:
    assert CORPUS.is_dir(), f"the email corpus is missing at {CORPUS} (see tests/corpus/README.md)"
    assert len(MIME_FILES) > 50
    assert len(BOUNCES) == 9
    assert len(COMPLAINTS) == 2


@pytest.mark.parametrize("path", MIME_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_corpus_email_is_recorded_or_quarantined(mailbox: Mailbox, path: Path) -> None:
    inbound = deliver(mailbox, path.read_bytes())

    assert InboundEmail.objects.count() == 1
    if inbound.status == InboundStatus.QUARANTINED:
        assert inbound.reason.strip(), "quarantined without a reason"
        assert path not in BOUNCES
        assert path not in COMPLAINTS
        return
    assert inbound.status == InboundStatus.PROCESSED
    if path in BOUNCES:
        assert inbound.kind == InboundKind.BOUNCE, inbound.reason
    elif path in COMPLAINTS:
        assert inbound.kind == InboundKind.COMPLAINT, inbound.reason
    else:
        assert inbound.kind in (InboundKind.MESSAGE, InboundKind.AUTOMATIC), inbound.kind
        assert inbound.message is not None
        message = inbound.message
        assert message.body_text.strip() or message.body_html.strip()
        assert "\udc80" not in message.body_text  # no undecodable bytes leak as surrogates


def test_corpus_outcomes_are_reported(mailbox: Mailbox, capsys: pytest.CaptureFixture[str]) -> None:
    """One run over the whole corpus in one mailbox, printing each outcome's count."""
    counts: dict[str, int] = {}
    quarantined: list[str] = []
    for path in MIME_FILES:
        inbound = deliver(mailbox, path.read_bytes())
        counts[f"{inbound.status}/{inbound.kind or '-'}"] = (
            counts.get(f"{inbound.status}/{inbound.kind or '-'}", 0) + 1
        )
        if inbound.status == InboundStatus.QUARANTINED:
            quarantined.append(f"{path.name}: {inbound.reason}")
    assert not InboundEmail.objects.filter(status=InboundStatus.RECEIVED).exists()
    assert not InboundEmail.objects.filter(status=InboundStatus.QUARANTINED, reason="").exists()
    with capsys.disabled():
        outcomes = dict(sorted(counts.items()))
        print(f"\ncorpus outcomes over {len(MIME_FILES)} files: {outcomes}")  # noqa: T201
        for line in quarantined:
            print(f"  quarantined {line}")  # noqa: T201


def test_every_corpus_email_and_fixture_delivered_twice_is_one_row_and_none_is_lost(
    mailbox: Mailbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every corpus file and every charset fixture twice into one mailbox: the accounting.

    Each ends as its own row (or the row of one with the same content apart
    from transport headers): processed into a message, an automatic email, a
    bounce or a complaint, or quarantined with a reason; nothing is left
    received, nothing merged away. The charset fixtures share one Message-ID
    on purpose: rows are keyed by content, so each is still one row of its own.
    """
    emails = [(str(path.relative_to(CORPUS)), path.read_bytes()) for path in MIME_FILES]
    emails += [(f"fixture {name}", raw) for name, raw in FIXTURES.items()]
    rows: dict[str, int] = {}
    for _ in range(2):
        for label, raw in emails:
            inbound = deliver(mailbox, raw)
            assert rows.setdefault(label, inbound.pk) == inbound.pk, label
    distinct = {content_hash(raw) for _, raw in emails}
    stored = InboundEmail.objects.all()
    assert stored.count() == len(distinct) == len(set(rows.values()))
    assert not stored.filter(status=InboundStatus.RECEIVED).exists()
    done = (InboundKind.MESSAGE, InboundKind.AUTOMATIC, InboundKind.BOUNCE, InboundKind.COMPLAINT)
    for label, raw in emails:
        row = stored.get(pk=rows[label])
        assert content_hash(raw_read(row.storage_name)) == content_hash(raw), label
        if row.status == InboundStatus.QUARANTINED:
            assert row.reason.strip(), f"{label}: quarantined without a reason"
        else:
            assert row.status == InboundStatus.PROCESSED, (label, row.status)
            assert row.kind in done, (label, row.kind)
    # The fixtures are all readable mail: none of them may end in quarantine.
    fixture_rows = stored.filter(pk__in=[rows[f"fixture {name}"] for name in FIXTURES])
    assert fixture_rows.count() == len(FIXTURES)
    assert not fixture_rows.exclude(status=InboundStatus.PROCESSED).exists()
    by_id: dict[str, set[int]] = {}
    for label, raw in emails:
        message_id = dedup_key(raw)[1]
        if message_id:
            by_id.setdefault(message_id, set()).add(rows[label])
    # Rows a Message-ID key would have merged into another (and so lost).
    kept_apart = sum(len(pks) - 1 for pks in by_id.values())
    assert kept_apart > 0  # there are such emails: this test would catch the merge
    shared = len(by_id.get("charsets@customer.test", ()))
    assert shared > 1
    quarantined = stored.filter(status=InboundStatus.QUARANTINED).count()
    with capsys.disabled():
        print(  # noqa: T201
            f"\naccounting, each delivered twice: {len(MIME_FILES)} corpus files + "
            f"{len(FIXTURES)} fixtures = {len(emails)} emails x 2 -> {stored.count()} rows "
            f"({stored.count() - quarantined} processed, {quarantined} quarantined with a "
            f"reason, 0 received); {len(emails) - stored.count()} repeat another's content; "
            f"{kept_apart} kept apart that share a Message-ID with another "
            f"({shared} fixtures share <charsets@customer.test>)"
        )
