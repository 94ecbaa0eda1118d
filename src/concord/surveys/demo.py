"""Demo surveys: one after each channel's requests, a relationship NPS, and 90 days of answers.

A solve sends at most one survey (the 7-day cool-down counts any survey), so
each channel has its own: CSAT after email, NPS after the web form, CES when
a chat ends, goal completion after a call, stars after a text message, VES
after a social message. The NPS also goes every 90 days, as a relationship
survey, to customers no other survey reached (from the worker, not replayed).

The history is replayed through the services in the order it happened: each
solved demo conversation is dispatched at its solve time, so rules, cool-down
and exclusions decide as they would have, and about a third of the customers
answer, hours or days later. The more trouble a conversation had (a slow
answer, a reopen, a busy week), the lower its scores.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import NormalDist

from concord.surveys.models import SCALES, SurveyInvitation, SurveyKind, Trigger
from concord.surveys.selectors import definition_list
from concord.surveys.services import (
    dispatch_rule_create,
    survey_answer,
    survey_definition_create,
    survey_dispatch_for_conversation,
)
from concord.surveys.services.mail import invitation_token


@dataclass(frozen=True)
class Solved:
    """A demo conversation solved in the history, and how it went for the customer."""

    conversation_id: int
    at: datetime  # when it was (last) solved
    trouble: float  # 0: smooth; each slow answer, reopen or busy spell adds to it


@dataclass(frozen=True)
class _Survey:
    name: str
    kind: str
    subject: str
    question: str
    channels: tuple[str, ...]
    trigger: str = Trigger.SOLVED
    question_2: str = ""
    low_label: str = ""
    high_label: str = ""
    comment_prompt: str = ""


_SURVEYS = (
    _Survey(
        "Satisfaction after a solved request",
        SurveyKind.CSAT,
        "How did we do?",
        "How satisfied are you with the help you received?",
        ("email",),
        low_label="Very unsatisfied",
        high_label="Very satisfied",
        comment_prompt="What could we have done better?",
    ),
    _Survey(
        "Effort after a chat",
        SurveyKind.CES,
        "Was it easy to get help?",
        "The company made it easy for me to handle my issue.",
        ("chat",),
        trigger=Trigger.CHAT_ENDED,
        low_label="Strongly disagree",
        high_label="Strongly agree",
        comment_prompt="What made it harder than it should have been?",
    ),
    _Survey(
        "Recommendation after a web request",
        SurveyKind.NPS,
        "Would you recommend us?",
        "How likely are you to recommend us to a friend or colleague?",
        ("web",),
        low_label="Not at all likely",
        high_label="Extremely likely",
        comment_prompt="What is the main reason for your score?",
    ),
    _Survey(
        "Goal completion after a call",
        SurveyKind.GCR,
        "Did you get what you called for?",
        "Were you able to achieve what you contacted us for?",
        ("phone",),
        comment_prompt="What were you trying to do?",
    ),
    _Survey(
        "Rating after a text conversation",
        SurveyKind.STARS,
        "Rate the help you got",
        "How would you rate the help you got from our team?",
        ("sms",),
        comment_prompt="Anything you would like to add?",
    ),
    _Survey(
        "Value after a social message",
        SurveyKind.VES,
        "Did we help you get more out of it?",
        "After this conversation, I can achieve more with the product.",
        ("social",),
        question_2="After this conversation, my confidence in buying from you is higher.",
        low_label="Strongly disagree",
        high_label="Strongly agree",
    ),
)
# The rules after a solve are tried in this order; the relationship survey runs apart.
_FIRST_POSITION, _POSITION_STEP, _RELATIONSHIP_POSITION = 10, 10, 90
COOLDOWN_DAYS = 7

# How answers fall for a conversation without trouble, lowest score first. Each
# unit of trouble moves an answer this many standard deviations down the scale.
_SCORES: dict[str, tuple[int, ...]] = {
    SurveyKind.CSAT: (3, 3, 5, 25, 64),
    SurveyKind.NPS: (2, 1, 1, 2, 2, 3, 5, 11, 18, 23, 32),
    SurveyKind.CES: (3, 3, 6, 11, 20, 29, 28),
    SurveyKind.STARS: (3, 4, 8, 30, 55),
    SurveyKind.VES: (1, 2, 4, 10, 25, 35, 23),
    SurveyKind.GCR: (14, 86),
}
_TROUBLE_WEIGHT = 0.35
# Who answers and how are spread evenly rather than drawn at random, per kind:
# an invitation is answered each time the running sum of answer rates passes a
# whole number, and moods are quantiles of the normal distribution taken along
# a golden-ratio (Weyl) sequence. Any run of consecutive invitations, such as
# one month's dozen, then has about its share of answers spread over the scale
# as the distribution says, instead of swinging with the luck of a small sample.
_GOLDEN = (math.sqrt(5) - 1) / 2
# Share of invitations answered: more right after a live chat or call, or when
# answering is one reply to a text, and unhappy customers answer a little more often.
_ANSWER_RATE = {"chat": 0.5, "phone": 0.5, "sms": 0.55, "social": 0.5}
_ANSWER_RATE_ELSEWHERE, _ANSWER_RATE_PER_TROUBLE = 0.38, 0.05
_DISPATCH_DELAY = timedelta(seconds=30)  # the worker picks the solve up

_COMMENTS = {
    True: (
        "Quick and friendly, thank you!",
        "Sorted in one go. Great service.",
        "Very helpful, explained everything clearly.",
        "Thanks for following up so fast.",
    ),
    False: (
        "It took far too long to get an answer.",
        "I had to explain the problem twice.",
        "The problem came back after you said it was fixed.",
        "Nobody told me what was happening for days.",
    ),
}


def seed(*, now: datetime, history: Sequence[Solved] = (), seed: int = 1) -> None:
    """Create the demo surveys and answer them for ``history``, unless surveys exist already."""
    if definition_list().exists():
        return
    for index, spec in enumerate(_SURVEYS):
        definition = survey_definition_create(
            name=spec.name,
            kind=spec.kind,
            subject=spec.subject,
            question=spec.question,
            question_2=spec.question_2,
            low_label=spec.low_label,
            high_label=spec.high_label,
            comment_prompt=spec.comment_prompt,
        )
        dispatch_rule_create(
            definition=definition,
            trigger=spec.trigger,
            channels=list(spec.channels),
            cooldown_days=COOLDOWN_DAYS,
            position=_FIRST_POSITION + index * _POSITION_STEP,
        )
        if spec.kind == SurveyKind.NPS:
            dispatch_rule_create(
                definition=definition,
                trigger=Trigger.RELATIONSHIP,
                every_days=90,
                cooldown_days=COOLDOWN_DAYS,
                position=_RELATIONSHIP_POSITION,
            )
    customers = _Customers(random.Random(seed * 7_919 + 17))  # noqa: S311 - demo data
    with _quiet():
        for solved in sorted(history, key=lambda s: (s.at, s.conversation_id)):
            sent_at = solved.at + _DISPATCH_DELAY
            if sent_at >= now:
                continue
            for invitation in survey_dispatch_for_conversation(
                conversation_id=solved.conversation_id, now=sent_at
            ):
                customers.answer(invitation=invitation, trouble=solved.trouble, now=now)


@contextmanager
def _quiet() -> Iterator[None]:
    """Dispatch logs why a customer got no survey; 90 days of it would bury the demo's output."""
    logger = logging.getLogger("concord.surveys")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


