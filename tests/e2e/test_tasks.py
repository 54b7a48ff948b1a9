"""Async tasks end to end: Midjourney, Sora video and Suno through relaygate to the mock task
upstreams, the polling job bringing them to success or failure, quota charged at submission
and given back exactly once when a task fails, and the /api/mj and /api/task listings.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from tests.e2e.conftest import start_gateway
from tests.e2e.relay_env import RelayEnv, ok, unique
from tests.support.gateway import Gateway
from tests.support.mock_tasks import IMAGE_BYTES, VIDEO_BYTES, MockTasks
from tests.support.mock_upstream import MockUpstream

from relaygate.kit import jsonx

# the openai SDK marks its Sora methods deprecated; the API shape is what we relay
pytestmark = pytest.mark.filterwarnings("ignore:The Sora API is scheduled:DeprecationWarning")

MJ_PRICE = 0.1
VIDEO_PRICE = 0.1


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ],
)
def tasks_gateway(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    """A gateway whose poller asks about each task every 0.2 s (new-api: 15 s)."""
    yield from start_gateway(
        request,
        request.param,
        Path(tmp_path_factory.mktemp("gw-tasks")),
        env={"TASK_POLLING_INTERVAL": "0.2", "TASK_POLLING_MAX_BACKOFF": "0.5"},
    )


@pytest.fixture(scope="module")
def task_upstream() -> Iterator[MockTasks]:
    with MockTasks(polls_to_finish=2) as server:
        yield server


@pytest.fixture
def env(tasks_gateway: Gateway, mock_upstream: MockUpstream) -> RelayEnv:
    return RelayEnv(gateway=tasks_gateway, mock=mock_upstream)


def _prices(env: RelayEnv, prices: dict[str, float]) -> None:
    current = ok(env.root.client.get("/api/option/"))
    stored = next((o["value"] for o in current if o["key"] == "ModelPrice"), "{}")
    merged = {**jsonx.loads(stored or "{}"), **prices}
    env.set_option("ModelPrice", merged)


def _until(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def _client(env: RelayEnv, key: str) -> httpx.Client:
    return httpx.Client(
        base_url=env.gateway.url, headers={"Authorization": f"Bearer {key}"}, timeout=30
    )


def _refunds(env: RelayEnv, user: Any) -> list[dict[str, Any]]:
    return env.logs(user, type=6)


# -- Midjourney ---------------------------------------------------------------------------------


def _mj_setup(env: RelayEnv, upstream: MockTasks, quota: int = 1_000_000) -> tuple[Any, str, str]:
    _prices(env, {"mj_imagine": MJ_PRICE, "mj_upscale": MJ_PRICE / 2})
    _, channel_key = env.channel(
        "mj_imagine,mj_upscale", base_url=upstream.url, channel_type=2, key=unique("mjkey")
    )
    user = env.user(quota=quota)
    return user, env.token(user, unlimited=True), channel_key


def test_midjourney_imagine_polled_to_success(env: RelayEnv, task_upstream: MockTasks) -> None:
    user, key, channel_key = _mj_setup(env, task_upstream)
    cost = int(MJ_PRICE * 500_000)
    with _client(env, key) as client:
        answer = client.post("/mj/submit/imagine", json={"prompt": "a red cat", "notifyHook": "x"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["code"] == 1
        mj_id = answer.json()["result"]
        upstream = task_upstream.tasks[mj_id]
        assert upstream.key == channel_key
        assert "notifyHook" not in upstream.request  # MjNotifyEnabled is off
        env.wait_for(lambda: env.me(user)["used_quota"] == cost)

        def finished() -> dict[str, Any] | None:
            task = client.get(f"/mj/task/{mj_id}/fetch").json()
            return task if task["status"] == "SUCCESS" else None

        task = _until(finished)
        assert task["id"] == mj_id
        assert task["progress"] == "100%"
        assert task["action"] == "IMAGINE"
        assert task["imageUrl"].endswith(f"/mj/image-file/{mj_id}")
        assert task["buttons"][0]["label"] == "U1"
        listed = client.post("/mj/task/list-by-condition", json={"ids": [mj_id, "nope"]}).json()
        assert [t["id"] for t in listed] == [mj_id]
        assert client.get(f"/mj/task/{mj_id}/image-seed").json()["result"] == "1234567"

        # an upscale of the finished task goes to the channel that made it
        upscale = client.post(
            "/mj/submit/change", json={"taskId": mj_id, "action": "UPSCALE", "index": 1}
        )
        assert upscale.json()["code"] == 1, upscale.text
        assert task_upstream.tasks[upscale.json()["result"]].request["path_action"] == "change"
        # new-api's /{mode}/mj prefix
        fast = client.post("/mj-fast/mj/submit/imagine", json={"prompt": "a blue cat"})
        assert fast.json()["code"] == 1
    image = httpx.get(f"{env.gateway.url}/mj/image/{mj_id}", timeout=10)  # no key, as new-api
    assert image.content == IMAGE_BYTES
    assert image.headers["content-type"] == "image/png"
    env.wait_for(lambda: env.me(user)["used_quota"] == cost + cost // 2 + cost)

    own = ok(user.client.get("/api/mj/self", params={"p": 1, "page_size": 2}))
    assert own["total"] == 3
    assert own["page_size"] == 2
    assert len(own["items"]) == 2
    assert own["items"][0]["action"] == "IMAGINE"  # newest first
    everyone = ok(env.root.client.get("/api/mj/", params={"mj_id": mj_id}))
    assert everyone["total"] == 1
    assert everyone["items"][0]["status"] == "SUCCESS"
    assert everyone["items"][0]["quota"] == cost
    assert everyone["items"][0]["user_id"] == user.id


def test_midjourney_failure_refunds_once(env: RelayEnv, task_upstream: MockTasks) -> None:
    user, key, _ = _mj_setup(env, task_upstream)
    with _client(env, key) as client:
        mj_id = client.post("/mj/submit/imagine", json={"prompt": "doomed --fail"}).json()["result"]
        env.wait_for(lambda: env.me(user)["used_quota"] == int(MJ_PRICE * 500_000))
        task = _until(
            lambda: (t := client.get(f"/mj/task/{mj_id}/fetch").json())["status"] == "FAILURE" and t
        )
    assert task["failReason"] == "mock render failed"
    env.wait_for(lambda: env.me(user)["quota"] == 1_000_000)
    time.sleep(1.0)  # more poll rounds: still exactly one refund
    refunds = _refunds(env, user)
    assert len(refunds) == 1
    assert refunds[0]["quota"] == int(MJ_PRICE * 500_000)
    assert refunds[0]["model_name"] == "mj_imagine"
    assert env.me(user)["quota"] == 1_000_000


def test_midjourney_refusal_is_not_charged(env: RelayEnv, task_upstream: MockTasks) -> None:
    user, key, _ = _mj_setup(env, task_upstream)
    with _client(env, key) as client:
        answer = client.post("/mj/submit/imagine", json={"prompt": "banned words"})
        assert answer.json()["code"] == 24
        missing = client.post("/mj/submit/imagine", json={})
        assert missing.status_code == 400
        assert missing.json()["description"] == "prompt_is_required"
        unknown = client.post(
            "/mj/submit/change", json={"taskId": "nope", "action": "UPSCALE", "index": 1}
        )
        assert unknown.json()["description"] == "task_not_found"
    time.sleep(0.3)
    assert env.me(user)["quota"] == 1_000_000
    assert env.me(user)["used_quota"] == 0


# -- video --------------------------------------------------------------------------------------


def _video_setup(env: RelayEnv, upstream: MockTasks, **token: Any) -> tuple[Any, str, str, str]:
    model = unique("sora")
    _prices(env, {model: VIDEO_PRICE})
    _, channel_key = env.channel(model, base_url=upstream.url, channel_type=1)
    user = env.user(quota=10_000_000)
    return user, env.token(user, **(token or {"unlimited": True})), model, channel_key


def _video_cost(seconds: int, wide: bool) -> int:
    quota = int(VIDEO_PRICE * 500_000)
    quota = int(quota * seconds)
    return int(quota * 1.666667) if wide else quota


def test_sora_video_submit_poll_download_and_remix(env: RelayEnv, task_upstream: MockTasks) -> None:
    user, key, model, channel_key = _video_setup(env, task_upstream)
    sdk = openai.OpenAI(base_url=env.v1, api_key=key)
    video = sdk.videos.create(model=model, prompt="a calm lake", seconds="8", size="1792x1024")
    assert video.id.startswith("task_")
    upstream = task_upstream.submits[-1]
    assert upstream.key == f"Bearer {channel_key}"
    assert upstream.content_type.startswith("multipart/form-data")
    assert upstream.request["seconds"] == "8"
    cost = _video_cost(8, wide=True)
    env.wait_for(lambda: env.me(user)["used_quota"] == cost)

    done = _until(lambda: (v := sdk.videos.retrieve(video.id)).status == "completed" and v)
    assert done.id == video.id
    assert done.progress == 100
    content = sdk.videos.download_content(video.id)
    assert content.read() == VIDEO_BYTES
    anonymous = httpx.get(f"{env.v1}/videos/{video.id}/content", timeout=10)
    assert anonymous.content == VIDEO_BYTES

    with _client(env, key) as client:
        generation = client.get(f"/v1/video/generations/{video.id}").json()
        assert generation["code"] == "success"
        assert generation["data"]["task_id"] == video.id
        assert generation["data"]["status"] == "SUCCESS"
        assert generation["data"]["result_url"].endswith(f"/v1/videos/{video.id}/content")
        remix = client.post(f"/v1/videos/{video.id}/remix", json={"prompt": "now at night"})
        assert remix.status_code == 200, remix.text
        assert remix.json()["id"].startswith("task_")
    assert task_upstream.submits[-1].request["remix_of"] == upstream.id
    # a remix costs what its original did (new-api: the original's seconds and size)
    env.wait_for(lambda: env.me(user)["used_quota"] == 2 * cost)
    rows = env.logs(user, type=2)
    assert sorted(r["quota"] for r in rows) == [cost, cost]


def test_video_generations_json_passes_params_through(
    env: RelayEnv, task_upstream: MockTasks
) -> None:
    user, key, model, _ = _video_setup(env, task_upstream)
    extra = {"character": {"id": "char_1"}, "storyboard": [{"prompt": "scene one", "seconds": 4}]}
    with _client(env, key) as client:
        answer = client.post(
            "/v1/video/generations", json={"model": model, "prompt": "a fox", **extra}
        )
        assert answer.status_code == 200, answer.text
        task_id = answer.json()["id"]
        sent = task_upstream.submits[-1].request
        assert sent["character"] == extra["character"]
        assert sent["storyboard"] == extra["storyboard"]
        _until(
            lambda: (
                client.get(f"/v1/video/generations/{task_id}").json()["data"]["status"] == "SUCCESS"
            )
        )
        missing = client.get("/v1/video/generations/task_nope")
        assert missing.status_code == 400
        assert missing.json()["code"] == "task_not_exist"
    env.wait_for(lambda: env.me(user)["used_quota"] == _video_cost(4, wide=False))

    own = ok(user.client.get("/api/task/self"))
    assert own["total"] == 1
    assert own["items"][0]["task_id"] == task_id
    assert own["items"][0]["status"] == "SUCCESS"
    assert own["items"][0]["progress"] == "100%"
    assert "username" not in own["items"][0] or own["items"][0]["username"] is None
    everyone = ok(env.root.client.get("/api/task/", params={"task_id": task_id}))
    assert everyone["total"] == 1
    assert everyone["items"][0]["username"] == user.username
    assert everyone["items"][0]["quota"] == _video_cost(4, wide=False)


def test_failed_video_gives_its_quota_back_once(env: RelayEnv, task_upstream: MockTasks) -> None:
    user, key, model, _ = _video_setup(env, task_upstream, remain_quota=5_000_000)
    cost = _video_cost(4, wide=False)
    with _client(env, key) as client:
        task_id = client.post("/v1/videos", json={"model": model, "prompt": "please fail"}).json()[
            "id"
        ]
        env.wait_for(lambda: env.me(user)["used_quota"] == cost)
        assert env.token_row(user, key)["remain_quota"] == 5_000_000 - cost
        failed = _until(
            lambda: (v := client.get(f"/v1/videos/{task_id}").json())["status"] == "failed" and v
        )
    assert failed["error"]["message"] == "mock video failed"
    env.wait_for(lambda: env.me(user)["quota"] == 10_000_000)
    time.sleep(1.0)
    refunds = _refunds(env, user)
    assert len(refunds) == 1
    assert refunds[0]["quota"] == cost
    assert env.me(user)["quota"] == 10_000_000
    assert env.token_row(user, key)["remain_quota"] == 5_000_000
    listed = ok(user.client.get("/api/task/self", params={"status": "FAILURE"}))
    assert [t["task_id"] for t in listed["items"]] == [task_id]
    assert listed["items"][0]["fail_reason"] == "mock video failed"


# -- Suno ---------------------------------------------------------------------------------------


def test_suno_music_polled_to_success(env: RelayEnv, task_upstream: MockTasks) -> None:
    _prices(env, {"suno_music": 0.2})
    env.channel("suno_music", base_url=task_upstream.url, channel_type=36)
    user = env.user(quota=1_000_000)
    key = env.token(user, unlimited=True)
    with _client(env, key) as client:
        answer = client.post("/suno/submit/music", json={"prompt": "a sea shanty"})
        assert answer.json()["code"] == "success", answer.text
        task_id = answer.json()["data"]
        assert task_upstream.submits[-1].request["mv"] == "chirp-v3-0"
        done = _until(
            lambda: (
                (t := client.get(f"/suno/fetch/{task_id}").json()["data"])["status"] == "SUCCESS"
                and t
            )
        )
        assert done["data"][0]["audio_url"].endswith(".mp3")
        batch = client.post("/suno/fetch", json={"ids": [task_id]}).json()
        assert [t["task_id"] for t in batch["data"]] == [task_id]
        bad = client.post("/suno/submit/dance", json={})
        assert bad.status_code == 400
        assert bad.json()["message"] == "invalid_action"
    env.wait_for(lambda: env.me(user)["used_quota"] == 100_000)
