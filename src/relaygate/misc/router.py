"""Public system routes: /api/status, /api/setup, /api/notice, /api/about, /api/home_page_content."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from relaygate.auth.deps import DbSession, RuntimeDep
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
    return Envelope[dict[str, Any]](
        data=service.status(runtime.options.current, setup=setup, started_at=_STARTED_AT)
    )


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
