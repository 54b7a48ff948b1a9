"""The /v1 routes. Each declares its wire format and hands the raw body to the relay pipeline.

They are served by the fast lane (relay/lane.py), not by FastAPI's router: the relay path
needs none of FastAPI's dependency machinery, and skipping it halves per-request overhead.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from relaygate.auth.api_keys import ApiCaller, check_model, read_key
from relaygate.billing.usage import estimate_tokens
from relaygate.errors import NotImplemented_, RelayGateError
from relaygate.kit import clock, jsonx
from relaygate.kit.money import QUOTA_PER_UNIT
from relaygate.protocols import wire
from relaygate.protocols.formats import WireFormat
from relaygate.relay.direct import ENDPOINTS, relay_direct
from relaygate.relay.errors import FORMAT_SCOPE_KEY
from relaygate.relay.gemini_embed import batch_embed_contents, embed_content
from relaygate.relay.inbound import read_inbound
from relaygate.relay.lane import Routes
from relaygate.relay.pipeline import RelayPipeline
from relaygate.relay.realtime import relay_realtime
from relaygate.relay.service import RelayService
from relaygate.relay.settle import record_refusal
from relaygate.relay.tasks import register as register_task_routes

routes = Routes()
routes.websocket("/v1/realtime")(relay_realtime)
register_task_routes(routes)  # /mj, /suno, /v1/videos, /v1/video/generations

_CREATED = 1_700_000_000


def _service(request: Request) -> RelayService:
    service: RelayService = request.app.state.relay
    return service


async def _caller(request: Request, fmt: WireFormat) -> ApiCaller:
    request.scope[FORMAT_SCOPE_KEY] = fmt
    raw = read_key(request.headers, request.query_params)
    client_ip = request.client.host if request.client else ""
    return await _service(request).authenticate(raw, client_ip)


def _json(payload: Any, status_code: int = 200) -> Response:
    return Response(jsonx.dumps(payload), status_code=status_code, media_type="application/json")


async def _generate(
    request: Request,
    fmt: WireFormat,
    *,
    path_model: str | None = None,
    path_stream: bool | None = None,
) -> Response:
    caller = await _caller(request, fmt)
    model = path_model or ""
    try:
        body = await request.body()
        inbound = read_inbound(
            fmt,
            body,
            path_model=path_model,
            path_stream=path_stream,
            gemini_sse=request.query_params.get("alt") == "sse",
        )
        model = inbound.model
        return await RelayPipeline(_service(request)).handle(request, caller, inbound)
    except RelayGateError as error:
        await _record(request, caller, model, error)
        raise


async def _record(request: Request, caller: ApiCaller, model: str, error: RelayGateError) -> None:
    """Keep a log row for an authenticated call refused before it reached an upstream."""
    await record_refusal(
        _service(request),
        request.scope["path"],
        request.scope.get("request_id", ""),
        caller,
        model,
        error,
    )


@routes.post("/v1/chat/completions", "/chat/completions", "/v1beta/openai/chat/completions")
async def chat_completions(request: Request) -> Response:
    return await _generate(request, WireFormat.OPENAI_CHAT)


@routes.post("/v1/messages")
async def messages(request: Request) -> Response:
    return await _generate(request, WireFormat.ANTHROPIC_MESSAGES)


@routes.post("/v1/responses")
async def responses(request: Request) -> Response:
    return await _generate(request, WireFormat.OPENAI_RESPONSES)


@routes.post("/v1beta/models/{model}:generateContent", "/v1/models/{model}:generateContent")
async def gemini_generate(request: Request) -> Response:
    model = request.path_params["model"]
    return await _generate(request, WireFormat.GEMINI, path_model=model, path_stream=False)


@routes.post(
    "/v1beta/models/{model}:streamGenerateContent", "/v1/models/{model}:streamGenerateContent"
)
async def gemini_stream(request: Request) -> Response:
    model = request.path_params["model"]
    return await _generate(request, WireFormat.GEMINI, path_model=model, path_stream=True)


routes.post("/v1beta/models/{model}:embedContent", "/v1/models/{model}:embedContent")(embed_content)
routes.post("/v1beta/models/{model}:batchEmbedContents", "/v1/models/{model}:batchEmbedContents")(
    batch_embed_contents
)


def _count_text(value: Any) -> int:
    """Estimated tokens of every string inside a JSON value (offline, no tokenizer download)."""
    if isinstance(value, str):
        return estimate_tokens(value)
    if isinstance(value, dict):
        return sum(_count_text(v) for k, v in value.items() if k not in {"type", "role", "model"})
    if isinstance(value, list):
        return sum(_count_text(v) for v in value)
    return 0


@routes.post("/v1/messages/count_tokens")
async def claude_count_tokens(request: Request) -> Response:
    caller = await _caller(request, WireFormat.ANTHROPIC_MESSAGES)
    payload = wire.load_object(await request.body())
    model = wire.as_str(payload.get("model"))
    if model:
        check_model(caller, model)
    counted = _count_text([payload.get("system"), payload.get("messages"), payload.get("tools")])
    return _json({"input_tokens": max(1, counted)})


@routes.post("/v1beta/models/{model}:countTokens", "/v1/models/{model}:countTokens")
async def gemini_count_tokens(request: Request) -> Response:
    caller = await _caller(request, WireFormat.GEMINI)
    check_model(caller, request.path_params["model"])
    payload = wire.load_object(await request.body())
    request_part = wire.as_dict(payload.get("generateContentRequest")) or payload
    counted = _count_text(
        [
            request_part.get("contents"),
            request_part.get("systemInstruction"),
            request_part.get("tools"),
        ]
    )
    return _json({"totalTokens": max(1, counted)})


def _wants_claude_list(request: Request) -> bool:
    return bool(request.headers.get("anthropic-version")) and bool(request.headers.get("x-api-key"))


@routes.get("/v1/models")
async def list_models(request: Request) -> Response:
    claude = _wants_claude_list(request)
    fmt = WireFormat.ANTHROPIC_MESSAGES if claude else WireFormat.OPENAI_CHAT
    caller = await _caller(request, fmt)
    models = _service(request).models_for(caller)
    if claude:
        data = [
            {
                "type": "model",
                "id": name,
                "display_name": name,
                "created_at": "2024-01-01T00:00:00Z",
            }
            for name in models
        ]
        return _json(
            {
                "data": data,
                "has_more": False,
                "first_id": models[0] if models else None,
                "last_id": models[-1] if models else None,
            }
        )
    return _json(
        {
            "object": "list",
            "data": [
                {"id": name, "object": "model", "created": _CREATED, "owned_by": "relaygate"}
                for name in models
            ],
        }
    )


@routes.get("/v1/models/{model}")
async def get_model(request: Request) -> Response:
    caller = await _caller(request, WireFormat.OPENAI_CHAT)
    name = request.path_params["model"]
    if name not in _service(request).models_for(caller):
        from relaygate.errors import NotFound

        raise NotFound(f"The model '{name}' does not exist", code="model_not_found")
    return _json({"id": name, "object": "model", "created": _CREATED, "owned_by": "relaygate"})


def _gemini_model(name: str) -> dict[str, Any]:
    return {
        "name": f"models/{name}",
        "baseModelId": name,
        "version": "001",
        "displayName": name,
        "description": name,
        "inputTokenLimit": 1_048_576,
        "outputTokenLimit": 65_536,
        "supportedGenerationMethods": ["generateContent", "streamGenerateContent", "countTokens"],
    }


@routes.get("/v1beta/models")
async def gemini_list_models(request: Request) -> Response:
    caller = await _caller(request, WireFormat.GEMINI)
    return _json({"models": [_gemini_model(n) for n in _service(request).models_for(caller)]})


@routes.get("/v1beta/models/{model}")
async def gemini_get_model(request: Request) -> Response:
    caller = await _caller(request, WireFormat.GEMINI)
    name = request.path_params["model"].removeprefix("models/")
    if name not in _service(request).models_for(caller):
        from relaygate.errors import NotFound

        raise NotFound(f"models/{name} is not found", code="model_not_found")
    return _json(_gemini_model(name))


async def _billing_amounts(request: Request) -> tuple[float, float]:
    """(remaining, used) in $ for the presented token, as new-api's dashboard routes compute."""
    from relaygate.db.models.token import Token
    from relaygate.db.models.user import User

    caller = await _caller(request, WireFormat.OPENAI_CHAT)
    service = _service(request)
    async with service.runtime.database.reader() as session:
        token = await session.get(Token, caller.token_id)
        user = await session.get(User, caller.user_id)
    if token is None or user is None:
        return 0.0, 0.0
    if token.unlimited_quota:
        remaining, used = user.quota, user.used_quota
    else:
        remaining, used = token.remain_quota, token.used_quota
    return float(remaining / QUOTA_PER_UNIT), float(used / QUOTA_PER_UNIT)


