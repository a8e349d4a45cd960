"""Small pydantic field types shared by the scenario and rule-file models."""

from __future__ import annotations

import datetime as dt
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


# Dates a case may carry: a sanity range, not law. It keeps date arithmetic (a look-back of some
# years before a booking) inside what the calendar can represent, and catches typos like 0215.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def check_date_range(value: dt.date) -> dt.date:
    """``value`` if it lies in the sanity range of dates, else ValueError saying so."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(
            f"{value.isoformat()} is outside the dates this model accepts "
            f"({EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()})"
        )
    return value
