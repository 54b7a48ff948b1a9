"""The composition root: ``create_app(settings)`` wires middleware, error handlers and routers."""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response

from relaygate.config import Settings
from relaygate.console import Console
from relaygate.errors import BadRequest, NotFound, RelayGateError
from relaygate.kit import jsonx
from relaygate.lifespan import lifespan
from relaygate.protection.cookies import SecureSessionCookie
from relaygate.protection.middleware import Protection
from relaygate.relay.errors import render_relay_error
from relaygate.relay.lane import FastLane
from relaygate.relay.playground import router as playground_router
from relaygate.relay.router import routes as relay_routes
from relaygate.routes import API_ROUTERS
from relaygate.web_middleware import BodyLimitMiddleware, RequestIdMiddleware

_ENVELOPE_PREFIXES = ("/api",)


def _envelope_error(error: RelayGateError) -> Response:
    body = jsonx.dumps({"success": False, "message": error.message, "data": None})
    return Response(body, status_code=error.status, media_type="application/json")


def render_error(request: Request, error: RelayGateError) -> Response:
    """Render in the caller's format: the /api envelope, or the relay client's wire format."""
    if request.url.path.startswith(_ENVELOPE_PREFIXES):
        return _envelope_error(error)
    return render_relay_error(request.scope, error)


def operation_id(route: APIRoute) -> str:
    """FastAPI's operation id, but stable: it names the alphabetically first method of a
    multi-method route, where FastAPI takes whichever a set yields first (it changed between
    processes, and with it the console's generated API types)."""
    name = re.sub(r"\W", "_", f"{route.name}{route.path_format}")
    method = sorted(route.methods or {"GET"})[0]
    return f"{name}_{method.lower()}"


def create_app(settings: Settings) -> FastAPI:
    """Build the ASGI app for these settings.

    Relay routes are served by the fast lane, a pure ASGI middleware just inside Starlette's
    error middleware: they skip the session cookie, FastAPI's routing and dependency layers.
    """
    app = FastAPI(
        title="relaygate",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/api-docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    console = Console(settings.web_dist)

    @app.exception_handler(RelayGateError)
    async def _relaygate_error(request: Request, exc: RelayGateError) -> Response:
        return render_error(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = f"无效的参数: {where} {first.get('msg', '')}".strip()
        error = BadRequest(message)
        if request.url.path.startswith(_ENVELOPE_PREFIXES):
            # new-api answers bad /api parameters with HTTP 200 and success=false
            error.status = 200
        return render_error(request, error)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and not request.url.path.startswith(("/api", "/v1")):
            return await console.serve(request)
        error = RelayGateError(str(exc.detail), status_code=exc.status_code)
        if exc.status_code == 404:
            error = NotFound(f"Invalid URL ({request.method} {request.url.path})")
        return render_error(request, error)

    for api_router in API_ROUTERS:
        app.include_router(api_router)
    app.include_router(playground_router)

    app.add_middleware(Protection, settings=settings)  # inside the session: reads it
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret.get_secret_value(),
        session_cookie="session",
        max_age=30 * 24 * 3600,
        same_site="strict",
        https_only=False,
    )
    app.add_middleware(SecureSessionCookie, cookie_name="session")
    app.add_middleware(FastLane, routes=relay_routes)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_body_mb * 1024 * 1024)
    app.add_middleware(RequestIdMiddleware)
    return app
