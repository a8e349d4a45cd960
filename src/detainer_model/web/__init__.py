"""The classroom web app: ``detainer-model serve``.

The top layer of the package: it may import every layer below it, and only the CLI's ``serve``
command imports it (lazily, so that the CLI works without the ``[web]`` extra). Pages and the JSON
API call the same public functions as the CLI; nothing here knows any law.
"""

from __future__ import annotations

from .app import create_app
from .config import WebConfig

__all__ = ["WebConfig", "create_app"]
