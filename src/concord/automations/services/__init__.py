"""Writes of the automations app: the pipeline, triggers, time rules and rule editing."""

from concord.automations.services.engine import change_process, triggers_run
from concord.automations.services.time_rules import time_rules_run

__all__ = ["change_process", "time_rules_run", "triggers_run"]
