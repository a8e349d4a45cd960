"""``detainer-model rules ...``: the rule files as documents. Subcommands live in their own modules."""

from __future__ import annotations

import click

from .lazy import LazyGroup


@click.group("rules", cls=LazyGroup)
def rules_group() -> None:
    """Browse, compare and check the rule files."""
