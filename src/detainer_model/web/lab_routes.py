"""The policy lab page: edit a local policy's rule file, see it checked, tabled, diffed and tried."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..errors import RuleFileError, UnknownIdError
from ..report.ruledocs import sentence
from .config import COHORT_SEED
from .guard import bounded
from .lab import NEW_POLICY_FILE, cohort_effect, diff_of, policy_files, policy_text, table_of
from .sessions import COOKIE, Session
from .state import AppState

router = APIRouter()
MAX_POLICY_CHARS = 100_000


def _st(request: Request) -> AppState:
    state: AppState = request.app.state.dm
    return state


def _session(state: AppState, request: Request) -> tuple[Session, bool]:
    found = state.sessions.get(request.cookies.get(COOKIE))
    if found is not None:
        return found, False
    return state.sessions.new(), True


def _respond(state: AppState, request: Request, session: Session, fresh: bool, **context: Any) -> Response:
    lib = state.lib
    response: Response = state.page(
        request,
        "lab.html",
        context.pop("status", 200),
        title="Policy lab",
        files=policy_files(lib),
        new_file=NEW_POLICY_FILE,
        sentence=sentence,
        **context,
    )
    if fresh:
        response.set_cookie(COOKIE, session.id, httponly=True, samesite="strict")
    return response


@router.get("/lab")
async def lab(request: Request, policy: str = "") -> Response:
    state = _st(request)
    session, fresh = _session(state, request)
    lib = state.lib
    start = policy if policy in lib.jurisdictions else lib.jurisdictions[0]
    return _respond(
        state,
        request,
        session,
        fresh,
        policy=start,
        text=policy_text(lib, start),
        file=policy_files(lib)[start],
        other=_default_other(state, start),
        regime=lib.regimes[0],
        problems=[],
        result=None,
    )


def _default_other(state: AppState, policy: str) -> str:
    others = [j for j in state.lib.jurisdictions if j != policy]
    return others[0] if others else policy


@router.post("/lab")
async def lab_post(request: Request) -> Response:
    state = _st(request)
    session, fresh = _session(state, request)
    lib = state.lib
    form = await request.form()
    file = str(form.get("file", ""))
    text = str(form.get("text", ""))[:MAX_POLICY_CHARS]
    other = str(form.get("other", ""))
    regime = str(form.get("regime", ""))
    files = policy_files(lib)
    if file not in {*files.values(), NEW_POLICY_FILE}:
        file = NEW_POLICY_FILE
    policy = next((j for j, f in files.items() if f == file), "")
    if other not in lib.jurisdictions:
        other = _default_other(state, policy)
    if regime not in lib.regimes:
        regime = lib.regimes[0]
    common = {"policy": policy, "text": text, "file": file, "other": other, "regime": regime}

    def work() -> dict[str, Any]:
        with session.lock:
            checked = session.lab.check(file, text)
            effect = cohort_effect(
                checked, other, regime, session.folder, state.config.cohort_size, seed=COHORT_SEED
            )
            return {
                "checked": checked,
                "table": table_of(checked),
                "diff": diff_of(checked, other),
                "effect": effect,
            }

    try:
        result = await bounded(state.config.request_seconds, work)
    except (RuleFileError, UnknownIdError) as exc:
        return _respond(
            state, request, session, fresh, status=400, problems=exc.lines(), result=None, **common
        )
    return _respond(state, request, session, fresh, problems=[], result=result, **common)
