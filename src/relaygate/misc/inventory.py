"""The /api routes an app serves, for the role-matrix test and the API parity document.

Paths are compared with new-api's router in one shape: every path parameter becomes ``{}``
(``/api/user/{user_id}`` and gin's ``/api/user/:id`` are both ``/api/user/{}``).
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

_FASTAPI_PARAM = re.compile(r"\{[^}]*\}")
_GIN_PARAM = re.compile(r"[:*][A-Za-z_][A-Za-z0-9_]*")
_SKIPPED = frozenset({"/api/openapi.json"})


def normalize(path: str) -> str:
    """A route path with each parameter (FastAPI ``{x}`` or gin ``:x`` / ``*x``) as ``{}``."""
    return _GIN_PARAM.sub("{}", _FASTAPI_PARAM.sub("{}", path))


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    """``(METHOD, path)`` of every /api route ``app`` serves, HEAD left out, sorted.

    The path is the one the app declares (parameters as FastAPI writes them).
    """
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if not path.startswith("/api/") or path in _SKIPPED:
            continue
        for method in route.methods or ():
            if method != "HEAD":
                found.add((method, path))
    return sorted(found, key=lambda item: (item[1], item[0]))
