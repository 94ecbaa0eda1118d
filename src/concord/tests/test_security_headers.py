"""Every page carries a Content-Security-Policy and a Permissions-Policy; production uses HSTS."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from concord.accounts.models import User
from concord.workspace.charts import line_chart, stacked_bar_chart, with_style_nonce

pytestmark = pytest.mark.django_db


def _directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: (rest[0] if rest else "") for name, *rest in parts}


@pytest.mark.parametrize("url", ["/app/login/", "/admin/login/", "/help/sign-in/"])
def test_sign_in_pages_allow_no_inline_or_foreign_script(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"].startswith("'self'")
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_the_workspace_runs_only_scripts_with_this_responses_nonce(
    client: Client, agent: User
) -> None:
    client.force_login(agent)
    first = client.get("/app/")
    second = client.get("/app/")
    nonce = re.search(
        r"'nonce-([^']+)'", _directives(first["Content-Security-Policy"])["script-src"]
    )
    assert nonce
    html = first.content.decode()
    # htmx's own tag carries it, and htmx is told to put it on the style it adds.
    assert f'nonce="{nonce.group(1)}"' in html
    assert f'"inlineStyleNonce": "{nonce.group(1)}"' in html
    assert nonce.group(1) not in second["Content-Security-Policy"]


def test_the_api_and_portal_also_carry_a_permissions_policy(client: Client) -> None:
    for url in ("/api/v1/openapi.json", "/help/sign-in/"):
        assert "microphone=()" in client.get(url)["Permissions-Policy"], url


def test_charts_carry_no_script_or_inline_style_and_take_the_nonce() -> None:
    for svg in (
        line_chart(title="FRT", x_labels=["Mon", "Tue"], series={"FRT": [1.0, None]}, y_title="h"),
        stacked_bar_chart(title="Volume", x_labels=["Mon"], series={"email": [3]}, y_title="n"),
    ):
        assert "<script" not in svg
        assert 'style="' not in svg
        assert '<style nonce="abc"' in with_style_nonce(svg, nonce="abc")


def _production_setting(name: str, tmp_path: Path, **env: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [
            sys.executable,
            "-c",
            f"from django.conf import settings; print(settings.{name})",
        ],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "concord.config.settings.production",
            "CONCORD_SECRET_KEY": "p" * 60,
            "CONCORD_ALLOWED_HOSTS": "help.example.com",
            "CONCORD_DATA_DIR": str(tmp_path),
            **env,
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def test_production_turns_hsts_on_by_default_and_it_can_be_turned_off(tmp_path: Path) -> None:
    assert _production_setting("SECURE_HSTS_SECONDS", tmp_path) == "31536000"
    assert _production_setting("SECURE_HSTS_SECONDS", tmp_path, CONCORD_HSTS_SECONDS="0") == "0"
    assert _production_setting("SECURE_SSL_REDIRECT", tmp_path) == "True"
