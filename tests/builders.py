"""Small builders for example cases in tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from detainer_model import Case

BOOKING = dt.date(2015, 9, 1)


def conviction(level: str = "misdemeanor", *kinds: str, days_ago: int = 400, **extra: Any) -> dict[str, Any]:
    """A conviction dated ``days_ago`` days before the default booking date."""
    return {
        "offense": "An offense",
        "date": BOOKING - dt.timedelta(days=days_ago),
        "level": level,
        "kinds": list(kinds),
        **extra,
    }


def make_case(
    *,
    convictions: list[dict[str, Any]] | None = None,
    charges: list[dict[str, Any]] | None = None,
    jurisdiction: Any = "full-cooperation",
    booking_date: dt.date = BOOKING,
    ice: dict[str, Any] | None = None,
    **person: Any,
) -> Case:
    """A valid case: by default an unauthorized adult with no record in a cooperating county."""
    return Case.model_validate(
        {
            "id": "example",
            "title": "An example case",
            "booking_date": booking_date,
            "jurisdiction": jurisdiction,
            "person": {"status": "unauthorized", "age": 30, **person},
            "convictions": convictions or [],
            "charges": charges or [],
            "ice": ice or {},
        }
    )


def invoke(capsys: Any, *args: str) -> tuple[int, str, str]:
    """Run the real command line in-process: (exit status, stdout, stderr)."""
    from detainer_model.cli import main

    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err
