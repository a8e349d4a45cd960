"""The JSON API under ``/api/``: evaluate, compare, explain, what-if and the rules.

Cases are given as the scenario format's case mapping (``docs`` of the scenario format) and are
checked exactly as ``detainer-model run`` checks them; a refusal is ``400`` with one line per
problem, work that runs past the server's limit is ``503`` with a message. Every result carries
``plain``: its answers and reasons in plain English beside the codes (as ``--plain`` in the CLI's
JSON).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ..core.evaluate import DISCLAIMER, Decision, compare, evaluate
from ..rulebook import expressions as ex
from ..teaching.explain import explain
from ..teaching.plain import plain_decision
from ..teaching.whatif import what_if
from .casecodec import CaseProblem, check_case
from .config import MAX_WHATIF_ITEMS
from .forms import regimes_in_order
from .guard import bounded
from .state import AppState
from .views import result_view

router = APIRouter(prefix="/api")

CASE_HELP = (
    "One case as a scenario file writes it: id, title, booking_date, jurisdiction, person, "
    "convictions, charges, ice."
)


class EvaluateRequest(BaseModel):
    case: dict[str, Any] = Field(description=CASE_HELP)
    regime: str = Field("secure-communities", description="A federal regime id (see /api/rules).")
    jurisdiction: str | None = Field(None, description="A local policy id; default: the case's own.")


class CompareRequest(BaseModel):
    case: dict[str, Any] = Field(description=CASE_HELP)
    regimes: list[str] | None = Field(None, description="Regime ids; default: every regime of the rules.")
    jurisdictions: list[str] | None = Field(None, description="Local policy ids; default: the case's own.")


class ExplainRequest(BaseModel):
    case: dict[str, Any] = Field(description=CASE_HELP)
    regime: str = "secure-communities"
    jurisdiction: str | None = None
    why_not: str | None = Field(None, description="A rule id: say why it did not apply.")


class WhatIfRequest(BaseModel):
    case: dict[str, Any] = Field(description=CASE_HELP)
    field: str | None = Field(None, description="The answer to change; default: the outcome.")
    regimes: list[str] | None = None
    max_changes: int = Field(1, ge=1, le=2, description="1 or 2 (2 only for cases of up to 12 items).")


def _st(request: Request) -> AppState:
    state: AppState = request.app.state.dm
    return state


def _case(state: AppState, data: dict[str, Any]) -> Any:
    try:
        return check_case(data, state.lib)
    except CaseProblem as exc:
        raise HTTPException(400, exc.lines) from None


def _result(d: Decision, state: AppState) -> dict[str, Any]:
    return {**d.to_dict(), "plain": plain_decision(d, state.lib)}


def _envelope(state: AppState, body: dict[str, Any]) -> dict[str, Any]:
    return {"disclaimer": DISCLAIMER, "model": {"rules": state.lib.digest}, **body}


@router.post("/evaluate", summary="Evaluate one case under one regime and local policy")
async def api_evaluate(request: Request, body: EvaluateRequest) -> dict[str, Any]:
    state = _st(request)
    case = _case(state, body.case)
    d = await bounded(
        state.config.request_seconds,
        lambda: evaluate(case, body.regime, body.jurisdiction, rules=state.lib),
    )
    return _envelope(state, {"case": case.id, "result": _result(d, state)})


@router.post("/compare", summary="Evaluate one case under several regimes side by side, with why they differ")
async def api_compare(request: Request, body: CompareRequest) -> dict[str, Any]:
    state = _st(request)
    case = _case(state, body.case)

    def work() -> dict[str, Any]:
        c = compare(case, body.regimes or regimes_in_order(state.lib), body.jurisdictions, rules=state.lib)
        view = result_view(c, state.lib)
        return {
            "case": case.id,
            "results": [_result(d, state) for d in c.decisions],
            "differences": list(c.differences),
            "contrasts": list(view.contrasts),
        }

    return _envelope(state, await bounded(state.config.request_seconds, work))


@router.post("/explain", summary="Explain a decision: each answer, the rules behind it and their facts")
async def api_explain(request: Request, body: ExplainRequest) -> dict[str, Any]:
    state = _st(request)
    case = _case(state, body.case)
    x = await bounded(
        state.config.request_seconds,
        lambda: explain(case, body.regime, body.jurisdiction, rules=state.lib, why_not=body.why_not),
    )
    return _envelope(state, {"explanation": {**x.to_dict(), "plain": plain_decision(x.decision, state.lib)}})


@router.post("/whatif", summary="The smallest changes to a case that change an answer")
async def api_whatif(request: Request, body: WhatIfRequest) -> dict[str, Any]:
    state = _st(request)
    case = _case(state, body.case)
    size = len(case.convictions) + len(case.charges)
    if body.max_changes == 2 and size > MAX_WHATIF_ITEMS:
        raise HTTPException(
            400,
            [
                f"pairs of changes are searched only for cases of up to {MAX_WHATIF_ITEMS} convictions and "
                f"charges (this one has {size}); ask for max_changes 1"
            ],
        )
    found = await bounded(
        state.config.request_seconds,
        lambda: what_if(case, body.regimes, field=body.field, max_changes=body.max_changes, rules=state.lib),
    )
    return _envelope(state, found.to_dict(state.lib))


@router.get("/rules", summary="Every rule set, with its rules and their sources")
async def api_rules(request: Request) -> dict[str, Any]:
    state = _st(request)
    lib = state.lib
    return _envelope(
        state,
        {
            "rulesets": [
                {"id": rs.id, "title": rs.title, "level": rs.level, "rules": [r.id for r in rs.rules]}
                for rs in lib.rulesets.values()
            ],
            "sources": {
                k: {"title": s.title, "href": s.href, "verification": str(s.verification)}
                for k, s in lib.sources.items()
            },
        },
    )


@router.get("/rules/{ruleset_id}", summary="One rule set in full")
async def api_ruleset(request: Request, ruleset_id: str) -> dict[str, Any]:
    state = _st(request)
    rs = state.lib.rulesets.get(ruleset_id)
    if rs is None:
        raise HTTPException(404, f"no rule set '{ruleset_id}'")
    return _envelope(
        state,
        {
            "id": rs.id,
            "title": rs.title,
            "level": rs.level,
            "summary": " ".join(rs.meta.summary.split()),
            "rules": [
                {
                    "id": r.id,
                    "summary": " ".join(r.summary.split()),
                    "when": ex.render(r.condition),
                    "then": dict(r.rule.then),
                    "source": r.rule.source,
                    "cite": r.cite(),
                    "verification": str(r.verification),
                }
                for r in rs.rules
            ],
        },
    )


@router.get("", include_in_schema=False)
async def api_page(request: Request) -> Response:
    """The OpenAPI description as a page served from here (no script from elsewhere)."""
    state = _st(request)
    schema = request.app.openapi()
    models = schema.get("components", {}).get("schemas", {})
    endpoints = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            name = str(body.get("$ref", "")).rsplit("/", 1)[-1]
            model = models.get(name, {})
            fields = [
                (k, k in model.get("required", []), v.get("description", v.get("title", "")))
                for k, v in model.get("properties", {}).items()
            ]
            endpoints.append((method.upper(), path, op.get("summary", ""), name, fields))
    return state.page(
        request,
        "api.html",
        title="JSON API",
        info=schema["info"],
        openapi=schema["openapi"],
        endpoints=endpoints,
    )
