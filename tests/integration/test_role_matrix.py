"""Role matrix: every /api route the app serves, called as anonymous, a common user, an admin and
root, allowed or refused exactly as new-api's middleware for that route (router/api-router.go).

``NEW_API_ROUTES`` is new-api's router as a table (method, path, the auth level its middleware
gives the route); ``RELAYGATE_ROUTES`` adds the routes relaygate serves beyond it. A served route
in neither table fails the test, so routes other engineers add must be classified here first.

Run as a script to regenerate the table from a new-api checkout, or docs/api-parity.md:

    .venv/bin/python tests/integration/test_role_matrix.py --table /tmp/newapi/router/api-router.go
    .venv/bin/python tests/integration/test_role_matrix.py --parity docs/api-parity.md
"""

from __future__ import annotations

import argparse
import os
import posixpath
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

if __name__ == "__main__":  # script mode: make tests/ and the repo importable
    sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[2])]

from relaygate.misc.inventory import api_routes, normalize

NONE, USER, ADMIN, ROOT = "none", "user", "admin", "root"
TOKEN, USER_OR_TOKEN, SPECIAL = "token", "user_or_token", "special"
"""Levels: ``token`` routes take an API key (an access token is not one); ``special`` routes have
their own check (PromptLibraryImportAuth) and are not called."""

