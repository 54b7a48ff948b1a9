"""Public system routes: /api/status, /api/setup, notice, about, home page content, legal texts and
the uptime panel; /api/status/test for admins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from relaygate.auth.deps import AdminCaller, DbSession, RuntimeDep
from relaygate.kit import clock
from relaygate.kit.envelope import Envelope
from relaygate.misc import service
from relaygate.misc.schemas import SetupPublic, SetupRequest
from relaygate.runtime import TOPIC_OPTIONS, TOPIC_USERS
from relaygate.users import repository as users_repository

router = APIRouter(prefix="/api", tags=["system"])

# Process start, for the console's "running since" (new-api's common.StartTime).
_STARTED_AT = clock.now()


@router.get("/status")
async def get_status(runtime: RuntimeDep, session: DbSession) -> Envelope[dict[str, Any]]:
    """What the console needs before login: name, currency display, login methods, setup."""
    setup = await users_repository.root_exists(session)
    providers = await service.enabled_custom_providers(session)
    return Envelope[dict[str, Any]](
        data=service.status(
            runtime.options.current,
            setup=setup,
            started_at=_STARTED_AT,
            custom_providers=providers,
        )
    )


@router.get("/status/test")
async def status_test(runtime: RuntimeDep, _: AdminCaller) -> JSONResponse:
    """Ping the database (new-api TestStatus): 503 when it does not answer."""
    try:
        async with runtime.database.reader() as session:
            await session.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse({"success": False, "message": "数据库连接失败"}, status_code=503)
    return JSONResponse({"success": True, "message": "Server is running", "http_stats": {}})


@router.get("/uptime/status")
async def uptime_status() -> Envelope[list[Any]]:
    """Uptime Kuma groups for the dashboard panel; relaygate polls none yet, so always empty
    (new-api answers the same when no groups are configured)."""
    return Envelope[list[Any]](data=[])


@router.get("/user-agreement")
async def get_user_agreement(runtime: RuntimeDep) -> Envelope[str]:
    """The ``legal.user_agreement`` option."""
    return Envelope[str](data=service.legal_text(runtime.options.current, "user_agreement"))


@router.get("/privacy-policy")
async def get_privacy_policy(runtime: RuntimeDep) -> Envelope[str]:
    """The ``legal.privacy_policy`` option."""
    return Envelope[str](data=service.legal_text(runtime.options.current, "privacy_policy"))


@router.get("/setup")
async def get_setup(runtime: RuntimeDep, session: DbSession) -> Envelope[SetupPublic]:
    """Whether setup is done, and the database type."""
    return Envelope[SetupPublic](data=await service.setup_state(session, runtime.database.dialect))


@router.post("/setup")
async def post_setup(body: SetupRequest, runtime: RuntimeDep) -> Envelope[Any]:
    """Create the root user, only while none exists."""
    async with runtime.database.unit_of_work() as session:
        root_id = await service.setup(session, body)
    await runtime.changed(TOPIC_OPTIONS)
    await runtime.changed(TOPIC_USERS, str(root_id))
    return Envelope.ok(message="系统初始化成功")


@router.get("/notice")
async def get_notice(runtime: RuntimeDep) -> Envelope[str]:
    """The Notice option (markdown shown on the console)."""
    return Envelope[str](data=runtime.options.current.get("Notice"))


@router.get("/about")
async def get_about(runtime: RuntimeDep) -> Envelope[str]:
    """The About option."""
    return Envelope[str](data=runtime.options.current.get("About"))


@router.get("/home_page_content")
async def get_home_page_content(runtime: RuntimeDep) -> Envelope[str]:
    """The HomePageContent option."""
    return Envelope[str](data=runtime.options.current.get("HomePageContent"))
