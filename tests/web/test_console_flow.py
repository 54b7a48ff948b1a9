"""The console end to end: first-run setup → login → channel on the mock → token → an openai SDK
call with that token → the log row, the new balance and the dashboard count show in the console."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import openai
import pytest
from tests.support.gateway import ROOT_PASSWORD
from tests.web.support import login_ui, screenshot

pytestmark = pytest.mark.browser


def _wait_for(page: Any, check: Any, *, timeout: float = 15.0, reload: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in the console")
        page.wait_for_timeout(500)
        if reload:
            page.reload()
            page.wait_for_load_state("networkidle")


def test_first_run_to_dashboard(gateway_factory: Any, mock_upstream: Any, new_page: Any) -> None:
    gateway = gateway_factory()
    page, _watch = new_page(gateway)

    # First run: /login sends us to /setup until the root user exists.
    page.goto("/login")
    page.wait_for_url(re.compile(r"/setup$"))
    screenshot(page, "setup")
    page.get_by_label("Root username").fill("root")
    page.get_by_label("Password", exact=True).fill(ROOT_PASSWORD)
    page.get_by_label("Confirm password").fill(ROOT_PASSWORD)
    page.get_by_role("button", name="Initialize").click()
    page.wait_for_url(re.compile(r"/login$"))

    login_ui(page, "root", ROOT_PASSWORD)
    root = gateway.root  # the API side of the same account, for pricing and checks
    for key, value in (("ModelRatio", '{"mock-chat": 1}'), ("CompletionRatio", '{"mock-chat": 1}')):
        assert root.client.put("/api/option/", json={"key": key, "value": value}).json()["success"]

    # Channel: OpenAI type (the form's default) on the mock upstream.
    page.goto("/console/channel")
    page.get_by_test_id("add-channel").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name", exact=True).fill("mock-openai")
    dialog.get_by_label("Base URL").fill(mock_upstream.url)
    dialog.get_by_label("Key", exact=True).fill("sk-upstream-mock")
    models = dialog.locator("#ch-models")
    models.fill("mock-chat")
    models.press("Enter")
    dialog.get_by_test_id("save-channel").click()
    expect_row = page.get_by_role("row").filter(has_text="mock-openai")
    expect_row.wait_for()

    # Token: created through the form; the key is shown once with the usage snippets.
    page.goto("/console/token")
    page.get_by_test_id("add-token").click()
    page.get_by_role("dialog").get_by_label("Name").fill("e2e-token")
    page.get_by_role("dialog").get_by_role("button", name="Create").click()
    key = page.get_by_test_id("created-key").input_value()
    assert key.startswith("sk-")
    assert gateway.url in page.get_by_test_id("usage-panel").inner_text()
    page.keyboard.press("Escape")

    before = root.client.get("/api/user/self").json()["data"]["quota"]
    client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=key, max_retries=0)
    reply = client.chat.completions.create(
        model="mock-chat", messages=[{"role": "user", "content": "hello console"}]
    )
    assert reply.choices[0].message.content

    # The log row (written in batches) appears on the log page.
    page.goto("/console/log")
    _wait_for(page, lambda: page.get_by_role("row").filter(has_text="mock-chat").count() > 0)
    row = page.get_by_role("row").filter(has_text="mock-chat").first
    assert "e2e-token" in row.inner_text()
    row.click()
    assert "mock-chat" in page.get_by_test_id("log-detail").inner_text()
    page.keyboard.press("Escape")

    # CSV export comes from the server's streamed export of the filtered rows.
    page.get_by_role("dialog").press("Escape")
    page.get_by_test_id("log-detail").wait_for(state="hidden")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    csv_text = Path(download_info.value.path()).read_text()
    header, *lines = [line for line in csv_text.splitlines() if line]
    assert "model_name" in header
    assert any("mock-chat" in line and "e2e-token" in line for line in lines)

    # The new balance: what /api/user/self says, lower than before the call.
    after = root.client.get("/api/user/self").json()["data"]["quota"]
    assert after < before
    page.goto("/console/topup")
    balance = page.get_by_test_id("wallet-balance").locator("[data-quota]")
    balance.wait_for()
    assert int(balance.get_attribute("data-quota") or "0") == after

    # The dashboard counts it in the chart and the request total.
    page.goto("/console")
    chart = page.get_by_test_id("chart-over-time")
    _wait_for(page, lambda: chart.get_attribute("data-total") == "1", reload=False)
    assert page.get_by_test_id("stat-requests").inner_text() == "1"
    assert page.get_by_test_id("stat-balance").locator("[data-quota]").get_attribute(
        "data-quota"
    ) == str(after)