# new-api router/api-router.go, parsed by parse_router() below: METHOD PATH LEVEL.
NEW_API_ROUTES_TEXT = """
GET /api/recall/open.gif none
GET /api/setup none
POST /api/setup none
GET /api/status none
GET /api/uptime/status none
GET /api/models user
GET /api/status/test admin
GET /api/registration-domain-risk/blocks admin
GET /api/registration-domain-risk/blocks/:id admin
POST /api/registration-domain-risk/blocks/:id/release admin
GET /api/notice none
GET /api/user-agreement none
GET /api/privacy-policy none
GET /api/refund-policy none
GET /api/about none
GET /api/blog/list none
GET /api/blog/detail/:slug none
GET /api/blog/categories none
GET /api/prompt-library/admin admin
POST /api/prompt-library/admin admin
PUT /api/prompt-library/admin/:id admin
PUT /api/prompt-library/admin/:id/enabled admin
DELETE /api/prompt-library/admin/:id admin
GET /api/prompt-library none
GET /api/prompt-library/:slug none
POST /api/prompt-library/import special
GET /api/home_page_content none
GET /api/pricing none
GET /api/website/pricing none
GET /api/website/pricing/v2 none
GET /api/data-tools user_or_token
GET /api/data-tools/inspect user_or_token
POST /api/data-tools/run token
GET /api/perf-metrics/summary none
GET /api/perf-metrics none
GET /api/rankings none
GET /api/verification none
POST /api/registration/email-verification/exchange none
POST /api/registration/email-verification/status none
GET /api/reset_password none
POST /api/user/reset none
POST /api/cli/device_authorizations none
POST /api/cli/device_authorizations/token none
GET /api/cli/device_authorizations/:user_code user
POST /api/cli/device_authorizations/:user_code/approve user
POST /api/cli/device_authorizations/:user_code/deny user
GET /api/oauth/state none
POST /api/oauth/email/bind none
GET /api/oauth/wechat none
POST /api/oauth/wechat/bind none
GET /api/oauth/telegram/login none
GET /api/oauth/telegram/bind none
GET /api/oauth/google/start none
POST /api/oauth/google/one-tap none
GET /api/oauth/:provider none
GET /api/ratio_config none
POST /api/stripe/webhook none
POST /api/creem/webhook none
POST /api/waffo/webhook none
GET /api/recall/unsubscribe none
POST /api/recall/unsubscribe none
POST /api/waffo-pancake/webhook/:env none
POST /api/verify user
POST /api/temp-media/images user
POST /api/user/register none
POST /api/user/login none
POST /api/user/login/2fa none
POST /api/user/passkey/login/begin none
POST /api/user/passkey/login/finish none
GET /api/user/logout none
GET /api/user/analytics-self none
POST /api/user/epay/notify none
GET /api/user/epay/notify none
GET /api/user/groups none
GET /api/user/self/groups user
GET /api/user/model-access user
GET /api/user/self user
GET /api/user/self/invitations user
GET /api/user/models user
PUT /api/user/self user
DELETE /api/user/self user
GET /api/user/token user
GET /api/user/passkey user
POST /api/user/passkey/register/begin user
POST /api/user/passkey/register/finish user
POST /api/user/passkey/verify/begin user
POST /api/user/passkey/verify/finish user
DELETE /api/user/passkey user
GET /api/user/aff user
GET /api/user/topup/info user
GET /api/user/topup/self user
POST /api/user/topup/:trade_no/resume user
POST /api/user/topup/:trade_no/invoice user
GET /api/user/invoice-profile user
PUT /api/user/invoice-profile user
POST /api/user/topup user
POST /api/user/redemption/claim user
POST /api/user/pay user
POST /api/user/amount user
POST /api/user/stripe/pay user
POST /api/user/stripe/amount user
GET /api/user/stripe/card user
DELETE /api/user/stripe/card user
POST /api/user/creem/pay user
POST /api/user/waffo/amount user
POST /api/user/waffo/pay user
POST /api/user/waffo-pancake/amount user
POST /api/user/waffo-pancake/pay user
POST /api/user/paddle/amount user
POST /api/user/paddle/pay user
GET /api/user/paddle/status user
POST /api/user/aff_transfer user
PUT /api/user/setting user
GET /api/user/recall/offers user
POST /api/user/recall/claim/validate user
GET /api/user/2fa/status user
POST /api/user/2fa/setup user
POST /api/user/2fa/enable user
POST /api/user/2fa/disable user
POST /api/user/2fa/backup_codes user
GET /api/user/checkin user
POST /api/user/checkin user
GET /api/user/oauth/bindings user
DELETE /api/user/oauth/bindings/:provider_id user
GET /api/user/ admin
GET /api/user/topup admin
POST /api/user/topup/complete admin
GET /api/user/search admin
GET /api/user/recall_candidates admin
GET /api/user/:id/oauth/bindings admin
GET /api/user/:id/invoice-profile admin
PUT /api/user/:id/invoice-profile admin
DELETE /api/user/:id/oauth/bindings/:provider_id admin
DELETE /api/user/:id/bindings/:binding_type admin
GET /api/user/:id admin
POST /api/user/ admin
POST /api/user/manage admin
POST /api/user/batch_verify_email admin
PUT /api/user/ admin
DELETE /api/user/:id admin
DELETE /api/user/:id/reset_passkey admin
GET /api/user/2fa/stats admin
DELETE /api/user/:id/2fa admin
GET /api/recall-campaigns/ admin
POST /api/recall-campaigns/ admin
POST /api/recall-campaigns/stripe/validate admin
POST /api/recall-campaigns/email-preview admin
GET /api/recall-campaigns/email-quota admin
PUT /api/recall-campaigns/email-quota admin
GET /api/recall-campaigns/smtp admin
PUT /api/recall-campaigns/smtp admin
GET /api/recall-campaigns/audience-users admin
POST /api/recall-campaigns/:id/exclusions/preview admin
GET /api/recall-campaigns/:id/exclusions/batches/:batch_id admin
POST /api/recall-campaigns/:id/exclusions/batches/:batch_id/confirm admin
POST /api/recall-campaigns/:id/email-translations/generate admin
GET /api/recall-campaigns/:id/email-translations/tasks/latest admin
GET /api/recall-campaigns/:id/email-translations/tasks/:task_id admin
GET /api/recall-campaigns/:id admin
PUT /api/recall-campaigns/:id admin
POST /api/recall-campaigns/:id/preview admin
POST /api/recall-campaigns/:id/activate admin
POST /api/recall-campaigns/:id/pause admin
POST /api/recall-campaigns/:id/resume admin
POST /api/recall-campaigns/:id/cancel admin
POST /api/recall-campaigns/:id/complete admin
GET /api/recall-campaigns/:id/recipients admin
GET /api/recall-campaigns/:id/events admin
GET /api/recall-campaigns/:id/metrics admin
GET /api/recall-campaigns/:id/metric-users admin
GET /api/recall-campaigns/:id/metric-users/export admin
GET /api/recall-campaigns/:id/export admin
POST /api/recall-campaigns/:id/recipients/:rid/retry admin
GET /api/subscription/plans user
GET /api/subscription/self user
GET /api/subscription/self/refundable-terms user
PUT /api/subscription/self/preference user
POST /api/subscription/self/refundable-terms/:term_segment_id/refund user
POST /api/subscription/self/quote user
POST /api/subscription/self/purchase user
POST /api/subscription/self/change-plan user
POST /api/subscription/self/renewal/cancel user
POST /api/subscription/self/renewal/resume user
POST /api/subscription/balance/pay user
POST /api/subscription/epay/pay user
POST /api/subscription/stripe/pay user
POST /api/subscription/creem/pay user
POST /api/subscription/waffo-pancake/pay user
GET /api/subscription/admin/plans admin
POST /api/subscription/admin/plans admin
PUT /api/subscription/admin/plans/:id admin
PATCH /api/subscription/admin/plans/:id admin
POST /api/subscription/admin/bind admin
GET /api/subscription/admin/users/:id/subscriptions admin
POST /api/subscription/admin/users/:id/subscriptions admin
POST /api/subscription/admin/user_subscriptions/:id/invalidate admin
DELETE /api/subscription/admin/user_subscriptions/:id admin
POST /api/subscription/epay/notify none
GET /api/subscription/epay/notify none
GET /api/subscription/epay/return none
POST /api/subscription/epay/return none
POST /api/paddle/webhook none
GET /api/option/ root
PUT /api/option/ root
PUT /api/option/bulk root
POST /api/option/payment_compliance root
GET /api/option/channel_affinity_cache root
DELETE /api/option/channel_affinity_cache root
POST /api/option/rest_model_ratio root
POST /api/option/migrate_console_setting root
POST /api/option/waffo-pancake/catalog root
POST /api/option/waffo-pancake/pair root
POST /api/option/waffo-pancake/save root
POST /api/option/waffo-pancake/subscription-product root
POST /api/option/waffo-pancake/subscription-product-options root
POST /api/custom-oauth-provider/discovery root
GET /api/custom-oauth-provider/ root
GET /api/custom-oauth-provider/:id root
POST /api/custom-oauth-provider/ root
PUT /api/custom-oauth-provider/:id root
DELETE /api/custom-oauth-provider/:id root
GET /api/performance/stats root
DELETE /api/performance/disk_cache root
POST /api/performance/reset_stats root
POST /api/performance/gc root
GET /api/performance/logs root
DELETE /api/performance/logs root
GET /api/ratio_sync/channels root
POST /api/ratio_sync/fetch root
GET /api/channel/ admin
GET /api/channel/search admin
GET /api/channel/concurrency admin
GET /api/channel/models admin
GET /api/channel/models_enabled admin
GET /api/channel/:id admin
POST /api/channel/:id/key root
GET /api/channel/test admin
GET /api/channel/test/:id admin
GET /api/channel/update_balance admin
GET /api/channel/update_balance/:id admin
POST /api/channel/ admin
PUT /api/channel/ admin
DELETE /api/channel/disabled admin
POST /api/channel/tag/disabled admin
POST /api/channel/tag/enabled admin
PUT /api/channel/tag admin
DELETE /api/channel/:id admin
POST /api/channel/batch admin
POST /api/channel/fix admin
GET /api/channel/fetch_models/:id admin
POST /api/channel/fetch_models root
POST /api/channel/codex/oauth/start admin
POST /api/channel/codex/oauth/complete admin
POST /api/channel/grok/pkce/start admin
POST /api/channel/grok/pkce/complete admin
POST /api/channel/grok/import admin
POST /api/channel/grok/refresh admin
POST /api/channel/:id/codex/oauth/start admin
POST /api/channel/:id/codex/oauth/complete admin
POST /api/channel/:id/copilot/device/start admin
POST /api/channel/:id/copilot/device/poll admin
POST /api/channel/:id/codex/refresh admin
GET /api/channel/:id/codex/usage admin
POST /api/channel/:id/codex/reset-credit admin
POST /api/channel/ollama/pull admin
POST /api/channel/ollama/pull/stream admin
DELETE /api/channel/ollama/delete admin
GET /api/channel/ollama/version/:id admin
POST /api/channel/batch/tag admin
PUT /api/channel/batch admin
GET /api/channel/tag/models admin
POST /api/channel/copy/:id admin
POST /api/channel/multi_key/manage admin
POST /api/channel/upstream_updates/apply admin
POST /api/channel/upstream_updates/apply_all admin
POST /api/channel/upstream_updates/detect admin
POST /api/channel/upstream_updates/detect_all admin
GET /api/codex_model_governance/ admin
POST /api/codex_model_governance/rules/test admin
POST /api/codex_model_governance/:id/review admin
GET /api/compute/nodes admin
GET /api/compute/nodes/:id admin
POST /api/compute/nodes/:id/stop admin
GET /api/compute/offers admin
GET /api/compute/instances user
POST /api/compute/instances user
GET /api/compute/instances/:id/connection user
POST /api/compute/instances/:id/stop user
GET /api/compute/gpu-offers user
GET /api/token/ user
GET /api/token/search user
POST /api/token/ensure_initial user
GET /api/token/:id user
POST /api/token/:id/key user
POST /api/token/ user
PUT /api/token/ user
PUT /api/token/batch user
PUT /api/token/batch/group user
DELETE /api/token/:id user
POST /api/token/batch user
POST /api/token/batch/keys user
GET /api/usage/token/ token
GET /api/redemption/ admin
GET /api/redemption/search admin
GET /api/redemption/:id admin
POST /api/redemption/ admin
PUT /api/redemption/ admin
DELETE /api/redemption/invalid admin
DELETE /api/redemption/:id admin
GET /api/log/ admin
DELETE /api/log/ admin
GET /api/log/request_samples root
GET /api/log/stat admin
GET /api/log/self/stat user
GET /api/log/channel_affinity_usage_cache admin
GET /api/log/search admin
GET /api/log/self user
GET /api/log/self/search user
GET /api/data admin
GET /api/data/ admin
GET /api/data/users admin
GET /api/data/codex/limits admin
GET /api/data/self user
GET /api/data/tokens admin
GET /api/data/self/tokens user
GET /api/data/ops_report admin
GET /api/data/ops_report_stripe admin
GET /api/data/ops_report_ads admin
GET /api/data/ops_report_ads_daily admin
GET /api/data/ops_report_landing_thumb admin
GET /api/data/model_health admin
GET /api/data/model_health/detail admin
POST /api/ads_pilot/proposals/:id/decide admin
POST /api/ads_pilot/insights/:id/ack admin
GET /api/log/token token
GET /api/group/ admin
GET /api/prefill_group/ admin
POST /api/prefill_group/ admin
PUT /api/prefill_group/ admin
DELETE /api/prefill_group/:id admin
GET /api/mj/self user
GET /api/mj/ admin
GET /api/task/self user
GET /api/task/ admin
GET /api/vendors/ admin
GET /api/vendors/search admin
GET /api/vendors/:id admin
POST /api/vendors/ admin
PUT /api/vendors/ admin
DELETE /api/vendors/:id admin
GET /api/models/sync_upstream/preview admin
POST /api/models/sync_upstream admin
GET /api/models/missing admin
GET /api/models/catalog-readiness admin
GET /api/models/website-featured admin
PUT /api/models/website-featured admin
GET /api/models/ admin
GET /api/models/search admin
GET /api/models/:id admin
POST /api/models/ admin
PUT /api/models/ admin
DELETE /api/models/:id admin
GET /api/deployments/settings admin
POST /api/deployments/settings/test-connection admin
GET /api/deployments/ admin
GET /api/deployments/search admin
POST /api/deployments/test-connection admin
GET /api/deployments/hardware-types admin
GET /api/deployments/locations admin
GET /api/deployments/available-replicas admin
POST /api/deployments/price-estimation admin
GET /api/deployments/check-name admin
POST /api/deployments/ admin
GET /api/deployments/:id admin
GET /api/deployments/:id/logs admin
GET /api/deployments/:id/containers admin
GET /api/deployments/:id/containers/:container_id admin
PUT /api/deployments/:id admin
PUT /api/deployments/:id/name admin
POST /api/deployments/:id/extend admin
DELETE /api/deployments/:id admin
"""

