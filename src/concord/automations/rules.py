"""Rules compiled for evaluation, and the facts they are evaluated against.

Pure functions over plain data: the engine, the dry run and the benchmark all
use them, and evaluating 200 triggers is a loop over tuples, not queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from concord.automations.models import Field, Match, Operator


@dataclass(frozen=True)
class CompiledCondition:
    field: str
    operator: str
    value: str  # lower-cased
    values: frozenset[str]  # the comma-separated list, lower-cased, for in / not in

    def describe(self) -> str:
        label = Field(self.field).label if self.field in Field.values else self.field
        op = Operator(self.operator).label if self.operator in Operator.values else self.operator
        return f"{label} {op} {self.value}".strip()


@dataclass(frozen=True)
class CompiledAction:
    kind: str
    target: str
    text: str


@dataclass(frozen=True)
class CompiledRule:
    id: int
    name: str
    match: str
    conditions: tuple[CompiledCondition, ...]
    actions: tuple[CompiledAction, ...]
    events: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Facts:
    """What conditions can look at: one conversation, and the event being handled."""

    values: dict[str, str]  # Field value -> lower-cased text; "" when unset
    tags: frozenset[str] = field(default_factory=frozenset)
    # Fields that hold several values (consults by team), compared like tags.
    sets: Mapping[str, frozenset[str]] = field(default_factory=dict)


# Conditions on consults need one more query: facts include them only for rules that ask.
CONSULT_FIELDS = frozenset({Field.CONSULT_OPEN, Field.CONSULT_OVERDUE})
# Fields compared as sets: "is" / "contains" = among them, "is set" = any.
SET_FIELDS = frozenset({Field.TAGS}) | CONSULT_FIELDS


def rules_use(rules: Iterable[CompiledRule], fields: frozenset[str]) -> bool:
    """Whether any condition of ``rules`` looks at one of ``fields``."""
    return any(c.field in fields for rule in rules for c in rule.conditions)


def split_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def compile_condition(*, field_name: str, operator: str, value: str) -> CompiledCondition:
    lowered = value.strip().lower()
    return CompiledCondition(
        field=field_name,
        operator=operator,
        value=lowered,
        values=frozenset(split_list(lowered)),
    )


def condition_holds(condition: CompiledCondition, facts: Facts) -> bool:
    op = condition.operator
    if condition.field in SET_FIELDS:
        tags = (
            facts.tags
            if condition.field == Field.TAGS
            else facts.sets.get(condition.field, frozenset())
        )
        if op == Operator.IS or op == Operator.CONTAINS:
            return condition.value in tags
        if op == Operator.IS_NOT or op == Operator.NOT_CONTAINS:
            return condition.value not in tags
        if op == Operator.IN:
            return not tags.isdisjoint(condition.values)
        if op == Operator.NOT_IN:
            return tags.isdisjoint(condition.values)
        if op == Operator.IS_SET:
            return bool(tags)
        if op == Operator.IS_NOT_SET:
            return not tags
        return False
    actual = facts.values.get(condition.field, "")
    if op == Operator.IS:
        return actual == condition.value
    if op == Operator.IS_NOT:
        return actual != condition.value
    if op == Operator.IN:
        return actual in condition.values
    if op == Operator.NOT_IN:
        return actual not in condition.values
    if op == Operator.CONTAINS:
        return bool(condition.value) and condition.value in actual
    if op == Operator.NOT_CONTAINS:
        return not condition.value or condition.value not in actual
    if op == Operator.IS_SET:
        return actual != ""
    if op == Operator.IS_NOT_SET:
        return actual == ""
    if op in (Operator.AT_MOST, Operator.AT_LEAST):
        try:
            number, limit = float(actual), float(condition.value)
        except ValueError:
            return False  # not a number (an unanswered score): never "at most 2"
        return number <= limit if op == Operator.AT_MOST else number >= limit
    return False


def rule_matches(rule: CompiledRule, facts: Facts) -> bool:
    if not rule.conditions:
        return True
    if rule.match == Match.ANY:
        return any(condition_holds(c, facts) for c in rule.conditions)
    return all(condition_holds(c, facts) for c in rule.conditions)
