"""Bounces, complaints and automatic replies: the real-world corpus and built reports."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage, Message

import pytest

from concord.channels.email.autoreply import auto_reply_reason
from concord.channels.email.parsing import parse_email
from concord.channels.email.reports import (
    DeliveryReport,
    detect_report,
    message_ids,
)
from concord.common.testing.corpus import EMAIL_CORPUS

CORPUS = EMAIL_CORPUS


def _load(name: str) -> bytes:
    path = CORPUS / name
    if not path.is_file():
        pytest.fail(f"The email corpus is missing: expected {path}")
    return path.read_bytes()


def _report(raw: bytes) -> DeliveryReport | None:
    return parse_email(raw=raw, max_message_bytes=10**8, max_attachment_bytes=10**8).report


def _message(raw: bytes) -> Message:
    return message_from_bytes(raw, policy=policy.default)


# Each bounce in the corpus, checked by eye against the file:
# (permanent, status, action, recipients, original Message-ID)
BOUNCES = {
    "broken-mime.eml": (False, "", "failed", ("info@example.net",), ""),
    "delayed-broken.eml": (False, "4.2.2", "failed", ("demo@example.com",), ""),
    # RFC 3464's own example: given up after 5 days, but 4.0.0 says the address may work.
    "delayed.eml": (False, "4.0.0", "failed", ("foo@example.com",), ""),
    "gmail-invalid-address.eml": (
        True,
        "5.1.0",
        "failed",
        ("awfawfawfawfawfaw@someserverhere.com",),
        "CAKsfaBUUGqVZiaMrmH3TRPfq1odQPtM7Ey5YW1SgyJJRHtAjgw@mail.gmail.com",
    ),
    # No status code; "failed permanently" is the wording that decides.
    "gmail-no-dns.eml": (True, "", "failed", ("user@example.comm",), ""),
    "mailbox-full.eml": (
        True,
        "5.2.2",
        "failed",
        ("user@aol.com",),
        "4E326A95.3010907@example.com",
    ),
    "no-mx.eml": (
        False,
        "4.4.4",
        "delayed",
        ("user@example.com",),
        "19E44CA63F984902B7D654F8FF40F89D@bo",
    ),
    "office365.eml": (
        True,
        "5.1.10",
        "failed",
        ("noname@example.com",),
        "20171013111011.20866.254C2F3A4D7AA526@ninomail.com",
    ),
    "zed.eml": (
        True,
        "5.1.1",
        "failed",
        ("asdfasdfasdfasdfasdfasdfewrqertrtyrthsfgdfgadfqeadvxzvz@gmail.com",),
        "20090708054735.GC7578@example.com",
    ),
}


def test_every_corpus_bounce_is_listed_here() -> None:
    on_disk = sorted(p.name for p in (CORPUS / "mime" / "bounce").glob("*.eml"))
    assert on_disk == sorted(BOUNCES), f"corpus at {CORPUS}"


@pytest.mark.parametrize("name", sorted(BOUNCES))
def test_corpus_bounces_are_read(name: str) -> None:
    report = _report(_load(f"mime/bounce/{name}"))
    assert report is not None
    assert report.kind == "bounce"
    permanent, status, action, recipients, original = BOUNCES[name]
    assert (report.permanent, report.status, report.action) == (permanent, status, action)
    assert report.recipients == recipients
    assert report.original_message_id == original
    assert len(report.diagnostic) <= 500


def test_corpus_bounce_diagnostics_are_the_useful_line() -> None:
    full = _report(_load("mime/bounce/mailbox-full.eml"))
    assert full is not None
    assert full.diagnostic == "552 5.2.2 E4.12 user MAILBOX FULL"
    gmail = _report(_load("mime/bounce/gmail-invalid-address.eml"))
    assert gmail is not None
    assert (
        gmail.diagnostic == "550 5.1.0 Recipient rejected: <awfawfawfawfawfaw@someserverhere.com>"
    )


@pytest.mark.parametrize(
    ("name", "recipient", "original"),
    [
        ("aol.eml", "redacted@aol.com", "20101117174130.28884.55421@luna"),
        ("yahoo.eml", "user@yahoo.com", "20120711015015.4A8BE2E088E@www.example.com"),
    ],
)
def test_corpus_complaints_are_read(name: str, recipient: str, original: str) -> None:
    parsed = parse_email(
        raw=_load(f"mime/complaints/{name}"), max_message_bytes=10**8, max_attachment_bytes=10**8
    )
    report = parsed.report
    assert report is not None
    assert (report.kind, report.permanent, report.action) == ("complaint", True, "abuse")
    assert report.recipients == (recipient,)
    assert report.original_message_id == original
    assert report.diagnostic.startswith("This is an email abuse report")
    assert parsed.auto_submitted == "delivery report"


# ---------------------------------------------------------------- built reports


def _dsn(recipients: str, *, enclosed: str = "Message-ID: <ours-1@acme.test>\r\n") -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>\r\n"
        "To: support@acme.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.customer.test\r\n\r\n" + recipients + "\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n" + enclosed + "Subject: Re: x\r\n"
        "--B--\r\n"
    ).encode()


def test_a_dsn_names_only_the_hard_failures_as_dead() -> None:
    report = _report(
        _dsn(
            "Final-Recipient: rfc822; Gone@Customer.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            "Diagnostic-Code: smtp; 550 5.1.1 <gone@customer.test>: user unknown\r\n\r\n"
            "Final-Recipient: rfc822; slow@customer.test\r\nAction: delayed\r\nStatus: 4.4.7\r\n"
        )
    )
    assert report == DeliveryReport(
        kind="bounce",
        permanent=True,
        status="5.1.1",
        action="failed",
        recipients=("gone@customer.test",),
        original_message_id="ours-1@acme.test",
        diagnostic="550 5.1.1 <gone@customer.test>: user unknown",
    )


def test_a_dsn_prefers_the_original_recipient_we_wrote_to() -> None:
    report = _report(
        _dsn(
            "Original-Recipient: rfc822;dana@customer.test\r\n"
            "Final-Recipient: rfc822;dana.miller@mailhost.customer.test\r\n"
            "Action: failed\r\nStatus: 5.2.1\r\n"
        )
    )
    assert report is not None
    assert report.recipients == ("dana@customer.test",)


def test_a_dsn_without_status_uses_the_smtp_code() -> None:
    report = _report(
        _dsn(
            "Final-Recipient: rfc822; a@customer.test\r\nAction: failed\r\n"
            "Diagnostic-Code: smtp; 550 mailbox unavailable\r\n"
        )
    )
    assert report is not None
    assert (report.permanent, report.status) == (True, "")


def test_a_delayed_dsn_is_not_permanent() -> None:
    report = _report(
        _dsn("Final-Recipient: rfc822; a@customer.test\r\nAction: delayed\r\nStatus: 4.4.1\r\n")
    )
    assert report is not None
    assert (report.permanent, report.action, report.status) == (False, "delayed", "4.4.1")
    assert report.recipients == ("a@customer.test",)


def test_a_bounce_with_x_failed_recipients_and_no_mime_report() -> None:
    raw = (
        b"From: Mail Delivery System <Mailer-Daemon@mx.customer.test>\r\n"
        b"To: support@acme.test\r\nSubject: Mail delivery failed: returning message to sender\r\n"
        b"X-Failed-Recipients: Gone@customer.test\r\nAuto-Submitted: auto-replied\r\n\r\n"
        b"This message was created automatically by mail delivery software.\r\n\r\n"
        b"  gone@customer.test\r\n    SMTP error from remote mail server after RCPT TO:\r\n"
        b"    550 5.1.1 User unknown\r\n\r\n"
        b"------ This is a copy of the message, including all the headers. ------\r\n\r\n"
        b"Message-ID: <ours-7@acme.test>\r\nSubject: Re: refund\r\n\r\nHello\r\n"
    )
    report = _report(raw)
    assert report == DeliveryReport(
        kind="bounce",
        permanent=True,
        status="5.1.1",
        action="failed",
        recipients=("gone@customer.test",),
        original_message_id="ours-7@acme.test",
        diagnostic="550 5.1.1 User unknown",
    )


@pytest.mark.parametrize(
    "subject",
    [
        "Undeliverable: Re: refund",
        "Delivery Status Notification (Failure)",
        "Mail delivery failed: returning message to sender",
        "Returned mail: see transcript for details",
        "failure notice",
    ],
)
def test_free_form_bounce_subjects_from_a_mail_system(subject: str) -> None:
    raw = (
        f"From: postmaster@mx.customer.test\r\nTo: support@acme.test\r\nSubject: {subject}\r\n\r\n"
        "Sorry, we were unable to deliver your message to gone@customer.test.\r\n"
        "Remote host said: 550 5.1.1 mailbox unavailable\r\n"
    ).encode()
    report = _report(raw)
    assert report is not None
    assert report.kind == "bounce"
    assert report.recipients == ("gone@customer.test",)
    assert report.permanent


def test_a_warning_only_bounce_is_delayed() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.customer.test\r\nTo: support@acme.test\r\n"
        b"Subject: Warning: could not send message for past 4 hours\r\n\r\n"
        b"THIS IS A WARNING MESSAGE ONLY. YOU DO NOT NEED TO RESEND YOUR MESSAGE.\r\n"
        b"<slow@customer.test>: 451 4.4.1 host not responding; will retry\r\n"
    )
    report = _report(raw)
    assert report is not None
    assert (report.permanent, report.action, report.status) == (False, "delayed", "4.4.1")


@pytest.mark.parametrize(
    ("sender", "subject"),
    [
        ("dana@customer.test", "Returned mail: the parcel came back"),  # a person's words
        ("postmaster@customer.test", "Can you whitelist our server?"),  # a person at postmaster@
        ("dana@customer.test", "Fwd: Undeliverable: Re: refund"),  # a customer forwarding a bounce
    ],
)
def test_bounce_like_mail_from_people_is_not_a_report(sender: str, subject: str) -> None:
    raw = (
        f"From: {sender}\r\nTo: support@acme.test\r\nSubject: {subject}\r\n\r\n"
        "550 5.1.1 user unknown, see below.\r\n"
    ).encode()
    assert _report(raw) is None


def test_a_bounce_forwarded_as_an_attachment_is_a_message() -> None:
    bounce = _message(
        _dsn("Final-Recipient: rfc822; a@x.test\r\nAction: failed\r\nStatus: 5.1.1\r\n")
    )
    email = EmailMessage()
    email["From"] = "Dana <dana@customer.test>"
    email["To"] = "support@acme.test"
    email["Subject"] = "Fwd: why did this bounce?"
    email.set_content("Your mail to my colleague bounced, see attached.")
    email.add_attachment(bounce)

    parsed = parse_email(raw=email.as_bytes(), max_message_bytes=10**6, max_attachment_bytes=10**6)
    assert parsed.report is None
    assert parsed.auto_submitted == ""
    assert [a.content_type for a in parsed.attachments] == ["message/rfc822"]


def test_message_ids_reads_lists_and_junk() -> None:
    assert message_ids("<a@x> <b@y>\r\n <a@x>") == ("a@x", "b@y")
    assert message_ids("a@x b@y") == ("a@x", "b@y")
    assert message_ids("<a@x> (Dana's message of Monday)") == ("a@x",)
    assert message_ids("") == ()


# ---------------------------------------------------------------- automatic replies


def _with(subject: str = "Re: My order", **headers: str) -> Message:
    lines = [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    head = "\r\n".join(["From: dana@customer.test", f"Subject: {subject}", *lines])
    return _message((head + "\r\n\r\nBody\r\n").encode())


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Re: My order",
        "Out of Office AutoReply: Re: My order",
        "Automatic reply: Re: My order",
        "Auto: Re: My order",
        "AutoReply: Re: My order",
        "Abwesenheitsnotiz: Re: Bestellung",
        "Automatische Antwort: Re: Bestellung",
        "Réponse automatique : Re: Commande",
        "Autosvar: Re: Beställning",
        "Respuesta automática: Re: Pedido",
        "Risposta automatica: Re: Ordine",
        "自动回复: Re: 订单",
        "Out of office",
    ],
)
def test_out_of_office_subjects(subject: str) -> None:
    assert auto_reply_reason(_with(subject)) == "out-of-office subject"


@pytest.mark.parametrize(
    "subject",
    ["Re: out of office hours support?", "Auto insurance question", "Automatic renewal"],
)
def test_subjects_that_only_mention_absence_are_not_automatic(subject: str) -> None:
    assert auto_reply_reason(_with(subject)) == ""


def test_reports_are_automatic_mail_too() -> None:
    dsn = _message(_dsn("Final-Recipient: rfc822; a@x.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"))
    assert auto_reply_reason(dsn) == "delivery report"
    assert detect_report(dsn) is not None
    assert auto_reply_reason(_with(X_Failed_Recipients="a@x.test")) == "delivery report"


def test_auto_submitted_parameters_and_case_are_ignored() -> None:
    assert auto_reply_reason(_with(Auto_Submitted="Auto-Replied; owner-email=x@y")) == (
        "Auto-Submitted: auto-replied"
    )
    assert auto_reply_reason(_with(Auto_Submitted="No")) == ""
