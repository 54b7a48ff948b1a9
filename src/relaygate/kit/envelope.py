"""new-api's management response envelope ``{success, message, data}`` and its page shape."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Envelope(BaseModel, Generic[T]):
    """The body of every /api answer."""

    success: bool = True
    message: str = ""
    data: T | None = None

    @classmethod
    def ok(cls, data: Any = None, message: str = "") -> Envelope[Any]:
        """A successful answer."""
        return Envelope[Any](success=True, message=message, data=data)

    @classmethod
    def fail(cls, message: str) -> Envelope[Any]:
        """A refused answer (new-api answers many refusals with HTTP 200 and success=false)."""
        return Envelope[Any](success=False, message=message, data=None)


class Page(BaseModel, Generic[T]):
    """new-api's paged list: ``{page, page_size, total, items}``."""

    page: int
    page_size: int
    total: int
    items: list[T]