# Routes relaygate serves that new-api's router does not have, with the level they must have.
RELAYGATE_ROUTES_TEXT = """
GET /api/log/export admin
GET /api/log/self/export user
GET /api/oauth/email/bind none
GET /api/oauth/wechat/bind none
GET /api/verify/status user
"""


def _table(text: str) -> dict[tuple[str, str], str]:
    table: dict[tuple[str, str], str] = {}
    for line in text.strip().splitlines():
        method, path, level = line.split()
        table[(method, normalize(path))] = level
    return table


NEW_API_ROUTES = _table(NEW_API_ROUTES_TEXT)
RELAYGATE_ROUTES = _table(RELAYGATE_ROUTES_TEXT)
EXPECTED = {**NEW_API_ROUTES, **RELAYGATE_ROUTES}

ACTORS = ("anonymous", "common", "admin", "root")
ALLOWED: dict[str, frozenset[str]] = {
    NONE: frozenset(ACTORS),
    USER: frozenset({"common", "admin", "root"}),
    USER_OR_TOKEN: frozenset({"common", "admin", "root"}),
    ADMIN: frozenset({"admin", "root"}),
    ROOT: frozenset({"root"}),
    TOKEN: frozenset(),
}
AUTH_REFUSALS = ("无权进行此操作", "未提供令牌", "无效的令牌")
"""Messages of the auth layer (relaygate.auth.deps, the token-key routes)."""


