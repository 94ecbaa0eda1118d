"""A customer's requests: the list, one request's thread and reply, a new request, files."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from concord.accounts.models import User
from concord.collaboration.selectors import consult_portal_lines
from concord.common.errors import NotAllowed, NotFound, ServiceError
from concord.conversations.models import Status
from concord.conversations.responses import attachment_response
from concord.conversations.selectors import (
    attachment_get_for_user,
    conversation_customer_may_write,
    conversation_get_for_user,
)
from concord.portal.forms import NewRequestForm, ReplyForm
from concord.portal.selectors import portal_requests, portal_thread
from concord.portal.services import portal_reply, portal_request_submit
from concord.portal.views._common import FORM_ERROR_STATUS, customer_required, not_found
from concord.problems.selectors import problem_public_notes


@customer_required
@require_http_methods(["GET", "HEAD"])
def request_list(request: HttpRequest, user: User) -> HttpResponse:
    page = portal_requests(user=user, cursor=request.GET.get("after") or None)
    return render(
        request,
        "portal/requests.html",
        {
            "requests": page.items,
            "next_cursor": page.next_cursor,
            "user_id": user.pk,
            "nav": "requests",
        },
    )


@customer_required
@require_http_methods(["GET", "HEAD", "POST"])
def request_detail(request: HttpRequest, user: User, conversation_id: int) -> HttpResponse:
    try:
        conversation = conversation_get_for_user(user=user, conversation_id=conversation_id)
    except NotFound:
        return not_found(request)
    if conversation.merged_into_id is not None:
        # The request lives on in the one it was merged into (if the customer may see it).
        return redirect("portal:request", conversation_id=conversation.merged_into_id)
    may_write = conversation_customer_may_write(user=user, conversation=conversation)
    form = ReplyForm()
    status = 200
    if request.method == "POST":
        if not may_write:
            return render(request, "portal/read_only.html", status=403)
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                message = portal_reply(
                    user=user,
                    conversation=conversation,
                    body=form.cleaned_data["body"],
                    files=form.cleaned_data["attachments"],
                )
            except NotAllowed:
                return render(request, "portal/read_only.html", status=403)
            except ServiceError as error:
                form.add_error("body", error.message)
            else:
                if message.conversation_id != conversation.pk:
                    # A closed request: the reply opened a follow-up request.
                    return redirect("portal:request", conversation_id=message.conversation_id)
                return redirect(f"{request.path}#message-{message.pk}")
        status = FORM_ERROR_STATUS
    return render(
        request,
        "portal/thread.html",
        {
            "conversation": conversation,
            "messages": portal_thread(user=user, conversation=conversation),
            "form": form,
            "may_write": may_write,
            "is_closed": conversation.status == Status.CLOSED,
            # "The Billing team is checking this for you", while a consult is open.
            "checking": consult_portal_lines(conversation_id=conversation.pk),
            # What we know of the cause, in the words written for customers (public_note),
            # never the internal description.
            "known_issues": problem_public_notes(conversation=conversation),
            "nav": "requests",
        },
        status=status,
    )


@customer_required
@require_http_methods(["GET", "HEAD", "POST"])
def request_new(request: HttpRequest, user: User) -> HttpResponse:
    form = NewRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                conversation = portal_request_submit(
                    user=user,
                    subject=form.cleaned_data["subject"],
                    description=form.cleaned_data["description"],
                    files=form.cleaned_data["attachments"],
                )
            except ServiceError as error:
                form.add_error(
                    error.field if error.field in ("subject", "description") else None,
                    error.message,
                )
            else:
                return redirect("portal:request", conversation_id=conversation.pk)
        return render(
            request,
            "portal/new_request.html",
            {"form": form, "nav": "new"},
            status=FORM_ERROR_STATUS,
        )
    return render(request, "portal/new_request.html", {"form": form, "nav": "new"})


@customer_required
@require_http_methods(["GET", "HEAD"])
def attachment_download(request: HttpRequest, user: User, attachment_id: int) -> HttpResponseBase:
    try:
        attachment = attachment_get_for_user(user=user, attachment_id=attachment_id)
    except NotFound:
        return not_found(request)
    return attachment_response(attachment=attachment)
