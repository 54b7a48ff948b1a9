"""Response shape of /api/data: new-api's QuotaData rows (grouped reads leave keys zero)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class QuotaDataPublic(BaseModel):
    """One hourly bucket."""

    model_config = ConfigDict(from_attributes=True)

    id: int = 0
    user_id: int = 0
    username: str = ""
    model_name: str = ""
    created_at: int = 0
    token_used: int = 0
    count: int = 0
    quota: int = 0