# ------------------------------------------------------------------ parsing new-api's router

_MIDDLEWARE_LEVELS = {
    "UserAuth": USER,
    "AdminAuth": ADMIN,
    "RootAuth": ROOT,
    "TokenAuth": TOKEN,
    "TokenAuthReadOnly": TOKEN,
    "TokenOrUserAuth": USER_OR_TOKEN,
    "PromptLibraryImportAuth": SPECIAL,
    "HeaderNavModuleAuth": NONE,  # pricing/rankings: public unless the module asks for login
    "HeaderNavModulePublicOrUserAuth": NONE,
    "TryUserAuth": NONE,
}
_RANK = {NONE: 0, USER: 1, ADMIN: 2, ROOT: 3}


def _join(absolute: str, relative: str) -> str:
    # gin's joinPaths: clean the joined path, keep a trailing slash the relative part has
    if not relative:
        return absolute
    joined = "/" + posixpath.normpath(absolute + "/" + relative).lstrip("/")
    return joined + "/" if relative.endswith("/") and not joined.endswith("/") else joined


def _combine(level: str, middleware: str) -> str:
    for name in re.findall(r"middleware\.(\w+)\(", middleware):
        found = _MIDDLEWARE_LEVELS.get(name)
        if found is None:
            continue
        if found in _RANK and level in _RANK:
            level = found if _RANK[found] > _RANK[level] else level
        else:
            level = found
    return level


