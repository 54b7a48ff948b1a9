"""Bodies for /api/status and /api/setup."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SetupPublic(BaseModel):
    """``GET /api/setup``: whether the system is initialised, and on what database."""

    status: bool
    root_init: bool = False
    database_type: str = ""


class SetupRequest(BaseModel):
    """``POST /api/setup``: the root account and the two operating modes."""

    username: str = ""
    password: str = ""
    confirm_password: str = Field("", alias="confirmPassword")
    self_use_mode_enabled: bool = Field(False, alias="SelfUseModeEnabled")
    demo_site_enabled: bool = Field(False, alias="DemoSiteEnabled")
