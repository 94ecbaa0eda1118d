"""Reads for the customer portal: the one feature request a customer votes on.

The portal has no staff user to pass to ``problem_get_for_user``; what a
customer may reach is exactly what ``feature_requests_for_portal`` lists, so
the lookup applies the same filter and anything else is the portal's 404.
"""

from __future__ import annotations

from concord.common.errors import NotFound
from concord.problems.models import Problem, ProblemKind


def feature_request_get_for_portal(*, problem_id: int) -> Problem:
    """A feature request shown in the portal; NotFound for anything else (problems too)."""
    found = Problem.objects.filter(
        pk=problem_id, kind=ProblemKind.FEATURE, portal_visible=True
    ).first()
    if found is None:
        raise NotFound(f"Feature request {problem_id} not found.")
    return found