def parse_router(source: str) -> list[tuple[str, str, str]]:
    """(method, path, level) of every route in new-api's api-router.go, in file order.

    Follows ``x := parent.Group("/p")``, ``x.Use(middleware…)`` (which only affects routes
    added after it, as in gin) and per-route middleware.
    """
    groups: dict[str, tuple[str, str]] = {"router": ("", NONE)}
    routes: list[tuple[str, str, str]] = []
    for raw in source.splitlines():
        line = re.sub(r"\s//\s.*$", "", raw).strip()
        if line.startswith("//"):
            continue
        group = re.match(r'(\w+)\s*:=\s*(\w+)\.Group\("([^"]*)"\)', line)
        if group:
            name, parent, path = group.groups()
            prefix, level = groups[parent]
            groups[name] = (_join(prefix, path), level)
            continue
        use = re.match(r"(\w+)\.Use\((.*)\)$", line)
        if use and use.group(1) in groups:
            prefix, level = groups[use.group(1)]
            groups[use.group(1)] = (prefix, _combine(level, use.group(2)))
            continue
        route = re.match(r'(\w+)\.(GET|POST|PUT|DELETE|PATCH)\("([^"]*)"\s*,(.*)\)$', line)
        if route and route.group(1) in groups:
            name, method, path, rest = route.groups()
            prefix, level = groups[name]
            routes.append((method, _join(prefix, path), _combine(level, rest)))
    return routes


