"""Helpers for the browser tests (imported by tests; fixtures live in conftest.py)."""

from __future__ import annotations

import functools
import os
import re
import warnings
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DIST = REPO_ROOT / "web" / "dist"
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("RELAYGATE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}


def login_ui(page: Any, username: str, password: str) -> None:
    """Fill the /login form and wait for the console."""
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r"/console/?$"))


def screenshot(page: Any, name: str) -> None:
    """docs/screenshots/<name>.png (light) and <name>-dark.png when RELAYGATE_SCREENSHOTS=1.

    The console follows the system theme by default, so emulating the color scheme flips it live.
    Without the variable the page is still rendered in both themes (pageerrors count) but not saved.
    """
    save = os.environ.get("RELAYGATE_SCREENSHOTS", "") not in ("", "0")
    if save:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for scheme, suffix in (("light", ""), ("dark", "-dark")):
        page.emulate_media(color_scheme=scheme)
        page.wait_for_timeout(250)
        if save:
            page.screenshot(path=str(SCREENSHOTS / f"{name}{suffix}.png"))
    page.emulate_media(color_scheme="light")


@functools.cache
def _schema_paths() -> frozenset[str]:
    os.environ.setdefault("RELAYGATE_ENV", "dev")
    from relaygate.app import create_app
    from relaygate.config import Settings

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. duplicate operation ids in routers being written
        return frozenset(create_app(settings).openapi().get("paths", {}))


def has_route(path: str) -> bool:
    """Whether the app's OpenAPI schema has ``path`` (for xfail-until-it-lands markers)."""
    return path in _schema_paths()