class _Customers:
    """Whether and how the demo's customers answer their invitations."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.answered: dict[str, float] = {}  # running sum of answer rates, per kind
        self.position: dict[str, float] = {}  # along the mood sequence, per kind

    def answer(self, *, invitation: SurveyInvitation, trouble: float, now: datetime) -> None:
        rng = self.rng
        kind = invitation.definition.kind
        rate = _ANSWER_RATE.get(invitation.channel, _ANSWER_RATE_ELSEWHERE)
        if kind not in self.answered:
            self.answered[kind] = rng.random()
        before = self.answered[kind]
        self.answered[kind] = before + rate + _ANSWER_RATE_PER_TROUBLE * min(trouble, 3.0)
        if int(self.answered[kind]) == int(before):
            return
        delay = timedelta(hours=3) * math.exp(rng.gauss(0.0, 1.3))
        answered_at = invitation.created_at + min(
            max(delay, timedelta(minutes=2)), timedelta(days=9)
        )
        if answered_at >= min(now, invitation.expires_at):
            return  # not answered yet
        mood = self._mood(kind) - _TROUBLE_WEIGHT * trouble
        score = _score(kind, mood)
        second = _score(kind, mood + rng.gauss(0.0, 0.5)) if kind == SurveyKind.VES else None
        scale = SCALES[kind]
        place = (score - scale.low) / (scale.high - scale.low)
        comment = None
        if rng.random() < 0.3 and not 0.4 < place <= 0.6:  # the lukewarm say nothing
            comment = rng.choice(_COMMENTS[place > 0.6])
        survey_answer(
            token=invitation_token(invitation),
            score=score,
            score_2=second,
            comment=comment,
            now=answered_at,
        )

    def _mood(self, kind: str) -> float:
        if kind not in self.position:
            self.position[kind] = self.rng.random()
        position = self.position[kind] = (self.position[kind] + _GOLDEN) % 1.0
        return NormalDist().inv_cdf(min(max(position, 1e-6), 1 - 1e-6))


def _score(kind: str, mood: float) -> int:
    """The score at ``mood``'s quantile of the kind's distribution (mood 0: its median)."""
    weights = _SCORES[kind]
    low = SCALES[kind].low
    quantile = NormalDist().cdf(mood) * sum(weights)
    running = 0
    for offset, weight in enumerate(weights):
        running += weight
        if quantile <= running:
            return low + offset
    return low + len(weights) - 1
