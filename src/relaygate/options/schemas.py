"""Bodies for /api/option."""

from __future__ import annotations

from pydantic import BaseModel


class OptionPublic(BaseModel):
    """One option as text."""

    key: str
    value: str


class OptionUpdate(BaseModel):
    """``PUT /api/option/``: booleans and numbers are stored as their text, as new-api does."""

    key: str
    value: str | bool | int | float | None = None


class OptionsBulkUpdate(BaseModel):
    """``PUT /api/option/bulk``: up to 100 options saved together (string values only)."""

    options: list[OptionUpdate] = []
