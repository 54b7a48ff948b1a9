"""new-api's paging query (``p``, ``page_size``, with its older ``ps`` and ``size`` spellings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100


def _lenient_int(raw: str | None) -> int:
    # new-api parses these with Atoi and ignores errors, so "abc" means "not given".
    if raw is None:
        return 0
    try:
        return int(raw.strip())
    except ValueError:
        return 0


@dataclass(frozen=True, slots=True)
class PageQuery:
    """A 1-based page and its size, already clamped."""

    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def offset(self) -> int:
        """Rows to skip."""
        return (self.page - 1) * self.page_size

    @classmethod
    def of(cls, page: int, page_size: int, *, default_size: int = DEFAULT_PAGE_SIZE) -> PageQuery:
        """Clamp a page (< 1 means 1) and a size (≤ 0 means default, at most 100)."""
        size = page_size if page_size > 0 else default_size
        return cls(page=max(page, 1), page_size=min(size, MAX_PAGE_SIZE))


def page_query(
    p: Annotated[str | None, Query()] = None,
    page_size: Annotated[str | None, Query()] = None,
    ps: Annotated[str | None, Query()] = None,
    size: Annotated[str | None, Query()] = None,
) -> PageQuery:
    """Read the page from the query string the way new-api's ``GetPageQuery`` does."""
    chosen_size = _lenient_int(page_size) or _lenient_int(ps) or _lenient_int(size)
    return PageQuery.of(_lenient_int(p), chosen_size)


PageParams = Annotated[PageQuery, Depends(page_query)]
