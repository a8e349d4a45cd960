"""Running the app with uvicorn (used by ``detainer-model serve`` and by the browser tests)."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from .app import create_app
from .config import WebConfig

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def serve(config: WebConfig, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve until interrupted."""
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)


def free_port(host: str = DEFAULT_HOST) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


class BackgroundServer:
    """The app served from a thread on 127.0.0.1 and a free port (for tests and benchmarks)."""

    def __init__(self, config: WebConfig | None = None) -> None:
        self.port = free_port()
        self.url = f"http://{DEFAULT_HOST}:{self.port}"
        self.app = create_app(config)
        self._server = uvicorn.Server(
            uvicorn.Config(self.app, host=DEFAULT_HOST, port=self.port, log_level="warning", lifespan="on")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the web server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
