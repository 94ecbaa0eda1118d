"""The comment form shown after a score is recorded."""

from __future__ import annotations

from typing import Any

from django import forms

from concord.surveys.models import SurveyDefinition, SurveyKind
from concord.surveys.services.answers import MAX_COMMENT


class CommentForm(forms.Form):
    comment = forms.CharField(
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, definition: SurveyDefinition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["comment"].label = definition.comment_prompt or "Anything you'd like to add?"
        if definition.kind == SurveyKind.VES:
            scale = definition.scale
            self.fields["score_2"] = forms.TypedChoiceField(
                label=definition.question_2,
                choices=[(str(n), str(n)) for n in scale.scores],
                coerce=int,
                required=False,
                widget=forms.RadioSelect,
            )
