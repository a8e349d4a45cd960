"""The case builder, the scenario library and the what-if page.

A case travels in the URL (``?c=`` a compressed token), so a result page can be bookmarked or
shared; the form posts to the server, which checks the case with the CLI's checks and answers
with a redirect to the case's own address.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..core.evaluate import compare
from ..core.models import Case
from ..core.scenarios import parse_scenario_text
from ..errors import InputError
from ..teaching.whatif import what_if
from . import words
from .casecodec import CaseProblem, case_data, case_from_form, check_case, decode, encode, scenario_yaml
from .config import MAX_BODY_BYTES, MAX_ITEMS, MAX_WHATIF_ITEMS
from .forms import ITEM_GROUPS, regimes_in_order
from .guard import bounded
from .state import AppState
from .views import result_view

router = APIRouter()
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _st(request: Request) -> AppState:
    state: AppState = request.app.state.dm
    return state


def _regimes(state: AppState, chosen: list[str]) -> list[str]:
    known = regimes_in_order(state.lib)
    picked = [r for r in known if r in chosen]
    return picked or known


def case_link(token: str, regimes: list[str] | None = None) -> str:
    tail = "".join(f"&r={r}" for r in regimes or [])
    return f"/builder?c={token}{tail}"


@router.get("/")
async def home(request: Request) -> Response:
    return _st(request).page(request, "home.html", title="Home")


@router.get("/builder")
async def builder(request: Request, c: str = "") -> Response:
    state = _st(request)
    chosen = _regimes(state, request.query_params.getlist("r"))
    if not c:
        return _builder_page(request, state, {}, chosen, [], None)
    data: dict[str, Any] = {}
    try:
        data = decode(c)
        case = check_case(data, state.lib)
    except CaseProblem as exc:
        return _builder_page(request, state, data, chosen, exc.lines, None, status=400)
    key = ("page", c, tuple(chosen))
    body = state.results.peek(key)
    if body is None:
        view = await bounded(state.config.request_seconds, _evaluate, state, case, chosen)
        body = _builder_page(request, state, data, chosen, [], view, token=c).body
        state.results.put(key, body)
    return HTMLResponse(body)


def _evaluate(state: AppState, case: Case, regimes: list[str]) -> Any:
    key = (encode(case_data(case)), tuple(regimes))
    return state.results.get(key, lambda: result_view(compare(case, regimes, rules=state.lib), state.lib))


def _builder_page(
    request: Request,
    state: AppState,
    data: dict[str, Any],
    regimes: list[str],
    problems: list[str],
    view: Any,
    *,
    token: str = "",
    rows: dict[str, int] | None = None,
    status: int = 200,
) -> Response:
    counts = rows or {g: len(data.get(g) or []) for g in ITEM_GROUPS}
    return state.page(
        request,
        "builder.html",
        status,
        title="Case builder",
        form=state.form,
        data=data,
        rows=counts,
        regimes=regimes,
        problems=problems,
        view=view,
        token=token,
        link=case_link(token, regimes) if token else "",
        value=_value,
        words=words,
        max_items=MAX_ITEMS,
    )


def _value(data: dict[str, Any], group: str, index: int | None, name: str) -> Any:
    """The value a field shows: what the case says, as the form writes it."""
    if group == "case":
        holder: Any = data
    elif index is None:
        holder = data.get(group) or {}
    else:
        items = data.get(group) or []
        holder = items[index] if index < len(items) and isinstance(items[index], dict) else {}
    value = holder.get(name) if isinstance(holder, dict) else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, dict):  # jurisdiction with parameters
        return str(value.get("id", ""))
    return "" if value is None else str(value)


@router.post("/builder")
async def builder_post(request: Request) -> Response:
    state = _st(request)
    raw = await request.form()
    form = {k: raw.getlist(k) for k in raw}
    chosen = _regimes(state, [str(v) for v in form.get("regime", [])])
    data = case_from_form(form, state.lib)
    action = str((form.get("action") or ["evaluate"])[0])
    rows = {g: len(data.get(g) or []) for g in ITEM_GROUPS}
    added = re.fullmatch(r"add-(convictions|charges)", action)
    removed = re.fullmatch(r"remove-(convictions|charges)-(\d+)", action)
    if added:
        group = added.group(1)
        rows[group] = min(rows[group] + 1, MAX_ITEMS)
        return _builder_page(request, state, data, chosen, [], None, rows=rows)
    if removed:
        group, index = removed.group(1), int(removed.group(2))
        items = list(data.get(group) or [])
        if index < len(items):
            del items[index]
        data[group] = items
        rows[group] = len(items)
        return _builder_page(request, state, data, chosen, [], None, rows=rows)
    try:
        case = check_case(data, state.lib)
    except CaseProblem as exc:
        return _builder_page(request, state, data, chosen, exc.lines, None, status=400)
    return RedirectResponse(case_link(encode(case_data(case)), chosen), status_code=303)


@router.get("/builder/scenario.yaml")
async def download(request: Request, c: str) -> Response:
    state = _st(request)
    try:
        case = check_case(decode(c), state.lib)
    except CaseProblem as exc:
        return state.page(request, "error.html", 400, title="That did not work", lines=exc.lines)
    text = scenario_yaml(case_data(case))
    name = f"{case.id}.yaml"
    return Response(
        text,
        media_type="application/yaml; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.post("/builder/upload")
async def upload(request: Request, scenario: UploadFile) -> Response:
    state = _st(request)
    blob = await scenario.read(MAX_BODY_BYTES + 1)
    name = _SAFE_NAME.sub("-", scenario.filename or "upload.yaml")[:80] or "upload.yaml"
    if len(blob) > MAX_BODY_BYTES:
        lines = [f"{name}: the file is larger than {MAX_BODY_BYTES // 1024} KB"]
        return state.page(request, "error.html", 413, title="That did not work", lines=lines)
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        return state.page(
            request, "error.html", 400, title="That did not work", lines=[f"{name}: not UTF-8 text"]
        )
    try:
        loaded = parse_scenario_text(text, name, rules=state.lib)
    except InputError as exc:
        return state.page(
            request, "error.html", 400, title="That scenario file has problems", lines=exc.lines()
        )
    cases = [(c, encode(case_data(c))) for c in loaded.cases]
    if len(cases) == 1:
        return RedirectResponse(case_link(cases[0][1]), status_code=303)
    return state.page(
        request,
        "scenario_file.html",
        title=loaded.scenario.title,
        file=name,
        scenario=loaded,
        cases=cases,
        case_link=case_link,
    )


@router.get("/scenarios")
async def scenarios(request: Request) -> Response:
    state = _st(request)
    files = [(i, shown, s) for i, (shown, s) in enumerate(state.scenarios.items())]
    return state.page(
        request, "scenarios.html", title="Scenario library", files=files, problems=state.scenario_problems
    )


@router.get("/scenarios/{number}")
async def scenario_file(request: Request, number: int) -> Response:
    state = _st(request)
    items = list(state.scenarios.items())
    if not 0 <= number < len(items):
        return state.page(request, "error.html", 404, title="Not found", lines=["no such scenario file"])
    shown, loaded = items[number]
    cases = [(c, encode(case_data(c))) for c in loaded.cases]
    return state.page(
        request,
        "scenario_file.html",
        title=loaded.scenario.title,
        file=shown,
        scenario=loaded,
        cases=cases,
        case_link=case_link,
    )


@router.get("/whatif")
async def whatif_page(request: Request, c: str, field: str = "", pairs: str = "") -> Response:
    state = _st(request)
    chosen = _regimes(state, request.query_params.getlist("r"))
    try:
        data = decode(c)
        case = check_case(data, state.lib)
    except CaseProblem as exc:
        return state.page(request, "error.html", 400, title="That did not work", lines=exc.lines)
    outputs = [k for k, v in state.lib.model.outputs.items() if v.report]
    name = field if field in outputs else state.lib.model.outcome_field
    size = len(case.convictions) + len(case.charges)
    depth = 2 if pairs and size <= MAX_WHATIF_ITEMS else 1
    note = ""
    if pairs and depth == 1:
        note = (
            f"This case has {size} convictions and charges; pairs of changes are searched only for up to "
            f"{MAX_WHATIF_ITEMS}, so only single changes are shown."
        )
    found = await bounded(
        state.config.request_seconds,
        lambda: what_if(case, chosen, field=name, max_changes=depth, rules=state.lib),
    )
    return state.page(
        request,
        "whatif.html",
        title="What if",
        case=case,
        found=found,
        field=name,
        outputs=outputs,
        depth=depth,
        note=note,
        token=c,
        regimes=chosen,
        link=case_link(c, chosen),
        words=words,
    )
