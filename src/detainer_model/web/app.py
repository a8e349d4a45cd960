"""Assembling the app: routes, limits, static files, error pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from .._version import __version__
from ..core.evaluate import DISCLAIMER
from ..errors import DetainerModelError
from . import api, builder_routes, classroom_routes, lab_routes, rules_routes
from .config import MAX_BODY_BYTES, WebConfig
from .guard import BodyLimit, TooLong
from .state import AppState


def create_app(config: WebConfig | None = None) -> FastAPI:
    """The web app for ``config`` (default: the shipped rules and, in a checkout, its scenarios)."""
    cfg = config or WebConfig()
    state = AppState.build(cfg)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        state.sessions.close()

    app = FastAPI(
        title="detainer-model",
        version=__version__,
        description=f"{DISCLAIMER} The JSON API of the classroom web app.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.dm = state
    static = Path(str(resources.files("detainer_model.web") / "static"))
    app.mount("/static", StaticFiles(directory=static), name="static")
    for module in (builder_routes, classroom_routes, lab_routes, rules_routes, api):
        app.include_router(module.router)

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    @app.exception_handler(DetainerModelError)
    async def refused(request: Request, exc: DetainerModelError) -> Response:
        if wants_json(request):
            return JSONResponse({"error": exc.lines()}, status_code=400)
        return state.page(request, "error.html", 400, title="That did not work", lines=exc.lines())

    @app.exception_handler(TooLong)
    async def too_long(request: Request, exc: TooLong) -> Response:
        if wants_json(request):
            return JSONResponse({"error": [str(exc)]}, status_code=503)
        return state.page(request, "error.html", 503, title="Taking too long", lines=[str(exc)])

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        lines = [str(x) for x in exc.detail] if isinstance(exc.detail, list) else [str(exc.detail)]
        if wants_json(request) or exc.status_code == 413:
            return JSONResponse({"error": lines}, status_code=exc.status_code)
        title = "Not found" if exc.status_code == 404 else "That did not work"
        return state.page(request, "error.html", exc.status_code, title=title, lines=lines)

    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    return app
