"""Small pydantic field types shared by the scenario and rule-file models."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator

T = TypeVar("T")


def _list_to_tuple(value: Any) -> Any:
    # YAML gives lists; the models are frozen, so they hold tuples. Items stay strictly typed.
    return tuple(value) if isinstance(value, list) else value


def one_or_many(value: Any) -> Any:
    """One item or a list of them, as a tuple."""
    if isinstance(value, str):
        return (value,)
    return _list_to_tuple(value)


Tuple = Annotated[tuple[T, ...], BeforeValidator(_list_to_tuple)]
OneOrMany = Annotated[tuple[T, ...], BeforeValidator(one_or_many)]
