"""Rules and sources: every rule set, rule and source, with its verification label."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from ..rulebook import expressions as ex
from ..teaching.plain import glossary
from .state import AppState

router = APIRouter()
LEVELS = ("federal", "local", "shared")


def _st(request: Request) -> AppState:
    state: AppState = request.app.state.dm
    return state


@router.get("/rules")
async def rules(request: Request) -> Response:
    state = _st(request)
    lib = state.lib
    groups = [(level, [rs for rs in lib.rulesets.values() if rs.level == level]) for level in LEVELS]
    return state.page(request, "rules.html", title="Rules and sources", groups=groups)


@router.get("/rules/{ruleset_id}")
async def ruleset(request: Request, ruleset_id: str) -> Response:
    state = _st(request)
    rs = state.lib.rulesets.get(ruleset_id)
    if rs is None:
        raise HTTPException(404, f"no rule set '{ruleset_id}'")
    return state.page(request, "ruleset.html", title=rs.title, rs=rs, render=ex.render)


@router.get("/sources")
async def sources(request: Request) -> Response:
    state = _st(request)
    lib = state.lib
    cited: dict[str, list[str]] = {}
    for r in lib.all_rules.values():
        cited.setdefault(r.rule.source, []).append(r.id)
    return state.page(request, "sources.html", title="Sources", sources=lib.sources, cited=cited)


@router.get("/glossary")
async def glossary_page(request: Request) -> Response:
    state = _st(request)
    return state.page(request, "glossary.html", title="Glossary", terms=glossary(state.lib))
