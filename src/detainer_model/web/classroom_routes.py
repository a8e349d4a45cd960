"""Worksheet pages: students predict and see graded feedback; the instructor (with the server's
instructor key, printed when the server starts) sees the gradebook and each question's difficulty."""

from __future__ import annotations

import hmac
import tempfile
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from ..errors import InputError
from ..teaching.exercises import describe_facts
from ..teaching.explain import describe_item
from . import words
from .classroom import ClassSet, answer_key, choices
from .config import MAX_BODY_BYTES
from .guard import bounded
from .state import AppState

router = APIRouter()


def _st(request: Request) -> AppState:
    state: AppState = request.app.state.dm
    return state


def _set(state: AppState, set_id: str) -> ClassSet:
    found = state.classroom.sets.get(set_id)
    if found is None:
        raise HTTPException(404, f"no class set '{set_id}'")
    return found


def _instructor(state: AppState, key: str) -> None:
    if not hmac.compare_digest(key.encode(), state.config.instructor_key.encode()):
        raise HTTPException(
            403, "the instructor key is missing or wrong (it is printed when the server starts)"
        )


@router.get("/worksheets")
async def worksheets(request: Request) -> Response:
    state = _st(request)
    return state.page(
        request,
        "worksheets.html",
        title="Worksheets",
        sets=list(state.classroom.sets.values()),
        problems=state.class_problems,
    )


@router.post("/worksheets/upload")
async def upload_key(request: Request, keyfile: UploadFile, key: str = "") -> Response:
    state = _st(request)
    form = await request.form()
    _instructor(state, str(form.get("key", key)))
    blob = await keyfile.read(MAX_BODY_BYTES + 1)
    if len(blob) > MAX_BODY_BYTES:
        raise HTTPException(413, f"the key file is larger than {MAX_BODY_BYTES // 1024} KB")
    with tempfile.NamedTemporaryFile(dir=state.sessions.scratch, suffix=".json", delete=False) as fh:
        fh.write(blob)
        path = Path(fh.name)
    try:
        made = state.classroom.open_upload(path)
    finally:
        path.unlink(missing_ok=True)
    return RedirectResponse(
        f"/worksheets/{made.id}/teacher?key={state.config.instructor_key}", status_code=303
    )


def _sheets(state: AppState, cs: ClassSet) -> list[dict[str, object]]:
    out = []
    for c in cs.key.cases:
        case = cs.case_of(state.scenarios, c.id, c.file)
        facts = describe_facts(case, state.lib) if case is not None else []
        items = []
        if case is not None:
            for group in ("convictions", "charges"):
                for i, item in enumerate(getattr(case, group)):
                    items.append(describe_item(group, i, item.model_dump()))
        out.append({"key": c, "facts": facts, "items": items, "found": case is not None})
    return out


@router.get("/worksheets/{set_id}")
async def worksheet(request: Request, set_id: str) -> Response:
    state = _st(request)
    cs = _set(state, set_id)
    return state.page(
        request,
        "worksheet.html",
        title=cs.key.title,
        cs=cs,
        sheets=_sheets(state, cs),
        answer_key=answer_key,
        choices=choices,
        words=words,
        given={},
        problems=[],
    )


@router.post("/worksheets/{set_id}")
async def submit(request: Request, set_id: str) -> Response:
    state = _st(request)
    cs = _set(state, set_id)
    raw = await request.form()
    form = {k: str(raw.get(k, "")) for k in raw}
    try:
        marked = await bounded(state.config.request_seconds, cs.submit, form, state.sessions.scratch)
    except InputError as exc:
        return state.page(
            request,
            "worksheet.html",
            400,
            title=cs.key.title,
            cs=cs,
            sheets=_sheets(state, cs),
            answer_key=answer_key,
            choices=choices,
            words=words,
            given=form,
            problems=exc.lines(),
        )
    return state.page(request, "feedback.html", title="Your results", cs=cs, grade=marked, words=words)


@router.get("/worksheets/{set_id}/teacher")
async def teacher(request: Request, set_id: str, key: str = "") -> Response:
    state = _st(request)
    cs = _set(state, set_id)
    _instructor(state, key)
    return state.page(
        request,
        "teacher.html",
        title=f"Instructor: {cs.key.title}",
        cs=cs,
        rows=cs.difficulty(),
        submissions=list(cs.submissions),
        key=key,
    )


@router.get("/worksheets/{set_id}/gradebook.csv")
async def gradebook(request: Request, set_id: str, key: str = "") -> Response:
    state = _st(request)
    cs = _set(state, set_id)
    _instructor(state, key)
    return _csv(cs.gradebook_csv(), f"{cs.id}-gradebook.csv")


@router.get("/worksheets/{set_id}/difficulty.csv")
async def difficulty(request: Request, set_id: str, key: str = "") -> Response:
    state = _st(request)
    cs = _set(state, set_id)
    _instructor(state, key)
    return _csv(cs.difficulty_csv(), f"{cs.id}-difficulty.csv")


@router.get("/worksheets/{set_id}/printable")
async def printable(request: Request, set_id: str) -> Response:
    state = _st(request)
    cs = _set(state, set_id)
    page = cs.folder / "worksheet.html" if cs.folder is not None else None
    if page is None or not page.is_file():
        raise HTTPException(404, "this class set has no printable worksheet")
    # the file exercise make wrote styles itself inline; it runs no script
    return Response(
        page.read_text(encoding="utf-8"),
        media_type="text/html; charset=utf-8",
        headers={"content-security-policy": "default-src 'none'; style-src 'unsafe-inline'"},
    )


def _csv(text: str, name: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