# ------------------------------------------------------------------------------ the matrix


def _is_auth_refusal(response: httpx.Response) -> bool:
    if response.status_code == 401:
        return True
    try:
        body = response.json()
    except ValueError:
        return False
    message = str(body.get("message", "")) if isinstance(body, dict) else ""
    refused = isinstance(body, dict) and body.get("success") is False
    return refused and response.status_code in (200, 403) and message.startswith(AUTH_REFUSALS)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "999999", path)


@dataclass
class Cast:
    """The four callers; ``headers[name]`` is what each sends."""

    headers: dict[str, dict[str, str]]
    ids: dict[str, int]
    logins: dict[str, tuple[str, str]]
    revived: int = 0


@pytest.fixture
def db_dsn(sqlite_template: Path, tmp_path: Path) -> str:
    """The matrix is about middleware, not SQL: one SQLite run is enough."""
    import shutil

    from tests.support import services

    path = tmp_path / "relaygate.db"
    shutil.copyfile(sqlite_template, path)
    return services.sqlite_dsn(path)


@pytest.fixture
def app_settings(app_settings: Any) -> Any:
    """Rate limits off: the matrix sends several hundred calls from one address, and a 429
    before the auth check would hide what the auth check does."""
    return app_settings.model_copy(
        update={
            "global_api_rate_limit_enable": False,
            "global_web_rate_limit_enable": False,
            "critical_rate_limit_enable": False,
            "search_rate_limit_enable": False,
        }
    )


async def _cast(client: httpx.AsyncClient) -> Cast:
    from test_api_support import PASSWORD, ROOT_PASSWORD, ROOT_USERNAME, create_user, setup_root

    root = await setup_root(client)
    common = await create_user(client, root, "matrix_user")
    admin = await create_user(client, root, "matrix_admin", role=10)
    return Cast(
        headers={
            "anonymous": {},
            "common": common.headers,
            "admin": admin.headers,
            "root": root.headers,
        },
        ids={"common": common.id, "admin": admin.id, "root": root.id},
        logins={
            "common": ("matrix_user", PASSWORD),
            "admin": ("matrix_admin", PASSWORD),
            "root": (ROOT_USERNAME, ROOT_PASSWORD),
        },
    )


async def _revive(client: httpx.AsyncClient, cast: Cast, actor: str, after: str) -> None:
    """Log an actor in again when a call ended its access token (GET /api/user/token renews it),
    or replace an account that a call removed (DELETE /api/user/self)."""
    from test_api_support import PASSWORD, create_user, login

    if actor == "anonymous":
        return
    probe = await client.get("/api/user/self", headers=cast.headers[actor])
    if probe.status_code == 200 and probe.json().get("success"):
        return
    username, password = cast.logins[actor]
    response = await client.post(
        "/api/user/login", json={"username": username, "password": password}
    )
    client.cookies.clear()
    if response.json().get("success"):
        fresh = await login(client, username, password)
    else:
        assert actor != "root", f"root cannot log in after {after}: {response.text}"
        cast.revived += 1
        username = f"{username}{cast.revived}"
        root = type("Root", (), {"headers": cast.headers["root"]})()
        fresh = await create_user(client, root, username, role=10 if actor == "admin" else 1)
        cast.logins[actor] = (username, PASSWORD)
    cast.headers[actor], cast.ids[actor] = fresh.headers, fresh.id


def _served(app: Any) -> Iterator[tuple[str, str, str]]:
    for method, path in api_routes(app):
        yield method, path, EXPECTED.get((method, normalize(path)), "")


def test_every_served_route_is_in_the_table(app: Any) -> None:
    missing = [f"{method} {path}" for method, path, level in _served(app) if not level]
    assert not missing, (
        "routes served by relaygate but missing from the role table — add each to "
        "RELAYGATE_ROUTES_TEXT (or NEW_API_ROUTES_TEXT) with its auth level:\n  "
        + "\n  ".join(missing)
    )


