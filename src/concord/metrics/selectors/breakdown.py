"""Figures side by side per team or per agent: the per-team and per-agent report tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from concord.accounts.models import Team, User
from concord.metrics.selectors.query import MetricQuery, MetricResult
from concord.metrics.selectors.registry import METRICS, metric_supports

By = Literal["team", "agent"]

BREAKDOWN_METRICS: tuple[str, ...] = (
    "volume",
    "frt",
    "resolution_time",
    "fcr",
    "reopen_rate",
    "csat",
    "sla_first_response",
    "aht",
)


@dataclass(frozen=True)
class BreakdownRow:
    key: int
    label: str
    figures: dict[str, MetricResult]


def breakdown(
    *,
    query: MetricQuery,
    by: By,
    members: Sequence[Team] | Sequence[User],
    metrics: Sequence[str] = BREAKDOWN_METRICS,
) -> list[BreakdownRow]:
    """One row per team or agent, each the query narrowed to it (no buckets).

    The caller passes the teams or agents the viewer may see (see
    ``access.report_teams`` / ``report_agents``); a metric that cannot be cut
    that way is left out of every row.
    """
    base = replace(query, bucket=None)
    names = [name for name in metrics if name in METRICS]
    rows: list[BreakdownRow] = []
    for member in members:
        narrowed = (
            replace(base, team_id=member.pk) if by == "team" else replace(base, agent_id=member.pk)
        )
        figures = {
            name: METRICS[name](query=narrowed)
            for name in names
            if metric_supports(METRICS[name], narrowed)
        }
        rows.append(BreakdownRow(key=member.pk, label=str(member), figures=figures))
    return rows
