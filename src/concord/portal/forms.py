"""Forms of the customer portal. They parse and check input; services do the writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from concord.accounts.models import User
from concord.portal.uploads import (
    ACCEPT_ATTRIBUTE,
    ALLOWED_LABEL,
    MAX_FILE_BYTES,
    MAX_FILES,
    CheckedFile,
    check_upload,
)


class EmailLinkForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=320,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class PasswordSignInForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=320,
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label="New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Repeat the new password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second:
            if first != second:
                self.add_error("password2", "The two passwords differ.")
            else:
                try:
                    validate_password(first, self.user)
                except ValidationError as error:
                    self.add_error("password1", error)
        return data


class UpdatesForm(forms.Form):
    receive = forms.BooleanField(
        label="Tell me when a problem I reported is fixed, and about features I voted for",
        required=False,
    )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Zero to ``MAX_FILES`` files, each checked by ``check_upload``; cleans to CheckedFiles."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            f"Up to {MAX_FILES} files, {MAX_FILE_BYTES // (1024 * 1024)} MB each: {ALLOWED_LABEL}.",
        )
        super().__init__(**kwargs)
        self.widget.attrs.update({"accept": ACCEPT_ATTRIBUTE})

    def clean(self, data: Any, initial: Any = None) -> list[CheckedFile]:
        uploads: list[UploadedFile[bytes]] = [
            item for item in (data if isinstance(data, list | tuple) else [data]) if item
        ]
        if len(uploads) > MAX_FILES:
            raise ValidationError(
                f"You attached {len(uploads)} files; at most {MAX_FILES} can go with one message.",
                code="too_many",
            )
        checked: list[CheckedFile] = []
        errors: list[ValidationError] = []
        for upload in uploads:
            try:
                checked.append(check_upload(upload))
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        return checked


class NewRequestForm(forms.Form):
    subject = forms.CharField(
        label="Subject",
        max_length=settings.CONCORD_MAX_SUBJECT_LENGTH,
        help_text="A few words that sum up what you need.",
    )
    description = forms.CharField(
        label="Description",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What happened, and what you expected. Order numbers help.",
    )
    attachments = AttachmentsField(label="Attachments")


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Message",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachments = AttachmentsField(label="Attachments")
