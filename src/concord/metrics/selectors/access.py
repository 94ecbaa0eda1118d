"""Who may see which figures: the one access check for reports, exports and the API.

Admins see everything. A supervisor sees the teams they belong to and the
agents in those teams. Anyone else on staff sees their own work only: their
query is pinned to ``agent_id=user``. Customers see no metrics.

The departments report (what each team was asked in consults) has its own
rule, ``department_report_teams``: a consult is readable by whoever may see
its conversation and by those it asks, so supervisors and admins (who see
every conversation) see every team's row, anyone else the teams they are in.
"""

from __future__ import annotations

from dataclasses import replace

from concord.accounts.models import SEE_ALL_ROLES, Role, Team, User
from concord.metrics.selectors.query import MetricQuery


def report_teams(*, user: User) -> list[Team]:
    """The teams whose figures the user may choose between."""
    if user.role == Role.ADMIN:
        return list(Team.objects.order_by("name"))
    if user.role == Role.SUPERVISOR:
        return list(user.teams.order_by("name"))
    return []


def report_agents(*, user: User) -> list[User]:
    """The agents whose figures the user may choose between."""
    staff = User.objects.filter(is_active=True, role__in=[Role.AGENT, Role.SUPERVISOR, Role.ADMIN])
    if user.role == Role.ADMIN:
        return list(staff.order_by("username"))
    if user.role == Role.SUPERVISOR:
        return list(staff.filter(teams__members=user).distinct().order_by("username"))
    return [user] if user.is_staff_member else []


def report_query_for_user(*, user: User, query: MetricQuery) -> MetricQuery | None:
    """The query narrowed to what the user may see, or None if it asks for someone else's.

    A supervisor who names no team or agent gets their first team; one with
    no team gets nothing. None is shown as "not found" by interfaces.
    """
    if not user.is_authenticated or not user.is_staff_member:
        return None
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.SUPERVISOR:
        team_ids = set(user.teams.values_list("pk", flat=True))
        if query.team_id is not None and query.team_id not in team_ids:
            return None
        if query.agent_id is not None:
            agents = {agent.pk for agent in report_agents(user=user)}
            return query if query.agent_id in agents else None
        if query.team_id is None:
            if not team_ids:
                return None
            first = user.teams.order_by("name").values_list("pk", flat=True)[0]
            return replace(query, team_id=first)
        return query
    if query.agent_id not in (None, user.pk):
        return None
    return replace(query, agent_id=user.pk)


def department_report_teams(*, user: User) -> list[Team]:
    """The consulted teams whose department figures the user may see.

    Supervisors and admins: every team; agents and collaborators: the teams
    they belong to (every consult asked of those teams is theirs to read).
    """
    if not user.is_authenticated or not user.is_active or not user.is_staff_member:
        return []
    if user.role in SEE_ALL_ROLES:
        return list(Team.objects.order_by("name"))
    return list(user.teams.order_by("name"))