def test_table_matches_new_api_router() -> None:
    source = Path(os.environ.get("NEWAPI_ROUTER", "/tmp/newapi/router/api-router.go"))
    if not source.exists():
        pytest.skip(f"no new-api checkout at {source} (set NEWAPI_ROUTER)")
    parsed = {(m, normalize(p)): level for m, p, level in parse_router(source.read_text())}
    assert parsed == NEW_API_ROUTES


async def test_role_matrix(app: Any, app_client: httpx.AsyncClient) -> None:
    cast = await _cast(app_client)
    wrong: list[str] = []
    checked = 0
    for method, path, level in _served(app):
        if level in ("", SPECIAL):
            continue
        for actor in ACTORS:
            kwargs: dict[str, Any] = {"headers": cast.headers[actor]}
            if method in ("POST", "PUT", "PATCH", "DELETE"):
                kwargs["json"] = {}
            response = await app_client.request(method, _concrete(path), **kwargs)
            refused = _is_auth_refusal(response)
            allowed = actor in ALLOWED[level]
            checked += 1
            if response.status_code == 429:
                # a per-route limiter (e-mail verification) answered before any auth check:
                # fine for a public route, inconclusive for any other
                if level != NONE:
                    wrong.append(f"{method} {path} as {actor}: rate limited, cannot tell")
            elif refused == allowed:
                verdict = "refused" if refused else "let through"
                wrong.append(
                    f"{method} {path} [{level}] as {actor}: {verdict} "
                    f"({response.status_code} {response.text[:120]})"
                )
            await _revive(app_client, cast, actor, f"{method} {path}")
    assert checked > 100
    assert not wrong, "auth differs from new-api's middleware:\n  " + "\n  ".join(wrong)


async def test_admin_cannot_act_on_root(app_client: httpx.AsyncClient) -> None:
    from test_api_support import refused

    cast = await _cast(app_client)
    admin, root_id = cast.headers["admin"], cast.ids["root"]
    for action in ("disable", "demote", "delete"):
        answer = await app_client.post(
            "/api/user/manage", json={"id": root_id, "action": action}, headers=admin
        )
        assert refused(answer), action
    assert refused(
        await app_client.put(
            "/api/user/", json={"id": root_id, "username": "root", "role": 1}, headers=admin
        )
    )
    assert refused(await app_client.delete(f"/api/user/{root_id}", headers=admin))
    assert refused(await app_client.get("/api/option/", headers=admin))
    me = await app_client.get("/api/user/self", headers=cast.headers["root"])
    assert me.json()["data"]["role"] == 100
    assert me.json()["data"]["status"] == 1


# --------------------------------------------------------------------- docs/api-parity.md

PARITY_RULES: tuple[tuple[str, str], ...] = (
    # (regex on "METHOD path", status) — first match wins; only for routes relaygate lacks.
    (
        r"recall",
        "deliberately different (flatkey fork: recall e-mail campaigns, not new-api)",
    ),
    (r"/api/compute", "deliberately different (flatkey fork: GPU rental)"),
    (
        r"/api/ads_pilot|/api/data/ops_report",
        "deliberately different (flatkey fork: ads and ops reports)",
    ),
    (
        r"/api/registration-domain-risk|/api/registration/",
        "deliberately different (flatkey fork: registration risk)",
    ),
    (
        r"/api/blog|/api/prompt-library|/api/data-tools|/api/perf-metrics|/api/rankings|/api/website/",
        "deliberately different (flatkey fork: marketing site content)",
    ),
    (
        r"/api/temp-media|/api/cli/device_authorizations|/api/codex_model_governance",
        "deliberately different (flatkey fork feature)",
    ),
    (
        r"waffo|paddle|invoice|payment_compliance|refund-policy|/api/user/analytics-self|/api/user/model-access|/api/user/self/invitations",
        "deliberately different (flatkey fork feature)",
    ),
    (
        r"/api/models/(catalog-readiness|website-featured)|/api/data/model_health|/api/data/codex|/api/log/request_samples",
        "deliberately different (flatkey fork feature)",
    ),
    (
        r"/api/option/migrate_console_setting",
        "deliberately different (one-off migration of a legacy key)",
    ),
    (r"/api/performance", "deliberately different (Go runtime: GC, disk cache, log files)"),
    (r"/api/deployments", "not yet (no owner: io.net model deployments)"),
    (r"/api/mj|/api/task", "not yet (relay tasks: Midjourney, video)"),
    (r"/api/models/sync_upstream", "not yet (catalog: official metadata sync)"),
    (
        r"/api/log/channel_affinity|/api/option/channel_affinity",
        "not yet (channels+tokens: channel affinity)",
    ),
    (r"/api/channel|/api/token|/api/usage|/api/log/token", "not yet (channels+tokens)"),
    (
        r"/api/user/2fa|/api/user/\{\}/2fa|passkey|/api/oauth|/api/verify|/api/custom-oauth-provider|/api/user/login|/api/user/\{\}/(oauth|bindings)|/api/user/oauth",
        "not yet (auth 2FA/passkeys/OAuth)",
    ),
    (
        r"topup|/pay$|/amount$|stripe|creem|epay|/api/subscription|/api/redemption|/api/data|redemption/claim|aff_transfer",
        "not yet (money)",
    ),
    (r"/api/user|/api/verification|/api/reset_password", "not yet (accounts)"),
)


