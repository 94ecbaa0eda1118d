"""One conversation's history, played the way the services record it (for bench/reportdata.py).

``Story`` follows ``conversations.services``: ``conversation_open`` (created,
customer message, team and tag events), routing's assignment, an automation's
acknowledgement (a public reply by the system user: it opens the conversation
but never owns it), the first public reply (assigns an unowned conversation,
new -> open, or straight to solved), pending and back, a move to a department
team (escalation), the category an agent sets, a customer writing to a
solved conversation (reopened + status events), the time rule closing it four
days after the last solve, merges of a duplicate. Every event carries the
state after it, so the history can be cut at "now" and the conversation row
shows what was true then.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from generate import CATEGORIES, CHANNELS, INBOUND, NOTES, OUTBOUND, PRIORITIES, SUBJECTS

Table = tuple[str, tuple[str, ...]]
DAY = 86400.0
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Median first-response wait per channel, in seconds (log-normal around it).
FRT = {"chat": 60, "phone": 20, "sms": 1200, "social": 3600, "email": 4 * 3600, "web": 4 * 3600,
       "api": 3 * 3600}  # fmt: skip
# Median wait for the customer's next message.
FOLLOW = {"chat": 120, "phone": 300}
EXTRA_ROUNDS = [(0, 0.6), (1, 0.28), (2, 0.09), (3, 0.03)]
SCORES = {
    "csat": (range(1, 6), [5, 5, 10, 30, 50]),
    "ces": (range(1, 8), [3, 4, 6, 12, 20, 30, 25]),
    "nps": (range(0, 11), [3, 2, 2, 3, 3, 6, 6, 12, 18, 20, 25]),
}
TOUCHLESS = frozenset({"survey_answered", "sla_warning", "sla_breached"})


def _cols(text: str) -> tuple[str, ...]:
    return tuple(text.split())


class Rows:
    """The rows of one batch, per table, in column order."""

    ORGANIZATION: Table = (
        "customers_organization",
        _cols("id name tier shares_conversations notes created_at updated_at"),
    )
    CUSTOMER: Table = (
        "customers_customer",
        _cols(
            "id name tier lifecycle_stage churned_at notes updated_at organization_id created_at"
        ),
    )
    IDENTITY: Table = (
        "customers_customeridentity",
        _cols("id kind value normalized is_primary created_at customer_id"),
    )
    TABLES: dict[str, Table] = {
        "conversation": ("conversations_conversation", _cols(
            "id subject channel status priority category message_count created_at updated_at "
            "solved_at closed_at assignee_id customer_id follow_up_of_id merged_into_id team_id")),
        "message": ("conversations_message", _cols(
            "id direction channel visibility body_html body_text external_id created_at "
            "author_customer_id author_user_id conversation_id automatic quoted_text")),
        "event": ("conversations_event", _cols(
            "id kind old_value new_value created_at actor_customer_id actor_user_id "
            "conversation_id merged_from_id message_id")),
        "tag_link": ("conversations_conversation_tags", _cols("id conversation_id tag_id")),
        "sla_target": ("sla_slatarget", _cols(
            "id target cycle budget_seconds started_at due_at warn_at achieved_at warned_at "
            "breached_at conversation_id policy_id")),
        "sla_state": ("sla_slastate", _cols("conversation_id next_due_at refreshed_at policy_id")),
        "invitation": ("surveys_surveyinvitation", _cols(
            "id dispatch_key channel to_address email_state created_at sent_at expires_at "
            "agent_id conversation_id customer_id definition_id rule_id team_id")),
        "response": ("surveys_surveyresponse", _cols(
            "id kind channel score score_2 comment answered_at updated_at followed_up_at "
            "agent_id conversation_id customer_id definition_id invitation_id team_id")),
        "call": ("phone_callrecord", _cols(
            "id external_id direction customer_phone customer_phone_normalized queued_at "
            "answered_at ended_at talk_seconds hold_seconds wrap_up_seconds abandoned summary "
            "recording_url created_at updated_at agent_id conversation_id customer_id team_id")),
    }  # fmt: skip

    def __init__(self) -> None:
        self.tables: dict[str, list[tuple[Any, ...]]] = {name: [] for name in self.TABLES}


def _pick(rng: random.Random, options: list[tuple[Any, float]]) -> Any:
    return rng.choices([o for o, _ in options], [w for _, w in options])[0]


def _dt(t: float) -> datetime:
    return EPOCH + timedelta(seconds=t)


class Story:
    @dataclass
    class Context:
        rng: random.Random
        now: float
        stamp: Callable[[float | None], str | None]
        ids: dict[str, Callable[[], int]]
        customers: tuple[list[float], list[int], list[str]]
        members: dict[int, list[int]]
        service: list[int]
        departments: list[int]
        system: int
        tags: dict[str, int]
        policies: dict[str, int]
        surveys: dict[str, tuple[int, int]]

    def __init__(self, context: Story.Context, t0: float, rows: Rows) -> None:
        from reportdata import customer_for

        c = self.c = context
        rng = c.rng
        self.rows = rows
        self.id = c.ids["conversation"]()
        self.t0 = t0
        self.channel = _pick(rng, CHANNELS)
        self.priority = _pick(rng, PRIORITIES)
        self.customer, self.tier = customer_for(rng, t0, c.customers)
        roll = rng.random()
        # Most arrive in a service team; routing sends some straight to a department.
        if roll < 0.05:
            self.team: int | None = None
        elif roll < 0.8:
            self.team = rng.choices(c.service, [6, 2.5, 1][: len(c.service)])[0]
        else:
            self.team = rng.choice(c.departments)
        self.tag_names = rng.sample(sorted(set(c.tags) - {"escalated"}), k=_pick(
            rng, [(0, 4), (1, 4), (2, 2), (3, 1)]))  # fmt: skip
        # The state while the story is played; the row shows the state at "now" (``finish``).
        self.status, self.assignee = "new", None
        self.n = rng.randint(10000, 99999)
        # (t, direction, visibility, author_user, automatic)
        self.messages: list[tuple[float, str, str, int | None, bool]] = []
        # (t, kind, actor_user, by the customer, old, new, message index, merged_from)
        self.events: list[tuple[float, str, Any, bool, Any, Any, int | None, int | None]] = []

    # -- the services, as far as this history needs them ------------------------------

    def _event(self, t: float, kind: str, *, user: int | None = None, customer: bool = False,
               old: Any = "", new: Any = "", message: int | None = None,
               merged_from: int | None = None) -> None:  # fmt: skip
        self.events.append((t, kind, user, customer, old, new, message, merged_from))

    def _message(self, t: float, direction: str, user: int | None, internal: bool = False) -> int:
        self.messages.append((t, direction, "internal" if internal else "public", user, False))
        return len(self.messages) - 1

    def _status(self, t: float, status: str, *, user: int | None, customer: bool = False) -> None:
        old, self.status = self.status, status
        if old == "solved" and status == "open":
            self._event(t, "reopened", user=user, customer=customer, old=old, new=status)
        self._event(t, "status_changed", user=user, customer=customer, old=old, new=status)

    def open(self) -> None:
        t = self.t0
        self._event(t, "created", customer=True, new=self.channel)
        self._event(t, "message_received", customer=True, message=self._message(t, "inbound", None))
        if self.team is not None:
            self._event(t, "team_changed", new=self.team)
        for name in sorted(self.tag_names):
            self._event(t, "tag_added", new=name)

    def customer_writes(self, t: float) -> None:
        self._event(t, "message_received", customer=True, message=self._message(t, "inbound", None))
        if self.status in ("solved", "pending"):
            self._status(t, "open", user=None, customer=True)

    def reply(self, t: float, user: int, status: str | None = None, *, note: bool = False) -> None:
        index = self._message(t, "outbound", user, internal=note)
        self._event(t, "note_added" if note else "replied", user=user, message=index)
        if not note and self.assignee is None and user != self.c.system:
            self.assignee = user
            self._event(t, "assigned", user=user, old="", new=user)
        target = status or ("open" if not note and self.status == "new" else None)
        if target is not None and target != self.status:
            self._status(t, target, user=user)

    def assign(self, t: float, user: int, *, assignee: int | None, team: int | None) -> None:
        if team != self.team:
            old, self.team = self.team, team
            self._event(t, "team_changed", user=user, old=old, new=team)
        if assignee != self.assignee:
            old, self.assignee = self.assignee, assignee
            self._event(t, "assigned", user=user, old=old, new=assignee)

    # -- the story ---------------------------------------------------------------------

    def _wait(self, median: float, sigma: float = 1.1) -> float:
        return median * self.c.rng.lognormvariate(0, sigma)

    def _agent(self, team: int | None) -> int:
        c = self.c
        pool = c.members[team] if team is not None else c.members[c.service[0]]
        return c.rng.choice(pool)

    def play(self) -> None:
        c, rng = self.c, self.c.rng
        self.open()
        agent = self._agent(self.team)
        t = self.t0
        if rng.random() < 0.5:  # round-robin routing assigns within seconds
            self.assign(t + rng.uniform(1, 30), c.system, assignee=agent, team=self.team)
        if self.channel in ("email", "web") and rng.random() < 0.15:
            self.reply(t + rng.uniform(2, 20), c.system)  # an automation's acknowledgement
        if self.channel == "phone":
            self.call(agent)
        if rng.random() < 0.004:
            return self.finish()  # never answered
        t += self._wait(FRT[self.channel])
        duplicate = rng.random() < 0.005
        if duplicate:
            self.merge_duplicate(t)
        if rng.random() < 0.08:
            self.reply(t - rng.uniform(0, 0.5) * (t - self.t0), agent, note=True)
        rounds = _pick(rng, EXTRA_ROUNDS)
        stuck = rng.random() < 0.005
        escalate = self.team in c.service and rng.random() < 0.12
        with_reply = rng.random() < 0.7
        for r in range(rounds + 1):
            last = r == rounds
            status = None
            if last and with_reply and not stuck:
                status = "solved"
            elif not last and rng.random() < 0.4:
                status = "pending"
            self.reply(t, agent, status)
            category = rng.choice(CATEGORIES)
            if r == 0 and category:
                self._event(t, "category_changed", user=agent, old="", new=category)
            if r == 0 and escalate and not last:
                t += self._wait(3600)
                department = rng.choice(c.departments)
                agent = self._agent(department)
                self.assign(t, agent, assignee=agent, team=department)
                if rng.random() < 0.2:
                    self.tag_names.append("escalated")
                    self._event(t, "tag_added", user=agent, new="escalated")
            if last:
                break
            t += self._wait(FOLLOW.get(self.channel, 3 * 3600))
            self.customer_writes(t)
            t += self._wait(FRT[self.channel] / 2)
        if stuck:
            if rng.random() < 0.5:
                self._status(t + 60, "on_hold", user=agent)
            return self.finish()
        if not with_reply:
            t += self._wait(3600)
            self._status(t, "solved", user=agent)
        self.survey(t)
        if rng.random() < 0.08:  # "it broke again": the customer's message reopens it
            t += min(self._wait(DAY), 3.5 * DAY)  # before the time rule closes it
            self.customer_writes(t)
            t += self._wait(FRT[self.channel] / 2)
            self.reply(t, agent, "solved")
        self._status(t + 4 * DAY, "closed", user=c.system)  # the demo's time rule
        self.finish()

    def call(self, agent: int) -> None:
        """The call this phone conversation was logged from, as the telephony system reports it."""
        c, rng = self.c, self.c.rng
        queued = self.t0 - self._wait(40, 1.0)
        abandoned = rng.random() < 0.08
        answered = None if abandoned else self.t0
        talk = 0 if abandoned else round(self._wait(240, 0.8))
        hold = round(rng.uniform(20, 180)) if not abandoned and rng.random() < 0.3 else 0
        wrap_up = 0 if abandoned else round(rng.uniform(20, 120))
        ended = (answered or self.t0) + talk + hold
        if ended > c.now:
            return
        phone = f"+49301{self.customer:07d}"
        stamp = c.stamp
        self.rows.tables["call"].append(
            (c.ids["call"](), f"call-{self.id}", "inbound", phone, phone, stamp(queued),
             stamp(answered), stamp(ended), talk, hold, wrap_up, abandoned, "", "",
             stamp(ended), stamp(ended), None if abandoned else agent, self.id, self.customer,
             self.team)
        )  # fmt: skip

    def merge_duplicate(self, at: float) -> None:
        """The customer wrote twice; the agent merges the second into this one before replying."""
        c, rng = self.c, self.c.rng
        written = self.t0 + rng.uniform(60, max(61.0, min(3600.0, at - self.t0)))
        merged = at - 1
        if not written < merged <= c.now:
            return
        source = c.ids["conversation"]()
        stamp = c.stamp
        self.rows.tables["conversation"].append(
            (source, self.subject(), self.channel, "closed", self.priority, "", 0, stamp(written),
             stamp(merged), None, stamp(merged), None, self.customer, None, self.id, self.team)
        )  # fmt: skip
        index = self._message(written, "inbound", None)
        # The source's events move here, remembering where they were recorded.
        self._event(written, "created", customer=True, new=self.channel, merged_from=source)
        self._event(written, "message_received", customer=True, message=index, merged_from=source)
        self.rows.tables["event"].append(
            (c.ids["event"](), "merged", "new", str(self.id), stamp(merged), None, None, source,
             None, None)
        )  # fmt: skip
        self._event(merged, "merged_in", new=source)

    def survey(self, solved: float) -> None:
        """Dispatched on the first solve; about 60% are invited, 40% of those answer."""
        c, rng = self.c, self.c.rng
        if rng.random() >= 0.6:
            return
        kind = _pick(rng, [("csat", 0.6), ("ces", 0.25), ("nps", 0.15)])
        definition, rule = c.surveys[kind]
        sent = solved + rng.uniform(5, 90)
        if sent > c.now:
            return
        invitation = c.ids["invitation"]()
        stamp = c.stamp
        self.rows.tables["invitation"].append(
            (invitation, f"c{self.id}:d{definition}", self.channel, f"c{self.customer}@example.net",
             "sent", stamp(sent), stamp(sent + 30), stamp(sent + 30 * DAY), self.assignee,
             self.id, self.customer, definition, rule, self.team)
        )  # fmt: skip
        answered = sent + self._wait(4 * 3600, 1.5)
        if rng.random() >= 0.42 or answered > c.now:
            return
        scores, weights = SCORES[kind]
        score = rng.choices(scores, weights)[0]
        self.rows.tables["response"].append(
            (c.ids["response"](), kind, self.channel, score, None, "", stamp(answered),
             stamp(answered), None, self.assignee, self.id, self.customer, definition, invitation,
             self.team)
        )  # fmt: skip
        self._event(answered, "survey_answered", customer=True, old=kind, new=score)

    @staticmethod
    def nps_score(rng: random.Random) -> int:
        scores, weights = SCORES["nps"]
        return rng.choices(scores, weights)[0]

    def subject(self) -> str:
        return SUBJECTS[self.n % len(SUBJECTS)].format(n=self.n)

    # -- cut at now and write ------------------------------------------------------------

    def finish(self) -> None:
        c = self.c
        now, stamp, ids, out = c.now, c.stamp, c.ids, self.rows.tables
        # Stable: events recorded in one change keep their order.
        kept = sorted((e for e in self.events if e[0] <= now), key=lambda e: e[0])
        status, assignee, team, category = "new", None, None, ""
        solved_at = closed_at = None
        updated = self.t0
        tagged = set()
        for t, kind, _, _, _, new, _, merged_from in kept:
            if kind not in TOUCHLESS and merged_from is None:
                updated = t
            if kind == "status_changed":
                status = new
                solved_at = t if new == "solved" else solved_at
                closed_at = t if new == "closed" else closed_at
            elif kind == "assigned":
                assignee = new
            elif kind == "team_changed":
                team = new
            elif kind == "category_changed":
                category = new
            elif kind == "tag_added":
                tagged.add(new)
        message_ids: dict[int, int] = {}
        for index, (t, direction, visibility, user, automatic) in enumerate(self.messages):
            if t > now:
                continue
            pk = message_ids[index] = ids["message"]()
            pool = (
                INBOUND
                if direction == "inbound"
                else NOTES
                if visibility == "internal"
                else OUTBOUND
            )
            text = pool[(self.n + index) % len(pool)].format(n=self.n)
            out["message"].append(
                (pk, direction, self.channel, visibility, f"<p>{text}</p>", text, "", stamp(t),
                 None if user else self.customer, user, self.id, automatic, "")
            )  # fmt: skip
        out["conversation"].append(
            (self.id, self.subject(), self.channel, status, self.priority, category,
             len(message_ids), stamp(self.t0), stamp(updated), stamp(solved_at),
             stamp(closed_at), assignee, self.customer, None, None, team)
        )  # fmt: skip
        for t, kind, user, by_customer, old, new, message, merged_from in kept:
            out["event"].append(
                (ids["event"](), kind, "" if old is None else str(old),
                 "" if new is None else str(new), stamp(t), self.customer if by_customer else None,
                 user, self.id, merged_from, None if message is None else message_ids[message])
            )  # fmt: skip
        for name in sorted(tagged):
            out["tag_link"].append((ids["tag_link"](), self.id, c.tags[name]))
        self._sla(kept, updated)

    def _sla(self, events: list[tuple[Any, ...]], updated: float) -> None:
        """The targets ``sla_refresh`` would hold now, and the alarms the sweep wrote."""
        from reportdata import POLICIES

        from concord.sla.clock import Log, Rules, compute

        c, rng, stamp = self.c, self.c.rng, self.c.stamp
        name = "VIP" if self.tier == "vip" else (
            "Urgent" if self.priority in ("urgent", "high") else "Standard")  # fmt: skip
        first, nxt, resolution, warn = POLICIES[name]
        statuses = [(_dt(self.t0), "new")]
        exchanges = []
        for t, kind, user, _, _, new, _, merged_from in events:
            if merged_from is not None:
                continue
            if kind == "status_changed":
                statuses.append((_dt(t), new))
            elif kind == "message_received" or (kind == "replied" and user != c.system):
                exchanges.append((_dt(t), kind == "message_received"))
        rules = Rules(
            budgets={"first_response": first, "next_reply": nxt, "resolution": resolution},
            warn_before=warn,
            paused=frozenset({"pending"}),
            schedule=None,
        )
        log = Log(created_at=_dt(self.t0), statuses=statuses, exchanges=exchanges)
        policy = c.policies[name]
        running_due = []
        for spec in compute(log=log, rules=rules):
            due = spec.due_at.timestamp() if spec.due_at else None
            warn_at = spec.warn_at.timestamp() if spec.warn_at else None
            achieved = spec.achieved_at.timestamp() if spec.achieved_at else None
            breached = warned = None
            if due is not None and (achieved is None or achieved > due) and due < c.now:
                breached = min(c.now, due + rng.uniform(1, 60))  # the sweep runs every minute
                self._alarm("sla_breached", due, spec.target, due)
            if warn_at is not None and warn_at < c.now and (achieved is None or achieved > warn_at):
                warned = min(c.now, warn_at + rng.uniform(1, 60))
                self._alarm("sla_warning", warn_at, spec.target, due)
            if achieved is None and due is not None:
                running_due.append(due)
            self.rows.tables["sla_target"].append(
                (c.ids["sla_target"](), spec.target, spec.cycle, spec.budget,
                 stamp(spec.started_at.timestamp()), stamp(due), stamp(warn_at), stamp(achieved),
                 stamp(warned), stamp(breached), self.id, policy)
            )  # fmt: skip
        self.rows.tables["sla_state"].append(
            (self.id, stamp(min(running_due, default=None)), stamp(max(updated, self.t0)), policy)
        )

    def _alarm(self, kind: str, at: float, target: str, due: float | None) -> None:
        c = self.c
        due_text = _dt(due).isoformat(timespec="seconds") if due is not None else ""
        self.rows.tables["event"].append(
            (c.ids["event"](), kind, target, due_text, c.stamp(at), None, None, self.id, None, None)
        )


__all__ = ["Rows", "Story"]
