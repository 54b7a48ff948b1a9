"""A fake midjourney-proxy, OpenAI video (Sora) API and suno-api, whose tasks finish after a
number of status polls, or fail on demand.

- midjourney-proxy: ``POST /mj/submit/{action}`` → ``{"code": 1, "result": "<id>"}``;
  ``POST /mj/task/list-by-condition`` → the tasks (IN_PROGRESS with progress, then SUCCESS with
  ``imageUrl``, or FAILURE with ``failReason``); ``GET /mj/task/{id}/image-seed``;
  ``GET /mj/image-file/{id}`` (the image bytes). A prompt containing ``banned`` is refused
  with code 24; ``--fail`` in the prompt makes the task fail.
- OpenAI video: ``POST /v1/videos`` (JSON or multipart) → a ``video`` object, ``GET
  /v1/videos/{id}`` (queued → in_progress → completed or failed), ``GET
  /v1/videos/{id}/content`` (bytes), ``POST /v1/videos/{id}/remix``. A prompt containing
  ``fail`` makes the task fail.
- suno-api: ``POST /suno/submit/{action}``, ``POST /suno/fetch``.

Tasks finish on their ``polls_to_finish``-th status read (``MockTasks(polls_to_finish=2)``).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from tests.support.mock_realtime import BackgroundServer

VIDEO_BYTES = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 64
IMAGE_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(200))


@dataclass
class MockTask:
    kind: str
    id: str
    prompt: str
    fail: bool
    polls: int = 0
    request: dict[str, Any] = field(default_factory=dict)
    content_type: str = ""
    key: str = ""
    submitted_ms: int = field(default_factory=lambda: int(time.time() * 1000))


class MockTasks(BackgroundServer):
    """The fake task upstreams; ``tasks`` by upstream id, ``submits`` in order."""

    def __init__(self, polls_to_finish: int = 2) -> None:
        super().__init__(self._app)
        self.polls_to_finish = polls_to_finish
        self.tasks: dict[str, MockTask] = {}
        self.submits: list[MockTask] = []
        self._ids = itertools.count(1000)

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/mj/submit/{action}", self._mj_submit)
        app.router.add_post("/mj/task/list-by-condition", self._mj_list)
        app.router.add_get("/mj/task/{id}/image-seed", self._mj_seed)
        app.router.add_get("/mj/image-file/{id}", self._mj_image)
        app.router.add_post("/v1/videos", self._video_submit)
        app.router.add_post("/v1/videos/{id}/remix", self._video_submit)
        app.router.add_get("/v1/videos/{id}", self._video_get)
        app.router.add_get("/v1/videos/{id}/content", self._video_content)
        app.router.add_post("/suno/submit/{action}", self._suno_submit)
        app.router.add_post("/suno/fetch", self._suno_fetch)
        return app

    def _new(self, kind: str, prompt: str, fail: bool, **extra: Any) -> MockTask:
        task = MockTask(kind=kind, id=f"{kind}{next(self._ids)}", prompt=prompt, fail=fail, **extra)
        self.tasks[task.id] = task
        self.submits.append(task)
        return task

    def _finished(self, task: MockTask) -> bool:
        task.polls += 1
        return task.polls >= self.polls_to_finish

    # -- midjourney-proxy

    async def _mj_submit(self, request: web.Request) -> web.Response:
        body = await request.json()
        prompt = str(body.get("prompt") or "")
        if "banned" in prompt:
            return web.json_response(
                {
                    "code": 24,
                    "description": "可能包含敏感词",
                    "properties": {"bannedWord": "banned"},
                }
            )
        task = self._new(
            "mj",
            prompt,
            "--fail" in prompt,
            request={**body, "path_action": request.match_info["action"]},
            key=request.headers.get("mj-api-secret", ""),
        )
        return web.json_response(
            {"code": 1, "description": "提交成功", "result": task.id, "properties": {}}
        )

    def _mj_item(self, task: MockTask, base: str) -> dict[str, Any]:
        done = self._finished(task)
        item: dict[str, Any] = {
            "id": task.id,
            "action": str(task.request.get("action") or task.request["path_action"]).upper(),
            "prompt": task.prompt,
            "promptEn": task.prompt,
            "description": "",
            "state": "",
            "submitTime": task.submitted_ms,
            "startTime": task.submitted_ms + 10,
            "finishTime": 0,
            "imageUrl": "",
            "status": "IN_PROGRESS",
            "progress": f"{min(99, 50 * task.polls)}%",
            "failReason": "",
            "buttons": [],
            "properties": {},
        }
        if done and task.fail:
            item.update(status="FAILURE", progress="100%", failReason="mock render failed")
        elif done:
            item.update(
                status="SUCCESS",
                progress="100%",
                finishTime=task.submitted_ms + 20,
                imageUrl=f"{base}/mj/image-file/{task.id}",
                buttons=[{"customId": f"MJ::JOB::upsample::1::{task.id}", "label": "U1"}],
            )
        return item

    async def _mj_list(self, request: web.Request) -> web.Response:
        body = await request.json()
        base = f"http://{request.host}"
        items = [self._mj_item(self.tasks[i], base) for i in body.get("ids", []) if i in self.tasks]
        return web.json_response(items)

    async def _mj_seed(self, request: web.Request) -> web.Response:
        return web.json_response({"code": 1, "description": "成功", "result": "1234567"})

    async def _mj_image(self, request: web.Request) -> web.Response:
        return web.Response(body=IMAGE_BYTES, content_type="image/png")

    # -- OpenAI video

    async def _video_submit(self, request: web.Request) -> web.Response:
        content_type = request.headers.get("Content-Type", "")
        if content_type.startswith("multipart/"):
            form = await request.post()
            fields: dict[str, Any] = {
                k: (v if isinstance(v, str) else f"<file {v.filename} {len(v.file.read())}>")
                for k, v in form.items()
            }
        else:
            fields = await request.json()
        origin = request.match_info.get("id")
        if origin is not None and origin not in self.tasks:
            return web.json_response({"error": {"message": "video not found"}}, status=404)
        task = self._new(
            "video",
            str(fields.get("prompt") or ""),
            "fail" in str(fields.get("prompt") or ""),
            request={**fields, "remix_of": origin},
            content_type=content_type,
            key=request.headers.get("Authorization", ""),
        )
        return web.json_response(self._video(task, status="queued"))

    def _video(self, task: MockTask, *, status: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": task.id,
            "object": "video",
            "model": task.request.get("model", "sora-2"),
            "status": status,
            "progress": 0 if status == "queued" else 50 if status == "in_progress" else 100,
            "created_at": 1_700_000_000,
            "seconds": str(task.request.get("seconds", "4")),
            "size": task.request.get("size", "720x1280"),
        }
        if status == "failed":
            body["error"] = {"message": "mock video failed", "code": "generation_failed"}
        if task.request.get("remix_of"):
            body["remixed_from_video_id"] = task.request["remix_of"]
        return body

    async def _video_get(self, request: web.Request) -> web.Response:
        task = self.tasks.get(request.match_info["id"])
        if task is None:
            return web.json_response({"error": {"message": "not found"}}, status=404)
        done = self._finished(task)
        status = ("failed" if task.fail else "completed") if done else "in_progress"
        return web.json_response(self._video(task, status=status))

    async def _video_content(self, request: web.Request) -> web.StreamResponse:
        task = self.tasks.get(request.match_info["id"])
        if task is None:
            return web.json_response({"error": {"message": "not found"}}, status=404)
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        await response.prepare(request)
        for start in range(0, len(VIDEO_BYTES), 4096):
            await response.write(VIDEO_BYTES[start : start + 4096])
        await response.write_eof()
        return response

    # -- suno-api

    async def _suno_submit(self, request: web.Request) -> web.Response:
        body = await request.json()
        prompt = str(body.get("prompt") or body.get("gpt_description_prompt") or "")
        task = self._new("suno", prompt, "fail" in prompt, request=body)
        return web.json_response({"code": "success", "message": "", "data": task.id})

    async def _suno_fetch(self, request: web.Request) -> web.Response:
        body = await request.json()
        items = []
        for upstream_id in body.get("ids", []):
            task = self.tasks.get(upstream_id)
            if task is None:
                continue
            done = self._finished(task)
            status = ("FAILURE" if task.fail else "SUCCESS") if done else "IN_PROGRESS"
            items.append(
                {
                    "task_id": task.id,
                    "action": "MUSIC",
                    "status": status,
                    "fail_reason": "mock song failed" if done and task.fail else "",
                    "submit_time": 1_700_000_000,
                    "start_time": 1_700_000_001,
                    "finish_time": 1_700_000_002 if done else 0,
                    "data": [{"id": task.id, "audio_url": f"https://cdn.example/{task.id}.mp3"}],
                }
            )
        return web.json_response({"code": "success", "message": "", "data": items})
