"""The learned classifier: training, held-out accuracy, the threshold, and the model file."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from concord.accounts.models import Team
from concord.conversations.models import Conversation
from concord.routing import classifier
from concord.routing.models import ClassifierModel, RoutingDecision
from concord.routing.services import routing_settings_update, routing_triage, triage_rule_create
from concord.routing.tests.helpers import corpus, open_conversation, solved_history
from concord.routing.training import classifier_train, train_and_report

pytestmark = pytest.mark.django_db

# Imported here so the timing below measures training, not scikit-learn's import.
import sklearn.linear_model  # type: ignore[import-untyped]  # noqa: E402, F401

BILLING_TEXT = ("Refund my invoice", "The card payment charged twice, refund the invoice amount")
VAGUE_TEXT = ("Hello", "hello please help today")


@pytest.fixture
def history(support: Team, billing: Team) -> dict[str, Team]:
    """240 solved conversations, 60 per category; billing ones were worked by Billing."""
    teams = {"billing": billing, "shipping": support, "account": support, "bugs": support}
    solved_history(corpus(per_category=60, seed=7), teams=teams)
    return teams


def triaged(subject: str, body: str) -> Conversation:
    conversation = open_conversation(subject=subject, body=body)
    routing_triage(conversation_id=conversation.pk)
    conversation.refresh_from_db()
    return conversation


def test_training_reports_held_out_accuracy_well_above_chance(
    history: dict[str, Team], data_dir: Path
) -> None:
    started = time.perf_counter()
    report = classifier_train(holdout=0.2, seed=3)
    elapsed = time.perf_counter() - started

    category = next(h for h in report.heads if h.head == "category")
    assert category.labels == ["account", "billing", "bugs", "shipping"]
    assert (category.train, category.test) == (192, 48)
    assert category.accuracy >= 0.8  # chance is 0.25
    assert min(category.label_accuracy.values()) >= 0.6
    team = next(h for h in report.heads if h.head == "team")
    assert team.accuracy >= 0.8  # Billing vs Support: chance would be 0.75
    assert elapsed < 2.0
    row = ClassifierModel.objects.get()
    assert row.accuracy["category"] == pytest.approx(category.accuracy, abs=1e-4)
    assert row.samples == {
        "category": {"train": 192, "test": 48},
        "team": {"train": 192, "test": 48},
    }
    assert row.labels["team"] == sorted([str(history["billing"].pk), str(history["bugs"].pk)])
    assert (data_dir / "routing" / f"classifier-{row.pk}.joblib").is_file()


def test_train_and_report_prints_the_accuracy(history: dict[str, Team]) -> None:
    out = io.StringIO()

    code = train_and_report(holdout=0.25, seed=1, out=out)

    assert code == 0
    text = out.getvalue()
    accuracy = ClassifierModel.objects.get().accuracy["category"]
    assert f"category: 4 labels, 180 trained, 60 held out, held-out accuracy {accuracy:.1%}" in text
    assert "  billing: " in text


def test_too_few_samples_fail_clearly(support: Team) -> None:
    solved_history(corpus(per_category=3, seed=1))
    out = io.StringIO()

    code = train_and_report(holdout=0.2, seed=1, out=out)

    assert code == 1
    assert "Not enough solved conversations to train on (12 found)" in out.getvalue()
    assert not ClassifierModel.objects.exists()


def test_a_confident_suggestion_fills_empty_category_and_team(history: dict[str, Team]) -> None:
    classifier_train(holdout=0.2, seed=3)
    routing_settings_update(confidence_threshold=0.5)

    conversation = triaged(*BILLING_TEXT)

    assert conversation.category == "billing"
    assert conversation.team == history["billing"]
    decision = RoutingDecision.objects.get(conversation=conversation)
    assert decision.category_suggestion == "billing"
    assert decision.category_confidence is not None
    assert decision.category_confidence >= 0.5
    assert decision.team_suggestion == history["billing"]
    assert decision.applied["category"] == "billing"


def test_a_suggestion_below_the_threshold_is_recorded_but_not_applied(
    history: dict[str, Team],
) -> None:
    classifier_train(holdout=0.2, seed=3)
    routing_settings_update(confidence_threshold=0.99)

    conversation = triaged(*VAGUE_TEXT)

    assert conversation.category == ""
    assert conversation.team is None
    decision = RoutingDecision.objects.get(conversation=conversation)
    assert decision.category_confidence is not None
    assert decision.category_confidence < 0.99
    assert decision.applied == {}
    assert any("below the threshold 0.99" in reason for reason in decision.reasons)


def test_the_classifier_never_overrides_a_rule(history: dict[str, Team], support: Team) -> None:
    classifier_train(holdout=0.2, seed=3)
    routing_settings_update(confidence_threshold=0.0)
    triage_rule_create(name="Refunds", words="refund", set_category="refunds", set_team=support)

    conversation = triaged(*BILLING_TEXT)

    assert (conversation.category, conversation.team) == ("refunds", support)


def test_a_retrain_is_picked_up_and_a_tampered_file_is_not_loaded(
    history: dict[str, Team], data_dir: Path
) -> None:
    first = classifier_train(holdout=0.2, seed=3).model
    assert classifier.live_model()[0] == first
    second = classifier_train(holdout=0.2, seed=4).model

    row, model = classifier.live_model()
    assert row == second
    assert model is not None

    classifier.forget()
    path = data_dir / "routing" / f"classifier-{second.pk}.joblib"
    path.write_bytes(path.read_bytes() + b"x")
    assert classifier.live_model() == (second, None)
    assert classifier.suggest(text="refund my invoice")[1] == {}


def test_only_the_newest_files_are_kept(history: dict[str, Team], data_dir: Path) -> None:
    rows = [classifier_train(holdout=0.2, seed=s).model for s in range(5)]

    kept = sorted(p.name for p in (data_dir / "routing").iterdir())

    assert kept == [f"classifier-{row.pk}.joblib" for row in rows[-3:]]


def test_no_model_means_no_suggestion() -> None:
    conversation = triaged(*BILLING_TEXT)

    assert conversation.category == ""
    decision = RoutingDecision.objects.get(conversation=conversation)
    assert decision.classifier is None
    assert decision.category_suggestion == ""
