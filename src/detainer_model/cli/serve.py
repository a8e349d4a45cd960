"""``detainer-model serve``: the classroom web app on this computer (or, with --host, a LAN)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import UnknownIdError
from .app import RULES_OPTION


@click.command("serve")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for a LAN)."
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on."
)
@click.option(
    "--scenarios",
    "scenarios_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Scenario folder for the library page (default: the checkout's scenarios/).",
)
@click.option(
    "--class-set",
    "class_sets",
    multiple=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="A folder written by `exercise make` to offer as a worksheet (repeatable; default: exercises/*/).",
)
@RULES_OPTION
def serve_command(
    host: str, port: int, scenarios_dir: Path | None, class_sets: tuple[Path, ...], rules_dir: Path | None
) -> int:
    """Serve the classroom web app: case builder, scenario library, what-if, worksheets, policy lab,
    rules and sources, and a JSON API under /api/. Needs the [web] extra."""
    try:
        from ..web.config import WebConfig
        from ..web.server import serve
    except ImportError as exc:  # the [web] extra is not installed
        raise UnknownIdError(
            f"the web app needs the [web] extra ({exc.name} is missing): pip install 'detainer-model[web]'"
        ) from None
    config = WebConfig(rules_dir=rules_dir, class_sets=tuple(class_sets))
    if scenarios_dir is not None:
        config.scenarios_dir = scenarios_dir
    config.library()  # refuse bad rules before listening
    click.echo(f"detainer-model web app on http://{host}:{port}/  (Ctrl-C to stop)")
    click.echo(f"instructor key (for gradebooks): {config.instructor_key}")
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo("listening beyond this computer: anyone on the network can open the app")
    serve(config, host, port)
    return 0
