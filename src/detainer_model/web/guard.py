"""Keeping a shared classroom server safe: size-limited bodies, bounded work, strict headers.

* :class:`BodyLimit` refuses any request body larger than the limit (413), whether or not it
  declares its length, before a handler reads it;
* :func:`bounded` runs model work in a worker thread and gives up waiting after the server's time
  limit with a clear message (the work itself is bounded by the caps in :mod:`.config`);
* every response forbids scripts, styles and frames from anywhere but the server itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

T = TypeVar("T")

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class TooLong(Exception):
    """Model work took longer than the server allows for one request."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"this took longer than the server allows ({seconds:g} s); try a smaller case "
            "(fewer convictions or charges) or ask for single changes only"
        )


class _TooLarge(HTTPException):
    # an HTTPException, so that a framework that wraps body-reading errors passes it on as a 413
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request too large: the limit is {limit // 1024} KB.")


class BodyLimit:
    """ASGI middleware: refuse bodies over ``limit`` bytes and add the security headers."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _refuse(send, self.limit)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge(self.limit)
            return message

        async def headed(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                have = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in have]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, counted, headed)
        except _TooLarge:
            if not started:
                await _refuse(send, self.limit)


async def _refuse(send: Send, limit: int) -> None:
    body = f"Request too large: the limit is {limit // 1024} KB.".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), *SECURITY_HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def bounded(seconds: float, fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(*args)`` in a worker thread; raise :class:`TooLong` after ``seconds``."""
    try:
        with anyio.fail_after(seconds):
            return await anyio.to_thread.run_sync(lambda: fn(*args), abandon_on_cancel=True)
    except TimeoutError:
        raise TooLong(seconds) from None