def parity_status(method: str, path: str, served: set[tuple[str, str]]) -> str:
    """done, deliberately different (why) or not yet (whose area) for one new-api route."""
    if (method, normalize(path)) in served:
        return "done"
    key = f"{method} {normalize(path)}"
    for pattern, status in PARITY_RULES:
        if re.search(pattern, key):
            return status
    return "not yet (unassigned)"


def write_parity(out: Path) -> None:
    from relaygate.app import create_app
    from relaygate.config import Settings

    app = create_app(Settings(_env_file=None, SESSION_SECRET="parity-" + "x" * 32))  # type: ignore[call-arg]
    served = {(m, normalize(p)) for m, p in api_routes(app)}
    rows = [(m, p, level, parity_status(m, p, served)) for (m, p), level in NEW_API_ROUTES.items()]
    counts: dict[str, int] = {}
    for *_, status in rows:
        bucket = status.split(" (")[0]
        counts[bucket] = counts.get(bucket, 0) + 1
    extras = sorted(served - set(NEW_API_ROUTES))
    lines = [
        "# API parity with new-api",
        "",
        "Every route of new-api's `router/api-router.go` (the fork checked out at /tmp/newapi) and",
        "relaygate's status, generated from the app's actual routes by",
        "`.venv/bin/python tests/integration/test_role_matrix.py --parity docs/api-parity.md`.",
        "`level` is the auth new-api's middleware gives the route; tests/integration/test_role_matrix.py",
        "checks relaygate refuses and admits exactly as that level says for every served route.",
        "",
        "Summary: " + ", ".join(f"{name} {count}" for name, count in sorted(counts.items())) + ".",
        "",
        "| method | path | level | relaygate |",
        "|---|---|---|---|",
        *(f"| {m} | `{p}` | {level} | {status} |" for m, p, level, status in rows),
        "",
        "## Routes relaygate adds",
        "",
        "| method | path | level | why |",
        "|---|---|---|---|",
    ]
    why = {
        "/api/log/export": "CSV export of the admin log filter, streamed by keyset pages",
        "/api/log/self/export": "CSV export of the caller's own logs",
        "/api/oauth/email/bind": "GET form of new-api's POST email binding",
        "/api/oauth/wechat/bind": "GET form of new-api's POST WeChat binding",
        "/api/verify/status": "state of the /api/verify step-up",
    }
    for m, p in extras:
        lines.append(f"| {m} | `{p}` | {RELAYGATE_ROUTES.get((m, p), '?')} | {why.get(p, '')} |")
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}: {len(rows)} new-api routes, {len(extras)} relaygate-only")  # noqa: T201


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--table", type=Path, help="print the route table parsed from this router")
    parser.add_argument("--parity", type=Path, help="write the parity document here")
    args = parser.parse_args()
    if args.table:
        for method, path, level in parse_router(args.table.read_text()):
            print(f"{method} {path} {level}")  # noqa: T201
    if args.parity:
        write_parity(args.parity)


if __name__ == "__main__":
    main()
