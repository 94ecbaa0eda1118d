"""Goals in the Django admin: read-only, with their history and progress inline.

Goals are set and changed through the API (and the reports pages), where each
change is checked and written to the goal's history; an admin form saving the
row directly would skip both. Archiving is offered as an action that goes
through the service.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from concord.accounts.models import User
from concord.common.errors import ServiceError
from concord.goals.models import Goal, GoalChange, GoalMeasurement
from concord.goals.services import goal_archive


class _ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class GoalChangeInline(_ReadOnlyInline):
    model = GoalChange
    fields = ("at", "actor", "field", "old", "new")
    readonly_fields = fields
    ordering = ("-at", "-id")


class GoalMeasurementInline(_ReadOnlyInline):
    model = GoalMeasurement
    fields = ("measured_on", "value", "sample_size", "enough", "measured_at")
    readonly_fields = fields
    ordering = ("-measured_on",)


@admin.action(description="Archive the selected goals")
def archive_goals(modeladmin: GoalAdmin, request: HttpRequest, queryset: QuerySet[Goal]) -> None:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - the admin site requires a signed-in user
    archived = 0
    for goal in queryset:
        try:
            goal_archive(goal=goal, actor=user)
        except ServiceError as exc:
            modeladmin.message_user(request, f"{goal}: {exc.message}", messages.ERROR)
        else:
            archived += 1
    modeladmin.message_user(request, f"{archived} goal(s) archived.")


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "metric", "comparison", "threshold", "start", "deadline", "archived")
    list_filter = ("metric", "archived", "owners")
    search_fields = ("name", "objective")
    filter_horizontal = ("owners",)
    inlines = [GoalChangeInline, GoalMeasurementInline]
    actions = [archive_goals]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
