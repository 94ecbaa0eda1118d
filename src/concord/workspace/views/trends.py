"""Spike alerts in the workspace: review the samples, then create a problem or dismiss.

For supervisors and admins; to anyone else the page does not exist (404).
One URL serves the list (GET) and both actions (POST with ``action``), so the
page needs a single route. The sample conversations are only those the
viewer may read, and a problem links only those they may work.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from concord.accounts.models import SEE_ALL_ROLES, Team, User
from concord.common.errors import ServiceError
from concord.conversations.models import Conversation
from concord.trends.detection import key_label
from concord.trends.models import SpikeAlert
from concord.trends.selectors import (
    spike_alert_find_open,
    spike_alerts_open,
    spike_conversations_visible,
    spike_teams,
)
from concord.trends.services import spike_alert_create_problem, spike_alert_dismiss
from concord.workspace.forms import add_service_error
from concord.workspace.views._common import staff, staff_required

MAX_ALERTS = 50


class ProblemFromSpikeForm(forms.Form):
    title = forms.CharField(max_length=200)
    team = forms.TypedChoiceField(coerce=int, label="Owning department")

    def __init__(self, *args: Any, teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams = {team.pk: team for team in teams}
        field = self.fields["team"]
        assert isinstance(field, forms.TypedChoiceField)  # noqa: S101 - narrows the type
        field.choices = [("", "Choose a department")] + [(t.pk, t.name) for t in teams]


@dataclass(frozen=True)
class AlertView:
    alert: SpikeAlert
    label: str
    related: str
    samples: list[Conversation]
    form: ProblemFromSpikeForm


def _manager(request: HttpRequest) -> User:
    user = staff(request)
    if user.role not in SEE_ALL_ROLES:
        raise Http404("No such page.")
    return user


def _suggested_title(alert: SpikeAlert) -> str:
    value = alert.key.split(":", 1)[1]
    return f"{value[:1].upper()}{value[1:]}: {alert.count} similar conversations"[:200]


def _alert_view(
    alert: SpikeAlert,
    *,
    visible: dict[int, Conversation],
    teams: list[Team],
    form: ProblemFromSpikeForm | None,
) -> AlertView:
    samples = sorted(
        (visible[pk] for pk in alert.sample_ids if pk in visible),
        key=lambda c: (c.created_at, c.pk),
    )
    if form is None:
        # The department most of the samples are with is the likely owner.
        common = Counter(c.team_id for c in samples if c.team_id is not None).most_common(1)
        initial = {"title": _suggested_title(alert), "team": common[0][0] if common else None}
        form = ProblemFromSpikeForm(initial=initial, teams=teams, prefix=f"a{alert.pk}")
    return AlertView(
        alert=alert,
        label=key_label(alert.key),
        related=", ".join(key_label(key) for key in alert.related),
        samples=samples,
        form=form,
    )


def _post(
    request: HttpRequest, user: User, teams: list[Team]
) -> HttpResponse | tuple[int, ProblemFromSpikeForm]:
    """Handle an action: a response to send, or the alert and its form to show again."""
    alert_id = request.POST.get("alert", "")
    alert = spike_alert_find_open(alert_id=int(alert_id)) if alert_id.isdigit() else None
    if alert is None:
        messages.error(request, "That alert was already handled.")
        return HttpResponseRedirect(reverse("workspace:trends"))
    if request.POST.get("action") == "dismiss":
        try:
            spike_alert_dismiss(alert=alert, actor=user)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Dismissed the alert on {key_label(alert.key)}.")
        return HttpResponseRedirect(reverse("workspace:trends"))
    form = ProblemFromSpikeForm(request.POST, teams=teams, prefix=f"a{alert.pk}")
    if form.is_valid():
        try:
            problem = spike_alert_create_problem(
                alert=alert,
                actor=user,
                title=form.cleaned_data["title"],
                team=form.teams[form.cleaned_data["team"]],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, f"Created problem #{problem.pk} and linked the conversations."
            )
            return HttpResponseRedirect(f"/app/problems/{problem.pk}/")
    return alert.pk, form


@staff_required
@require_http_methods(["GET", "POST"])
def trends_page(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    teams = spike_teams()
    failed: tuple[int, ProblemFromSpikeForm] | None = None
    if request.method == "POST":
        outcome = _post(request, user, teams)
        if isinstance(outcome, HttpResponse):
            return outcome
        failed = outcome
    open_alerts = list(spike_alerts_open()[:MAX_ALERTS])
    # Every alert's samples the viewer may read, in one query.
    wanted = [pk for alert in open_alerts for pk in alert.sample_ids]
    visible = {c.pk: c for c in spike_conversations_visible(user=user, ids=wanted)}
    alerts = [
        _alert_view(
            alert,
            visible=visible,
            teams=teams,
            form=failed[1] if failed is not None and failed[0] == alert.pk else None,
        )
        for alert in open_alerts
    ]
    status = 400 if failed is not None else 200
    return render(
        request, "workspace/trends.html", {"section": "trends", "alerts": alerts}, status=status
    )