@routes.get("/v1/dashboard/billing/subscription", "/dashboard/billing/subscription")
async def billing_subscription(request: Request) -> Response:
    remaining, used = await _billing_amounts(request)
    limit = remaining + used
    return _json(
        {
            "object": "billing_subscription",
            "has_payment_method": True,
            "soft_limit_usd": limit,
            "hard_limit_usd": limit,
            "system_hard_limit_usd": limit,
            "access_until": clock.now() + 365 * 24 * 3600,
        }
    )


@routes.get("/v1/dashboard/billing/usage", "/dashboard/billing/usage")
async def billing_usage(request: Request) -> Response:
    _remaining, used = await _billing_amounts(request)
    return _json({"object": "list", "total_usage": used * 100})


def _direct(name: str) -> Any:
    endpoint = ENDPOINTS[name]

    async def handler(request: Request) -> Response:
        caller = await _caller(request, WireFormat.OPENAI_CHAT)
        path_model = request.path_params.get("model")
        return await relay_direct(
            _service(request), request, caller, endpoint, path_model=path_model
        )

    handler.__name__ = f"relay_{name}"
    return handler


routes.post("/v1/completions")(_direct("completions"))
routes.post("/v1/embeddings", "/v1/engines/{model}/embeddings")(_direct("embeddings"))
routes.post("/v1/moderations")(_direct("moderations"))
routes.post("/v1/images/generations")(_direct("images_generations"))
routes.post("/v1/images/edits")(_direct("images_edits"))
routes.post("/v1/images/variations")(_direct("images_variations"))
routes.post("/v1/audio/speech")(_direct("speech"))
routes.post("/v1/audio/transcriptions")(_direct("transcriptions"))
routes.post("/v1/audio/translations")(_direct("translations"))
routes.post("/v1/rerank", "/rerank")(_direct("rerank"))


async def not_relayed(request: Request) -> Response:
    """Endpoints new-api does not relay either: a clear 501 in OpenAI's shape."""
    request.scope[FORMAT_SCOPE_KEY] = WireFormat.OPENAI_CHAT
    raise NotImplemented_(
        f"{request.method} {request.scope['path']} is not relayed by this gateway",
        code="not_implemented",
    )


for _prefix in (
    "/v1/files",
    "/v1/batches",
    "/v1/fine_tuning",
    "/v1/assistants",
    "/v1/threads",
    "/v1/vector_stores",
):
    routes.prefix(_prefix, not_relayed)
